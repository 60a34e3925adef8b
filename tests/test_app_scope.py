"""App-scoped dependencies: ``Depends(f, scope="app")`` made once, cleaned up at shutdown, overridable."""

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import pytest

from genever import APIRouter, Depends, Genever, Query, Request
from genever.exceptions import ConfigurationError
from genever.testclient import TestClient


class Pool:
    made = itertools.count(1)

    def __init__(self, dsn: str = "memory") -> None:
        self.number = next(Pool.made)
        self.dsn = dsn
        self.closed = False


def make_app(log: list[str]) -> tuple[Genever, Any, Any]:
    async def get_settings() -> dict[str, str]:
        log.append("settings")
        return {"dsn": "db://x"}

    async def get_pool(settings: Annotated[dict[str, str], Depends(get_settings)]) -> AsyncIterator[Pool]:
        await asyncio.sleep(0.01)  # requests that arrive meanwhile wait for this one value
        pool = Pool(settings["dsn"])
        log.append(f"open {pool.number}")
        yield pool
        pool.closed = True
        log.append(f"close {pool.number}")

    def get_cache() -> Iterator[dict[str, int]]:
        log.append("cache")
        yield {}
        log.append("cache closed")

    async def session(pool: Annotated[Pool, Depends(get_pool, scope="app")]) -> AsyncIterator[str]:
        yield f"session on {pool.number}"  # a request-scoped dependency using the app-scoped one

    app = Genever()

    @app.get("/pool")
    async def read_pool(pool: Annotated[Pool, Depends(get_pool, scope="app")]) -> dict[str, Any]:
        return {"number": pool.number, "dsn": pool.dsn, "closed": pool.closed}

    @app.get("/both")
    def read_both(
        s: Annotated[str, Depends(session)],
        cache: Annotated[dict[str, int], Depends(get_cache, scope="app")],
        q: int = 0,
    ) -> dict[str, Any]:
        cache["hits"] = cache.get("hits", 0) + 1
        return {"session": s, "hits": cache["hits"], "q": q}

    router = APIRouter(dependencies=[Depends(get_cache, scope="app")])

    @router.get("/guarded")
    async def guarded() -> str:
        return "ok"

    app.include_router(router)
    return app, get_pool, get_settings


def test_made_at_startup_once_and_closed_at_shutdown(client_factory: Any) -> None:
    log: list[str] = []
    app, _, _ = make_app(log)
    client = client_factory(app)
    with client:
        assert log[0] == "settings" and log[1].startswith("open ") and log[2:] == ["cache"]
        first = client.get("/pool").json()
        assert first["closed"] is False and first["dsn"] == "db://x"
        assert client.get("/pool").json()["number"] == first["number"]
        both = client.get("/both?q=3").json()
        assert both == {"session": f"session on {first['number']}", "hits": 1, "q": 3}
        assert client.get("/both").json()["hits"] == 2  # the same dict for the whole app
        assert client.get("/guarded").text == '"ok"'
        assert log.count("settings") == 1 and log.count("cache") == 1
    # the last made is closed first
    assert log[-2:] == ["cache closed", f"close {first['number']}"]


def test_made_on_first_use_once_under_concurrency() -> None:
    log: list[str] = []
    app, _, _ = make_app(log)
    client = TestClient(app)  # no lifespan: made on the first request that needs it

    async def many() -> list[Any]:
        from httpx import ASGITransport, AsyncClient

        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as ac:
            answers = await asyncio.gather(*(ac.get("/pool") for _ in range(20)))
        return [a.json()["number"] for a in answers]

    numbers = client._loop().run(many())
    assert len(set(numbers)) == 1
    assert log.count("settings") == 1 and sum(entry.startswith("open") for entry in log) == 1
    assert "cache" not in log  # nothing asked for it yet
    client.close()


def test_restart_makes_a_new_value() -> None:
    log: list[str] = []
    app, _, _ = make_app(log)
    with TestClient(app) as client:
        first = client.get("/pool").json()["number"]
    with TestClient(app) as client:
        second = client.get("/pool").json()
        assert second["number"] != first and second["closed"] is False


