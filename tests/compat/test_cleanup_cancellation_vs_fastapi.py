"""The code after ``yield`` under cancellation, differential: anyio's cancel scopes
cancel a task again at every ``await`` until the scope exits; FastAPI shields the
clean-up of ``yield`` dependencies from that, and so does genever (``_compile/exits``).
Each app records its events; both frameworks must record the same ones, and
the cancellation must still reach the caller afterwards.
"""

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import anyio.from_thread
import fastapi
import httpx
import pytest

import genever

FRAMEWORKS = [fastapi, genever]


def make_app(fw: Any, **kwargs: Any) -> Any:
    return (getattr(fw, "Genever", None) or fw.FastAPI)(**kwargs)


def run_cancelled(fw: Any, scope: str, cancel_in: str) -> tuple[list[str], bool]:
    """A request cancelled by an anyio scope (in the endpoint, or pending when it returns)."""
    events: list[str] = []
    scopes: dict[str, anyio.CancelScope] = {}  # made inside the loop
    app = make_app(fw)

    async def resource() -> AsyncIterator[str]:
        events.append("enter")
        try:
            yield "r"
        except BaseException as exc:
            events.append(f"caught {type(exc).__name__}")
            raise
        finally:
            for step in range(3):  # each await would be cancelled again without the shield
                await anyio.sleep(0)
                events.append(f"cleanup {step}")

    @app.get("/")
    async def endpoint(value: str = fw.Depends(resource, scope=scope)) -> str:
        scopes["external"].cancel()
        if cancel_in == "endpoint":
            await anyio.sleep(0)
            events.append("not cancelled")
        return value

    async def main() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            with anyio.fail_after(5), anyio.CancelScope() as scopes["external"]:
                await client.get("/")
                events.append("response")

    anyio.run(main)
    return events, scopes["external"].cancelled_caught


@pytest.mark.parametrize("scope", ["function", "request"])
@pytest.mark.parametrize("cancel_in", ["endpoint", "pending"])
def test_cleanup_finishes_under_repeated_cancellation(scope: str, cancel_in: str) -> None:
    expected = run_cancelled(fastapi, scope, cancel_in)
    assert run_cancelled(genever, scope, cancel_in) == expected
    events, caught = expected
    assert caught and events[-3:] == ["cleanup 0", "cleanup 1", "cleanup 2"]


def run_mixed(fw: Any, owner_scope: str, fail: bool) -> list[str]:
    """A dependency that holds a cancel scope across ``yield``, beside one of the other scope."""
    events: list[str] = []
    scopes: dict[str, anyio.CancelScope] = {}
    app = make_app(fw)
    other = "request" if owner_scope == "function" else "function"

    async def owner() -> AsyncIterator[None]:
        with anyio.CancelScope():
            events.append("owner enter")
            try:
                yield
            finally:
                await anyio.sleep(0)
                events.append("owner cleanup")

    def plain() -> Iterator[None]:
        events.append("plain enter")
        try:
            yield
        finally:  # a sync generator reaching the loop from its worker thread
            anyio.from_thread.run(anyio.sleep, 0)
            events.append("plain cleanup")

    @app.get("/", dependencies=[fw.Depends(plain, scope=other), fw.Depends(owner, scope=owner_scope)])
    async def endpoint() -> str:
        if fail:
            scopes["external"].cancel()
            await anyio.sleep(0)
        return "ok"

    async def main() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            with anyio.fail_after(5), anyio.CancelScope() as scopes["external"]:
                response = await client.get("/")
                events.append(f"status {response.status_code}")

    anyio.run(main)
    return events


@pytest.mark.parametrize("owner_scope", ["function", "request"])
@pytest.mark.parametrize("fail", [False, True])
def test_function_scope_closes_first_and_threads_reach_the_loop(owner_scope: str, fail: bool) -> None:
    expected = run_mixed(fastapi, owner_scope, fail)
    assert run_mixed(genever, owner_scope, fail) == expected
    assert "plain cleanup" in expected and "owner cleanup" in expected


