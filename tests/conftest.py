"""Shared fixtures: every app-level test runs against both protocol adapters."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

import pytest

from tests.rsgi_client import RSGITestClient

# The example service's database: a SQLite file of this test session, never the developer's
# (servers started by the tests inherit it); tests that need another one set their own.
_DATA = tempfile.mkdtemp(prefix="genever-tests-")
atexit.register(shutil.rmtree, _DATA, True)
os.environ["DATABASE_URL"] = f"sqlite:///{_DATA}/service.db"


@pytest.fixture(params=["asgi", "rsgi"])
def client_factory(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """``client_factory(app)`` → a test client speaking ASGI or RSGI to the app."""
    clients = []

    def make(app, **kwargs):  # type: ignore[no-untyped-def]
        if request.param == "asgi":
            from genever.testclient import TestClient

            client = TestClient(app, **kwargs)
        else:
            client = RSGITestClient(app, **kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture(scope="session")
def postgres_cluster():  # type: ignore[no-untyped-def]
    """The URL of a private PostgreSQL cluster's database (see tests/postgres.py)."""
    from tests.postgres import cluster

    with cluster() as url:
        yield url