def test_overrides(client_factory: Any) -> None:
    log: list[str] = []
    app, get_pool, _ = make_app(log)

    async def fake_pool() -> AsyncIterator[Pool]:
        log.append("fake open")
        yield Pool("fake")
        log.append("fake close")

    app.dependency_overrides[get_pool] = fake_pool
    with client_factory(app) as client:
        assert client.get("/pool").json()["dsn"] == "fake"
        assert client.get("/both").json()["session"].startswith("session on ")
        assert "settings" not in log  # the original is not made
        app.dependency_overrides.clear()
        assert client.get("/pool").json()["dsn"] == "db://x"  # the value made at start-up
    assert "fake close" in log and log.index("fake close") > log.index("fake open")
    log.clear()
    with client_factory(app):
        pass
    assert "fake open" not in log  # the override is gone: start-up makes only what the routes use


def test_override_of_a_sub_dependency_makes_another_value() -> None:
    log: list[str] = []
    app, _, get_settings = make_app(log)
    with TestClient(app) as client:
        real = client.get("/pool").json()
        app.dependency_overrides[get_settings] = lambda: {"dsn": "db://test"}
        other = client.get("/pool").json()
        assert other["dsn"] == "db://test" and other["number"] != real["number"]


def test_a_failing_maker_fails_startup_and_the_made_ones_are_closed() -> None:
    closed: list[str] = []

    async def first() -> AsyncIterator[int]:
        yield 1
        closed.append("first")

    async def broken(one: Annotated[int, Depends(first)]) -> int:
        raise RuntimeError("database is down")

    app = Genever()

    @app.get("/")
    async def index(value: Annotated[int, Depends(broken, scope="app")]) -> int:
        return value

    with pytest.raises(RuntimeError, match="database is down"), TestClient(app):
        pass
    assert closed == ["first"]


@pytest.mark.parametrize(
    ("maker_source", "expected"),
    [
        ("def dep(request: Request) -> int: return 1", "parameter 'request' of {}dep() asks for the Request"),
        ("def dep(q: int) -> int: return q", "parameter 'q' of {}dep() asks for a query value"),
        (
            "def dep(q: Annotated[int, Query()] = 1) -> int: return q",
            "parameter 'q' of {}dep() asks for a query value",
        ),
        (
            "def dep(inner: Annotated[int, Depends(reads_request)]) -> int: return inner",
            "parameter 'request' of {}reads_request() asks for the Request",
        ),
        (
            'def dep(inner: Annotated[int, Depends(plain, scope="request")]) -> int: return inner',
            "parameter 'inner' of {}dep() asks for a dependency with scope=\"request\"",
        ),
    ],
)
def test_request_values_are_a_startup_error(maker_source: str, expected: str) -> None:
    def reads_request(request: Request) -> int:
        return 1

    def plain() -> int:
        return 1

    namespace: dict[str, Any] = {
        "Request": Request, "Annotated": Annotated, "Query": Query, "Depends": Depends,
        "reads_request": reads_request, "plain": plain,
    }
    exec(maker_source, namespace)
    dep = namespace["dep"]
    app = Genever()

    @app.get("/items/{item_id}")
    async def read(item_id: int, value: Annotated[int, Depends(dep, scope="app")]) -> int:
        return value

    with pytest.raises(ConfigurationError) as info:
        app.freeze()
    message = str(info.value)
    assert message.startswith("GET /items/{item_id}: ")
    prefix = "test_request_values_are_a_startup_error.<locals>." if "reads_request" in expected else ""
    assert expected.format(prefix) in message
    assert 'is an app-scoped dependency (Depends(..., scope="app"))' in message


def test_plain_and_sync_makers_and_no_name() -> None:
    made: list[int] = []

    def counter() -> list[int]:
        made.append(1)
        return made

    app = Genever()

    @app.get("/", dependencies=[Depends(counter, scope="app")])
    def index(value: Annotated[list[int], Depends(counter, scope="app")]) -> int:
        return len(value)

    with TestClient(app) as client:
        assert [client.get("/").json() for _ in range(3)] == [1, 1, 1]


def test_websocket_routes_read_the_same_value() -> None:
    from genever import WebSocket

    made: list[object] = []

    def resource() -> object:
        made.append(object())
        return made[-1]

    app = Genever()

    @app.websocket("/ws")
    async def ws(websocket: WebSocket, value: Annotated[object, Depends(resource, scope="app")]) -> None:
        await websocket.accept()
        await websocket.send_json({"same": value is made[0]})
        await websocket.close()

    @app.get("/http")
    async def http(value: Annotated[object, Depends(resource, scope="app")]) -> bool:
        return value is made[0]

    with TestClient(app) as client:
        with client.websocket_connect("/ws") as session:
            assert session.receive_json() == {"same": True}
        assert client.get("/http").json() is True
    assert len(made) == 1
