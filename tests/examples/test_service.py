"""The example service on a real database: SQLite always, PostgreSQL (a private cluster) too.

Nothing here is mocked: each test gets an empty database, the service runs its
Alembic migrations at start-up, and the requests go through the service's own
session dependency (commit on success, rollback on error), in process and
through real servers with concurrent writers.
"""

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from examples import service
from sqlalchemy import select, text

from genever import Genever, HTTPException
from genever.ext.sqlalchemy import create_engine
from genever.testclient import TestClient
from tests.postgres import new_database
from tests.servers import ROOT, free_port, serve

BIN = Path(sys.executable).parent


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/data/service.db"  # the folder does not exist yet: the service makes it
    else:
        url = new_database(request.getfixturevalue("postgres_cluster"))
    monkeypatch.setenv("DATABASE_URL", url)
    return url


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    with TestClient(service.app) as client:
        yield client


def token(client: Any, scope: str = "me items", user: str = "alice", password: str = "secret") -> dict[str, str]:
    answer = client.post("/token", data={"username": user, "password": password, "scope": scope})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def query(url: str, sql: str) -> list[Any]:
    async def run() -> list[Any]:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                return list((await connection.execute(text(sql))).all())
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_migrations_run_at_startup_once(database_url: str) -> None:
    with TestClient(service.app) as client:
        assert client.get("/items/1").json() == {
            "id": 1, "name": "widget", "price": 9.5, "tags": ["tools"], "owner": "alice"
        }  # fmt: skip
    assert query(database_url, "SELECT version_num FROM alembic_version") == [("0001",)]
    if database_url.startswith("sqlite"):
        assert Path(database_url.removeprefix("sqlite:///")).is_file()
    with TestClient(service.app) as client:  # a second start finds the schema at its head
        assert client.get("/items").json()["total"] == 1


def test_crud(client: TestClient) -> None:
    auth = token(client)
    created = client.post("/items", json={"name": "gadget", "price": 3, "tags": ["tools", "small"]}, headers=auth)
    assert created.status_code == 201
    item = created.json()
    assert item == {"id": item["id"], "name": "gadget", "price": 3.0, "tags": ["small", "tools"], "owner": "alice"}
    assert client.get(f"/items/{item['id']}").json() == item

    changed = client.patch(f"/items/{item['id']}", json={"price": 4.5, "tags": ["small", "new"]}, headers=auth)
    assert changed.status_code == 200
    assert changed.json() == {**item, "price": 4.5, "tags": ["new", "small"]}
    assert client.get(f"/items/{item['id']}").json()["tags"] == ["new", "small"]

    deleted = client.delete(f"/items/{item['id']}", headers=auth)
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert client.get(f"/items/{item['id']}").status_code == 404
    assert client.delete(f"/items/{item['id']}", headers=auth).status_code == 404
    assert client.patch("/items/999", json={"price": 1}, headers=auth).json() == {"detail": "Item not found"}


def test_validation(client: TestClient) -> None:
    auth = token(client)
    for body, loc, kind in [
        ({"name": "", "price": 1}, ["body", "name"], "string_too_short"),
        ({"name": "x", "price": 0}, ["body", "price"], "greater_than"),
        ({"name": "x", "price": 1, "tags": ["t"] * 11}, ["body", "tags"], "too_long"),
        ({"name": "x", "price": 1, "tags": ["x" * 33]}, ["body", "tags", 0], "string_too_long"),
        ({"price": 1}, ["body", "name"], "missing"),
    ]:
        answer = client.post("/items", json=body, headers=auth)
        assert answer.status_code == 422, body
        assert (answer.json()["detail"][0]["loc"], answer.json()["detail"][0]["type"]) == (loc, kind)
    assert client.get("/items/0").status_code == 422
    assert client.get("/items?limit=101").json()["detail"][0]["loc"] == ["query", "limit"]
    assert client.get("/items?sort=cost").json()["detail"][0]["loc"] == ["query", "sort"]
    assert client.get("/items?offset=-1").status_code == 422
    assert client.get("/items").json()["total"] == 1  # nothing was written


