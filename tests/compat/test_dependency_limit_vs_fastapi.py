"""``Depends(..., max_concurrency=N)``, differential: the same app under FastAPI and genever
lets the same number of calls run at once, shares a limit between the routes (and apps)
that reuse one declaration, keeps separate declarations apart, counts a cached value once,
holds a ``yield`` dependency's slot until its clean-up ran, and refuses the same values."""

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import fastapi
import httpx
import pytest

import genever

FRAMEWORKS = [fastapi, genever]


def new_app(fw: Any) -> Any:
    return (getattr(fw, "Genever", None) or fw.FastAPI)()


class Recorder:
    def __init__(self) -> None:
        self.active: dict[str, int] = {}
        self.peak: dict[str, int] = {}
        self.log: list[str] = []

    def enter(self, name: str) -> None:
        self.active[name] = self.active.get(name, 0) + 1
        self.peak[name] = max(self.peak.get(name, 0), self.active[name])

    def leave(self, name: str) -> None:
        self.active[name] -= 1


def build(fw: Any) -> tuple[list[Any], Recorder]:
    rec = Recorder()
    Depends = fw.Depends

    async def async_dep() -> str:
        rec.enter("async")
        await asyncio.sleep(0.01)
        rec.leave("async")
        return "async"

    def sync_dep() -> str:
        rec.enter("sync")
        time.sleep(0.01)
        rec.leave("sync")
        return "sync"

    async def async_gen() -> AsyncIterator[str]:
        rec.enter("async_gen")
        try:
            yield "async_gen"
        finally:
            await asyncio.sleep(0.005)
            rec.leave("async_gen")

    def sync_gen() -> Iterator[str]:
        rec.enter("sync_gen")
        try:
            yield "sync_gen"
        finally:
            time.sleep(0.005)
            rec.leave("sync_gen")

    def made(name: str) -> Any:
        async def call() -> str:
            rec.enter(name)
            await asyncio.sleep(0.01)
            rec.leave(name)
            return name

        return call

    shared = Depends(async_dep, max_concurrency=2)
    first = Depends(made("first"), max_concurrency=1)
    second = dataclasses.replace(first, max_concurrency=3)  # a copy with another limit: its own count
    same = dataclasses.replace(first, use_cache=False)  # a copy with the same limit: the same count
    cached = Depends(made("cached"), max_concurrency=1)
    apps = [new_app(fw), new_app(fw)]
    router = fw.APIRouter()

    @router.get("/shared")
    async def read_shared(value: Annotated[str, shared]) -> str:
        return value

    @router.get("/shared-sync")
    def read_shared_sync(value: Annotated[str, shared]) -> str:
        return value

    @router.get("/sync")
    def read_sync(value: Annotated[str, Depends(sync_dep, max_concurrency=2)]) -> str:
        return value

    @router.get("/async-gen")
    async def read_async_gen(value: Annotated[str, Depends(async_gen, max_concurrency=1)]) -> str:
        await asyncio.sleep(0.005)
        return value

    @router.get("/sync-gen", dependencies=[Depends(sync_gen, max_concurrency=2, scope="function")])
    async def read_sync_gen() -> str:
        await asyncio.sleep(0.005)
        return "sync_gen"

    @router.get("/first")
    async def read_first(value: Annotated[str, first]) -> str:
        return value

    @router.get("/second")
    async def read_second(value: Annotated[str, second]) -> str:
        return value

    @router.get("/same")
    async def read_same(value: Annotated[str, same]) -> str:
        return value

    @router.get("/cached")
    async def read_cached(a: Annotated[str, cached], b: Annotated[str, cached]) -> list[str]:
        return [a, b]

    for app in apps:
        app.include_router(router)
    return apps, rec


async def burst(apps: list[Any], paths: list[str]) -> list[tuple[int, Any]]:
    clients = [httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") for app in apps]
    try:
        answers = await asyncio.gather(*(clients[i % len(clients)].get(path) for i, path in enumerate(paths)))
    finally:
        for client in clients:
            await client.aclose()
    return [(answer.status_code, answer.json()) for answer in answers]


def run(fw: Any, paths: list[str]) -> tuple[list[tuple[int, Any]], dict[str, int], dict[str, int]]:
    apps, rec = build(fw)
    answers = asyncio.run(burst(apps, paths))
    return answers, rec.peak, rec.active


@pytest.mark.parametrize(
    "paths",
    [
        ["/shared", "/shared-sync"] * 5,  # two routes, two apps, one declaration
        ["/sync"] * 6,
        ["/async-gen"] * 5,
        ["/sync-gen"] * 5,
        ["/first", "/same"] * 3 + ["/second"] * 6,
        ["/cached"] * 3,
    ],
    ids=["shared", "sync", "async-gen", "sync-gen-function-scope", "copies", "cached"],
)
def test_limits_behave_as_in_fastapi(paths: list[str]) -> None:
    theirs = run(fastapi, paths)
    ours = run(genever, paths)
    assert ours == theirs
    answers, peak, active = ours
    assert all(status == 200 for status, _ in answers)
    assert set(active.values()) == {0}
    assert all(value >= 1 for value in peak.values())


def test_the_peaks_are_the_declared_limits() -> None:
    paths = ["/shared", "/shared-sync"] * 4 + ["/sync"] * 5 + ["/async-gen"] * 3 + ["/sync-gen"] * 4
    paths += ["/first", "/same"] * 2 + ["/second"] * 5
    _, peak, _ = run(genever, paths)
    # "first": one function behind /first and /same (one count of 1) and /second (a count of 3)
    assert peak == {"async": 2, "sync": 2, "async_gen": 1, "sync_gen": 2, "first": 1 + 3}


@pytest.mark.parametrize("value", [0, -1, True, 1.5, "2"])
def test_the_same_values_are_refused(value: Any) -> None:
    messages = []
    for fw in FRAMEWORKS:
        with pytest.raises(ValueError) as info:
            fw.Depends(max_concurrency=value)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_a_fastapi_declaration_keeps_its_shared_limit_in_genever() -> None:
    # FastAPI's own marker (a package built on FastAPI) handed to genever: one limit for both routes
    rec = Recorder()

    async def dep() -> str:
        rec.enter("dep")
        await asyncio.sleep(0.01)
        rec.leave("dep")
        return "dep"

    declaration = fastapi.Depends(dep, max_concurrency=1)
    app = genever.Genever()

    @app.get("/a")
    async def a(value: Annotated[str, declaration]) -> str:
        return value

    @app.get("/b")
    async def b(value: Annotated[str, declaration]) -> str:
        return value

    answers = asyncio.run(burst([app], ["/a", "/b"] * 3))
    assert answers == [(200, "dep")] * 6
    assert rec.peak == {"dep": 1}
