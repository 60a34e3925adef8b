"""``Depends(..., max_concurrency=N)``: the declaration's limit, its semaphore, and the
plans that wrap limited calls (in process under both adapters, and on real servers)."""

import asyncio
import dataclasses
import gc
import threading
import time
import weakref
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any

import httpx
import pytest

from genever import Depends, Genever, Security
from genever._dependency_limit import Semaphore
from tests.servers import BIN, served_by_each, server_commands

APP = "tests.server_apps.dependency_limit:app"
SERVERS = {
    **server_commands(APP, "granian-rsgi", "uvicorn"),
    # one worker: the app counts its peaks per process, and /peak is answered by one of them
    "genever-run": lambda port: [str(BIN / "genever"), "run", APP, "--port", str(port), "--workers", "1"],
}


@pytest.mark.parametrize("value", [0, -1, True, 1.5, "2"])
def test_a_limit_is_a_positive_int_or_none(value: Any) -> None:
    with pytest.raises(ValueError, match="max_concurrency must be a positive integer or None"):
        Depends(max_concurrency=value)
    with pytest.raises(ValueError, match="positive integer"):
        Security(max_concurrency=value)


def dependency() -> str:
    return "value"


def test_declarations_hash_by_value_but_limits_by_identity() -> None:
    assert Depends(dependency) == Depends(dependency)
    assert hash(Depends(dependency)) == hash(Depends(dependency))
    assert hash(Depends(dependency)) != hash(Depends(dependency, scope="function"))
    assert hash(Security(dependency, scopes=["a"])) == hash(Security(dependency, scopes=["a"]))
    assert Security(dependency, scopes=("a",)).scopes == ["a"]
    # two limited declarations never compare equal (Annotated would merge them into one)
    assert Depends(dependency, max_concurrency=1) != Depends(dependency, max_concurrency=1)
    assert Depends(dependency, max_concurrency=1)._concurrency is not None
    assert Depends(dependency)._concurrency is None


def test_a_copy_with_the_same_limit_shares_it() -> None:
    original = Depends(dependency, max_concurrency=2)
    same = dataclasses.replace(original, use_cache=False)
    other = dataclasses.replace(original, max_concurrency=3)
    unlimited = dataclasses.replace(original, max_concurrency=None)
    assert same._concurrency is original._concurrency and not same.use_cache
    assert other._concurrency is not original._concurrency and other._concurrency is not None
    assert other._concurrency.max_concurrency == 3
    assert unlimited._concurrency is None


def test_the_semaphore_lives_as_long_as_the_declaration() -> None:
    async def main() -> None:
        declaration = Depends(max_concurrency=1)
        assert declaration._concurrency is not None
        semaphore = weakref.ref(declaration._concurrency.get_semaphore())
        assert semaphore() is declaration._concurrency.get_semaphore()
        del declaration
        gc.collect()
        assert semaphore() is None

    asyncio.run(main())


def test_each_event_loop_has_its_own_count() -> None:
    declaration = Depends(max_concurrency=1)
    assert declaration._concurrency is not None
    limit = declaration._concurrency

    async def take() -> Semaphore:
        semaphore = limit.get_semaphore()
        await semaphore.acquire()  # never released: the next loop starts afresh
        return semaphore

    first, second = asyncio.run(take()), asyncio.run(take())
    assert first is not second and first.value == second.value == 0


def test_semaphore_is_first_come_first_served_and_cancelling_loses_no_slot() -> None:
    async def main() -> None:
        semaphore = Semaphore(1)
        order: list[int] = []

        async def waiter(n: int) -> None:
            async with semaphore:
                order.append(n)
                await asyncio.sleep(0)

        await semaphore.acquire()
        tasks = [asyncio.create_task(waiter(n)) for n in range(3)]
        await asyncio.sleep(0)
        assert semaphore.statistics().tasks_waiting == 3 and semaphore.value == 0
        tasks[1].cancel()  # cancelled while waiting
        semaphore.release()  # handed to task 0
        tasks[0].cancel()  # ... which is cancelled before it takes it: passed on to task 2
        await asyncio.gather(*tasks, return_exceptions=True)
        assert order == [2]
        assert semaphore.value == 1 and semaphore.statistics().tasks_waiting == 0

    asyncio.run(main())


