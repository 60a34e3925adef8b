"""A private PostgreSQL cluster for the tests that need a real one (``scripts/test-postgres.sh``).

One cluster per test session, started on first use on a free port and always
stopped; each test gets a database of its own. Where PostgreSQL is not
installed the tests that need it skip -- except in CI (``CI`` or
``GENEVER_REQUIRE_POSTGRES`` set), where they fail: CI installs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator

import pytest

from tests.servers import ROOT, free_port

SCRIPT = ROOT / "scripts" / "test-postgres.sh"
_names = itertools.count(1)


@contextlib.contextmanager
def cluster() -> Iterator[str]:
    """Start a cluster; yields the URL of its (empty) database ``genever_test``."""
    where = tempfile.mkdtemp(prefix="genever-pg-")
    started = subprocess.run(
        ["bash", str(SCRIPT), "start", where, str(free_port())], capture_output=True, text=True, check=False
    )
    try:
        if started.returncode != 0:
            message = f"cannot start PostgreSQL: {started.stderr.strip()}"
            if started.returncode == 2 and not (os.environ.get("CI") or os.environ.get("GENEVER_REQUIRE_POSTGRES")):
                pytest.skip(message)
            raise RuntimeError(message)
        yield started.stdout.strip().splitlines()[-1]
    finally:
        if started.returncode == 0:
            subprocess.run(["bash", str(SCRIPT), "stop", where], capture_output=True, check=False)
        shutil.rmtree(where, ignore_errors=True)


def new_database(url: str) -> str:
    """A fresh database on the cluster of ``url``; its URL."""
    import asyncpg

    name = f"test_{os.getpid()}_{next(_names)}"

    async def create() -> None:
        connection = await asyncpg.connect(url)
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    asyncio.run(create())
    return url.rsplit("/", 1)[0] + "/" + name