def run_asyncio_timeout(fw: Any) -> list[str]:
    """Plain asyncio (no anyio scope): one cancellation, and the clean-up awaits as it likes."""
    events: list[str] = []
    app = make_app(fw)

    async def resource() -> AsyncIterator[None]:
        try:
            yield
        finally:
            await asyncio.sleep(0)
            await asyncio.sleep(0.01)
            events.append("cleanup")

    @app.get("/")
    async def endpoint(_: None = fw.Depends(resource)) -> None:
        await asyncio.sleep(10)

    async def main() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            try:
                async with asyncio.timeout(0.05):
                    await client.get("/")
            except TimeoutError:
                events.append("timed out")

    asyncio.run(main())
    return events


def test_asyncio_timeout_runs_the_cleanup() -> None:
    assert run_asyncio_timeout(genever) == run_asyncio_timeout(fastapi) == ["cleanup", "timed out"]


def test_a_route_without_yield_dependencies_is_not_touched() -> None:
    """A cancellation pending when the handler returns does not cancel its response (FastAPI's timing)."""

    def run(fw: Any) -> tuple[int, bool]:
        scopes: dict[str, anyio.CancelScope] = {}
        app = make_app(fw)

        @app.get("/")
        async def endpoint() -> dict[str, bool]:
            scopes["cancel"].cancel()
            return {"ok": True}

        status = 0

        async def main() -> None:
            nonlocal status
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                with anyio.CancelScope() as scopes["cancel"]:
                    status = (await client.get("/")).status_code

        anyio.run(main)
        return status, scopes["cancel"].cancelled_caught

    assert run(genever) == run(fastapi) == (200, False)


def run_endless_stream(fw: Any, cancel_with: str) -> tuple[bool, bool]:
    """A stream whose generator never awaits: the cancellation still reaches it (FastAPI's issue 14680)."""
    app = make_app(fw)

    @app.get("/stream", response_class=fw.responses.StreamingResponse)
    async def endless() -> Any:
        i = 0
        while True:
            yield f"item {i}\n"
            i += 1

    chunks: list[bytes] = []

    async def call() -> None:
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                 "path": "/stream", "query_string": b"", "root_path": "", "headers": []}  # fmt: skip

        async def receive() -> dict[str, Any]:
            await asyncio.sleep(3600)  # a client that never leaves: only the cancellation ends this
            return {"type": "http.disconnect"}  # pragma: no cover

        async def send(message: dict[str, Any]) -> None:  # never suspends
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await app(scope, receive, send)

    async def with_anyio() -> bool:
        with anyio.move_on_after(0.2) as scope:
            await call()
        return scope.cancelled_caught

    async def with_asyncio() -> bool:
        try:
            async with asyncio.timeout(0.2):
                await call()
        except TimeoutError:
            return True
        return False  # pragma: no cover

    cancelled = anyio.run(with_anyio) if cancel_with == "anyio" else asyncio.run(with_asyncio())
    return cancelled, len(chunks) > 16


@pytest.mark.parametrize("cancel_with", ["anyio", "asyncio"])
def test_an_endless_stream_that_never_awaits_is_cancellable(cancel_with: str) -> None:
    assert run_endless_stream(genever, cancel_with) == run_endless_stream(fastapi, cancel_with) == (True, True)


def run_contextmanager_in_threadpool(fw: Any) -> list[str]:
    """FastAPI's helper under a cancelled scope: ``__exit__`` runs whole in its worker, and what it
    raises reaches the caller (the cancellation does not replace it)."""
    import contextlib

    events: list[str] = []

    class Resource(contextlib.AbstractContextManager):  # type: ignore[type-arg]
        def __enter__(self) -> str:
            return "r"

        def __exit__(self, *exc_info: Any) -> None:
            anyio.from_thread.run(anyio.sleep, 0)  # the worker reaches the loop: a real await
            events.append(f"exit with {type(exc_info[1]).__name__}")
            raise ValueError("exit failed")

    async def main() -> None:
        with anyio.CancelScope() as scope:
            try:
                async with fw.concurrency.contextmanager_in_threadpool(Resource()):
                    scope.cancel()
                    await anyio.sleep(0)
            except ValueError as exc:
                events.append(f"caught {exc}")

    anyio.run(main)
    return events


def test_contextmanager_in_threadpool_exits_whole_when_cancelled() -> None:
    import fastapi.concurrency

    import genever.concurrency

    expected = run_contextmanager_in_threadpool(fastapi)
    assert run_contextmanager_in_threadpool(genever) == expected
    assert expected[-1] == "caught exit failed"
