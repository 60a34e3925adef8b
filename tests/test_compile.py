"""The compiled plan's guarantees that no test client shows: the code after ``yield`` of a
dependency runs when the request's task is cancelled (a client gone, a server shutting down),
including awaits inside that clean-up, under both adapters."""

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
import pytest

import genever
from tests.rsgi_client import FakeProto, FakeScope


def _app(events: list[str]) -> genever.Genever:
    async def session() -> AsyncIterator[str]:
        events.append("enter")
        try:
            yield "db"
        finally:
            await asyncio.sleep(0.01)  # clean-up that itself awaits
            events.append("cleanup")

    app = genever.Genever()

    @app.get("/")
    async def slow(db: Annotated[str, genever.Depends(session)]) -> str:
        events.append("handler")
        await asyncio.sleep(30)
        return db

    return app


@pytest.mark.parametrize("adapter", ["asgi", "rsgi"])
def test_cleanup_runs_when_the_request_task_is_cancelled(adapter: str) -> None:
    events: list[str] = []
    app = _app(events)

    async def scenario() -> None:
        if adapter == "rsgi":
            request: Any = app.__rsgi__(FakeScope(httpx.Request("GET", "http://testserver/")), FakeProto(b""))
        else:

            async def receive() -> dict[str, Any]:
                await asyncio.sleep(60)
                return {"type": "http.disconnect"}

            async def send(message: dict[str, Any]) -> None:
                return None

            scope = {"type": "http", "method": "GET", "path": "/", "query_string": b"", "headers": [], "root_path": ""}
            request = app(scope, receive, send)
        task = asyncio.ensure_future(request)
        while "handler" not in events:
            await asyncio.sleep(0.001)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    assert events == ["enter", "handler", "cleanup"]