def _limited_app(kind: str, limit: int) -> tuple[Genever, dict[str, int]]:
    counts = {"active": 0, "peak": 0, "calls": 0, "closed": 0}
    lock = threading.Lock()

    def enter() -> None:
        with lock:
            counts["active"] += 1
            counts["calls"] += 1
            counts["peak"] = max(counts["peak"], counts["active"])

    def leave() -> None:
        with lock:
            counts["active"] -= 1

    async def async_call() -> str:
        enter()
        await asyncio.sleep(0.02)
        leave()
        return "ok"

    def sync_call() -> str:
        enter()
        time.sleep(0.02)
        leave()
        return "ok"

    async def async_gen() -> AsyncIterator[str]:
        enter()
        try:
            yield "ok"
        finally:
            await asyncio.sleep(0.01)
            counts["closed"] += 1
            leave()

    def sync_gen() -> Iterator[str]:
        enter()
        try:
            yield "ok"
        finally:
            time.sleep(0.01)
            counts["closed"] += 1
            leave()

    call = {"async": async_call, "sync": sync_call, "async_gen": async_gen, "sync_gen": sync_gen}[kind]
    Value = Annotated[str, Depends(call, max_concurrency=limit)]
    app = Genever()

    @app.get("/one")
    async def one(value: Value) -> str:
        await asyncio.sleep(0.01)  # a generator's slot is held while the handler runs
        return value

    @app.get("/two")
    def two(value: Value) -> str:
        time.sleep(0.01)
        return value

    return app, counts


@pytest.mark.parametrize("kind", ["async", "sync", "async_gen", "sync_gen"])
def test_a_shared_declaration_limits_every_route_using_it(client_factory: Any, kind: str) -> None:
    app, counts = _limited_app(kind, 2)
    client = client_factory(app)
    assert client.get("/docs").status_code == 200  # the client's loop is made before the threads share it
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda i: client.get("/one" if i % 2 else "/two"), range(16)))
    assert [(a.status_code, a.json()) for a in answers] == [(200, "ok")] * 16
    assert counts["calls"] == 16 and counts["active"] == 0
    assert counts["peak"] == 2
    if kind.endswith("gen"):
        assert counts["closed"] == 16


def test_a_cached_value_takes_one_slot_and_an_override_keeps_the_limit(client_factory: Any) -> None:
    calls: list[str] = []

    async def original() -> AsyncIterator[str]:
        calls.append("original")  # pragma: no cover - overridden
        yield "original"

    async def replacement() -> AsyncIterator[str]:
        calls.append("replacement")
        yield "replacement"

    declaration = Depends(original, max_concurrency=1)
    app = Genever()
    app.dependency_overrides[original] = replacement

    @app.get("/")
    async def endpoint(a: Annotated[str, declaration], b: Annotated[str, declaration]) -> list[str]:
        assert declaration._concurrency is not None
        assert declaration._concurrency.get_semaphore().value == 0  # one slot, taken once
        return [a, b]

    client = client_factory(app)
    assert client.get("/").json() == ["replacement", "replacement"]
    assert calls == ["replacement"]


def test_routes_without_a_limit_run_the_dependency_itself() -> None:
    # nothing wraps an unlimited dependency: the plan calls the function the route declared
    from genever._compile.plan import _flatten
    from genever.routing import APIRoute

    async def free() -> str:
        return "free"

    async def endpoint(value: Annotated[str, Depends(free)], other: Annotated[str, Depends(dependency)]) -> str:
        return value

    nodes: list[Any] = []
    _flatten(APIRoute("/", endpoint).dependant, nodes, {}, "GET /")
    assert [node.call for node in nodes[:-1]] == [free, dependency]


server = served_by_each(SERVERS, name="server")


def test_the_limit_holds_on_real_servers(server: str) -> None:
    with httpx.Client(base_url=server, timeout=30) as client, ThreadPoolExecutor(24) as pool:
        paths = ["/async", "/also-async", "/sync", "/free"] * 6
        answers = list(pool.map(client.get, paths))
        assert [a.status_code for a in answers] == [200] * len(paths)
        assert [a.json() for a in answers] == [{"/async": "async", "/also-async": "async", "/sync": "sync_gen",
                                               "/free": "free"}[p] for p in paths]  # fmt: skip
        peak = client.get("/peak").json()
    assert peak["async"] == 2  # /async and /also-async share one declaration's two slots
    assert peak["sync_gen"] == 1
    assert peak["free"] > 1  # the unlimited dependency did run concurrently: the load was concurrent
