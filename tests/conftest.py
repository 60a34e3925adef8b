"""Shared fixtures: every app-level test runs against both protocol adapters."""

from __future__ import annotations

import pytest

from tests.rsgi_client import RSGITestClient


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