def test_list_filters_sorts_and_pages(client: TestClient) -> None:
    auth = token(client)
    for name, price, tags in [("bolt", 0.5, ["tools"]), ("Nut", 0.25, ["tools", "small"]), ("lamp", 30, ["home"]),
                              ("desk lamp", 45, ["home"]), ("100%_cotton", 12, [])]:  # fmt: skip
        assert client.post("/items", json={"name": name, "price": price, "tags": tags}, headers=auth).status_code == 201

    def names(query: str) -> tuple[list[str], int]:
        page = client.get(f"/items?{query}").json()
        return [item["name"] for item in page["items"]], page["total"]

    assert names("") == (["widget", "bolt", "Nut", "lamp", "desk lamp", "100%_cotton"], 6)
    assert names("limit=2&offset=1") == (["bolt", "Nut"], 6)
    assert names("limit=2&offset=10") == ([], 6)
    assert names("tag=tools&sort=price") == (["Nut", "bolt", "widget"], 3)
    assert names("tag=home&sort=-price&limit=1") == (["desk lamp"], 2)
    assert names("q=LAMP&sort=name") == (["desk lamp", "lamp"], 2)
    assert names("q=%25_") == (["100%_cotton"], 1)  # LIKE's wildcards are matched as text
    assert names("min_price=1&max_price=30&sort=-price") == (["lamp", "100%_cotton", "widget"], 3)
    assert names("sort=-id&limit=1") == (["100%_cotton"], 6)
    page = client.get("/items?limit=3&offset=3").json()
    assert (page["limit"], page["offset"], page["total"]) == (3, 3, 6)


def test_writes_need_a_token_with_the_items_scope(client: TestClient) -> None:
    item = {"name": "gadget", "price": 3}
    no_token = client.post("/items", json=item)
    assert no_token.status_code == 401 and no_token.headers["www-authenticate"].startswith("Bearer")
    assert client.post("/items", json=item, headers={"Authorization": "Bearer nope"}).status_code == 401
    read_only = token(client, scope="me")
    assert client.post("/items", json=item, headers=read_only).json() == {"detail": "Not enough permissions"}
    assert client.delete("/items/1", headers=read_only).status_code == 401
    inactive = token(client, user="bob", password="hunter2")
    assert client.patch("/items/1", json={"price": 1}, headers=inactive).json() == {"detail": "Inactive user"}
    assert client.get("/items").json()["total"] == 1 and client.get("/items/1").json()["price"] == 9.5


def test_conflicts_roll_back(client: TestClient) -> None:
    auth = token(client)
    conflict = client.post("/items", json={"name": "widget", "price": 1}, headers=auth)
    assert conflict.status_code == 409 and conflict.json() == {"detail": "an item named 'widget' exists"}
    gadget = client.post("/items", json={"name": "gadget", "price": 2, "tags": ["a"]}, headers=auth).json()
    # the new tags and the new name are one transaction: all of it is rolled back
    renamed = client.patch(f"/items/{gadget['id']}", json={"name": "widget", "tags": ["b"]}, headers=auth)
    assert renamed.status_code == 409
    assert client.get(f"/items/{gadget['id']}").json() == gadget
    assert client.get("/items").json()["total"] == 2


def test_the_session_commits_on_success_and_rolls_back_on_error(database_url: str) -> None:
    """The service's session dependency, in an app of the test's own: a write, then an error."""
    app = Genever()

    @app.post("/rows/{name}")
    async def add(name: str, session: service.Session, fail: str | None = None) -> int:
        row = service.ItemRow(name=name, price=1, owner="test")
        session.add(row)
        await session.flush()  # the row is in the database's transaction now
        if fail == "http":
            raise HTTPException(status_code=418, detail="no")
        if fail == "crash":
            raise RuntimeError("the handler failed after writing")
        return row.id

    @app.get("/count")
    async def count(session: service.Session) -> int:
        return len((await session.scalars(select(service.ItemRow))).all())

    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/count").json() == 1
        assert client.post("/rows/a").status_code == 200
        assert client.post("/rows/b?fail=http").status_code == 418
        assert client.post("/rows/c?fail=crash").status_code == 500
        assert client.get("/count").json() == 2
    assert sorted(row[0] for row in query(database_url, "SELECT name FROM items")) == ["a", "widget"]


@pytest.mark.parametrize("server", ["genever-run", "uvicorn"])
def test_concurrent_writers_on_a_real_server(database_url: str, server: str) -> None:
    port = free_port()
    argv = {
        "genever-run": [str(BIN / "genever"), "run", "examples.service:app", "--port", str(port)],
        "uvicorn": [sys.executable, "-m", "uvicorn", "examples.service:app", "--port", str(port)],
    }[server]
    limits = httpx.Limits(max_connections=64)
    with serve(argv, port, env={"DATABASE_URL": database_url}) as base, httpx.Client(
        base_url=base, timeout=60, limits=limits
    ) as c:
        auth = token(c)
        results: dict[str, list[int]] = {"new": [], "same": [], "patch": []}
        lock = threading.Lock()

        def write(kind: str, index: int) -> None:  # each thread on a connection of its own
            if kind == "new":
                item = {"name": f"item {index}", "price": index + 1, "tags": ["load"]}
                answer = c.post("/items", json=item, headers=auth)
            elif kind == "same":
                answer = c.post("/items", json={"name": "contested", "price": 1}, headers=auth)
            else:
                answer = c.patch("/items/1", json={"price": index + 1, "tags": [f"t{index}"]}, headers=auth)
            with lock:
                results[kind].append(answer.status_code)

        threads = [threading.Thread(target=write, args=(kind, i)) for i in range(12) for kind in results]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results["new"] == [201] * 12
        assert sorted(results["same"]) == [201] + [409] * 11  # exactly one wins the unique name
        assert results["patch"] == [200] * 12
        page = c.get("/items?tag=load&limit=100").json()
        assert page["total"] == 12
        assert sorted(item["name"] for item in page["items"]) == sorted(f"item {i}" for i in range(12))
        widget = c.get("/items/1").json()
        assert widget["tags"] == [f"t{int(widget['price']) - 1}"]  # one whole PATCH won, not a mix
        assert c.get("/items").json()["total"] == 14
        assert c.get("/readyz").json() == {"status": "ready", "checks": {"database": "ok"}}


