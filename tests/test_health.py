"""``app.add_health_routes()``: liveness, readiness from the app's checks (sync, async, failing,
slow), 503 while draining or once shutdown started; on real servers too."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest

from genever import Depends, Genever, health
from genever.exceptions import ConfigurationError
from tests.servers import free_port, serve, server_commands


@pytest.fixture(autouse=True)
def _not_draining() -> Iterator[None]:
    health._reset_drain()
    yield
    health._reset_drain()


def make_app(state: dict[str, Any]) -> Genever:
    app = Genever()
    checks = app.add_health_routes(timeout=0.5)

    @checks.check("database")
    async def database() -> None:
        if not state.get("db", True):
            raise ConnectionError("database unreachable")

    @checks.check("cache")
    def cache() -> bool:  # a plain def runs in the thread pool
        return bool(state.get("cache", True))

    async def slow() -> None:
        await asyncio.sleep(5 if state.get("slow") else 0)

    checks.add_check("queue", slow, timeout=0.2)
    return app


def test_liveness_and_readiness(client_factory: Callable[..., Any]) -> None:
    state: dict[str, Any] = {}
    client = client_factory(make_app(state))
    assert client.get("/healthz").json() == {"status": "alive"}
    assert client.head("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "cache": "ok", "queue": "ok"}}
    state["db"] = False
    state["cache"] = False
    not_ready = client.get("/readyz")
    assert not_ready.status_code == 503
    assert not_ready.json()["checks"] == {
        "database": "failed: ConnectionError: database unreachable",
        "cache": "failed: returned False",
        "queue": "ok",
    }
    state.update(db=True, cache=True, slow=True)
    started = time.monotonic()
    slow = client.get("/readyz")
    assert time.monotonic() - started < 2
    assert slow.status_code == 503
    assert slow.json()["checks"]["queue"] == "failed: no answer within 0.2s"
    assert client.get("/healthz").status_code == 200  # liveness does not depend on the checks


def test_not_ready_while_draining(client_factory: Callable[..., Any]) -> None:
    client = client_factory(make_app({}))
    assert client.get("/readyz").status_code == 200
    health.begin_drain()
    draining = client.get("/readyz")
    assert (draining.status_code, draining.json()) == (503, {"status": "draining"})
    assert client.get("/healthz").status_code == 200


def test_not_ready_once_shutdown_started() -> None:
    from genever.testclient import TestClient

    app = make_app({})
    with TestClient(app) as client:
        assert client.get("/readyz").status_code == 200
    assert client.get("/readyz").json() == {"status": "draining"}
    with TestClient(app) as client:  # started again
        assert client.get("/readyz").status_code == 200


def test_paths_and_duplicates() -> None:
    from genever.testclient import TestClient

    app = Genever()
    checks = app.add_health_routes(liveness="/live", readiness=None)
    with pytest.raises(ValueError, match="already registered"):
        checks.add_check("a", lambda: None)
        checks.add_check("a", lambda: None)
    client = TestClient(app)
    assert client.get("/live").status_code == 200
    assert client.get("/readyz").status_code == 404
    assert "/live" not in app.openapi()["paths"]


@pytest.mark.parametrize("server", ["genever-run", "uvicorn"])
def test_health_routes_on_a_real_server(server: str, tmp_path: Path) -> None:
    port = free_port()
    argv = server_commands("tests.server_apps.observed:app")[server](port)
    flag = tmp_path / "down"
    with serve(argv, port, env={"OBSERVED_DOWN_FILE": str(flag)}) as base:
        assert httpx.get(base + "/healthz").json() == {"status": "alive"}
        ready = httpx.get(base + "/readyz")
        assert (ready.status_code, ready.json()["checks"]) == (200, {"dependency": "ok"})
        flag.write_text("down")
        not_ready = httpx.get(base + "/readyz")
        assert not_ready.status_code == 503
        assert not_ready.json()["checks"]["dependency"].startswith("failed")


class Pool:
    def __init__(self) -> None:
        self.up = True
        self.closed = False


made: list[Pool] = []


async def get_pool() -> Any:
    pool = Pool()
    made.append(pool)
    yield pool
    pool.closed = True


PoolDep = Annotated[Pool, Depends(get_pool, scope="app")]


def test_a_check_takes_app_scoped_dependencies(client_factory: Callable[..., Any]) -> None:
    made.clear()
    app = Genever()
    checks = app.add_health_routes()

    @app.get("/up")
    async def up(pool: PoolDep) -> bool:
        return pool.up

    @checks.check("pool")
    async def pool_check(pool: PoolDep) -> bool:
        return pool.up

    def sync_check(pool: PoolDep, retries: int = 3) -> None:  # a plain default is left alone
        if not pool.up:
            raise ConnectionError(f"down after {retries} tries")

    checks.add_check("pool (sync)", sync_check)
    client = client_factory(app)
    assert client.get("/readyz").json() == {"status": "ready", "checks": {"pool": "ok", "pool (sync)": "ok"}}
    assert client.get("/up").json() is True
    assert len(made) == 1  # the same value the routes get, made once
    made[0].up = False
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["checks"] == {
        "pool": "failed: returned False",
        "pool (sync)": "failed: ConnectionError: down after 3 tries",
    }
    assert client.get("/up").json() is False


def test_a_check_sees_the_overrides() -> None:
    from genever.testclient import TestClient

    async def broken_pool() -> Pool:
        pool = Pool()
        pool.up = False
        return pool

    app = Genever()
    app.add_health_routes().add_check("pool", lambda pool=Depends(get_pool, scope="app"): pool.up)
    with TestClient(app) as client:
        assert client.get("/readyz").status_code == 200
    app.dependency_overrides[get_pool] = broken_pool
    with TestClient(app) as client:
        assert client.get("/readyz").json()["checks"] == {"pool": "failed: returned False"}


@pytest.mark.parametrize(
    ("check", "message"),
    [
        (lambda q: None, "parameter 'q' of .* asks for a query value"),
        (lambda request=Depends(lambda: None): None, "parameter 'request' of .* without scope=\"app\""),
    ],
)
def test_a_check_that_asks_for_request_values_fails_when_added(check: Any, message: str) -> None:
    checks = Genever().add_health_routes()
    with pytest.raises(ConfigurationError, match="readiness check 'db': " + message):
        checks.add_check("db", check)