def test_the_migrations_match_the_models(database_url: str) -> None:
    """``alembic check`` (the command line, as a developer runs it): the models need no new migration."""
    with TestClient(service.app):
        pass  # the service upgraded the database at start-up
    checked = subprocess.run(
        [str(BIN / "alembic"), "-c", "examples/alembic.ini", "check"],
        cwd=ROOT, capture_output=True, text=True, check=False, env={**os.environ, "DATABASE_URL": database_url},
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    assert "No new upgrade operations detected" in checked.stdout


def test_concurrent_starts_migrate_once(database_url: str) -> None:
    """Several workers starting at once on an empty database: one runs the migrations, the others wait."""
    from genever.ext.sqlalchemy import upgrade

    async def run() -> None:
        engines = [create_engine(database_url) for _ in range(4)]
        try:
            await asyncio.gather(*(upgrade(engine, service.HERE / "migrations") for engine in engines))
        finally:
            for engine in engines:
                await engine.dispose()

    asyncio.run(run())
    assert query(database_url, "SELECT version_num FROM alembic_version") == [("0001",)]
    assert query(database_url, "SELECT name FROM items") == [("widget",)]


def test_the_service_is_observable(client: TestClient) -> None:
    # metrics, request ids, health routes and spans are on (examples/service.py's last lines)
    response = client.get("/items/1", headers={"X-Request-ID": "example-1"})
    assert response.headers["x-request-id"] == "example-1"
    assert client.get("/healthz").json() == {"status": "alive"}
    assert client.get("/readyz").status_code == 200
    scrape = client.get("/metrics").text
    assert 'http_requests_total{method="GET",route="/items/{item_id}",status=' in scrape
    assert any(type(i).__name__ == "Tracing" for i in service.app._instruments)


def test_ready_only_while_the_database_answers(database_url: str) -> None:
    """``/readyz`` checks the database (``db.ping``: a ``SELECT 1`` on the app's engine)."""
    with TestClient(service.app) as client:
        ready = client.get("/readyz")
        assert (ready.status_code, ready.json()) == (200, {"status": "ready", "checks": {"database": "ok"}})
        if database_url.startswith("postgresql"):
            # the server refuses new connections and drops the app's: not ready, then ready again
            admin = database_url.rsplit("/", 1)[0] + "/postgres"
            name = database_url.rsplit("/", 1)[1]
            block = f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'
            drop = f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
            _admin(admin, block, drop)
            down = client.get("/readyz")
            assert down.status_code == 503
            assert down.json()["checks"]["database"].startswith("failed: ")
            _admin(admin, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            for _ in range(3):  # the pool may hand out one more dropped connection before it reconnects
                if client.get("/readyz").status_code == 200:
                    break
            assert client.get("/readyz").json() == {"status": "ready", "checks": {"database": "ok"}}


def test_not_ready_when_the_database_cannot_be_opened(database_url: str) -> None:
    """An engine that cannot connect (an override, as a test would set one): 503, naming the error."""
    from sqlalchemy.ext.asyncio import create_async_engine

    from genever.ext.sqlalchemy import async_url

    async def unreachable() -> Any:
        engine = create_async_engine(
            async_url(
                "sqlite:////proc/no/such/dir/x.db"
                if database_url.startswith("sqlite")
                else database_url.rsplit("/", 1)[0] + "/no_such_database"
            )
        )
        yield engine
        await engine.dispose()

    app = service.app
    app.dependency_overrides[service.db.engine] = unreachable
    try:
        with TestClient(app) as client:
            down = client.get("/readyz")
            assert down.status_code == 503
            assert down.json()["status"] == "not ready"
            assert down.json()["checks"]["database"].startswith("failed: ")
    finally:
        app.dependency_overrides.clear()


def _admin(url: str, *statements: str) -> None:
    import asyncpg

    async def run() -> None:
        connection = await asyncpg.connect(url)
        try:
            for statement in statements:
                await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run())
