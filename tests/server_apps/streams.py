"""An app for the real-server tests: long-lived streams and per-worker start-up.

Each process writes what happened into the directory named by
``GENEVER_TEST_MARKERS`` (one empty file per event), so the test, in another
process, can see that a stream was closed or a worker started.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from genever import Depends, Genever
from genever.responses import StreamingResponse
from genever.sse import EventSourceResponse, ServerSentEvent

MARKERS = Path(os.environ.get("GENEVER_TEST_MARKERS", "."))


def mark(name: str) -> None:
    (MARKERS / name).touch()


@asynccontextmanager
async def lifespan(app: Genever) -> AsyncIterator[None]:
    mark(f"started-{os.getpid()}")
    yield


app = Genever(lifespan=lifespan)


@app.get("/health")
async def health() -> dict[str, int]:
    return {"pid": os.getpid()}


@app.get("/sse/{name}")
async def events(name: str) -> EventSourceResponse:
    async def source() -> AsyncIterator[ServerSentEvent]:
        try:
            yield ServerSentEvent({"hello": name}, event="greeting", id="1")
            await asyncio.Event().wait()  # a quiet stream: nothing more is ever sent
        finally:
            mark(f"sse-closed-{name}")

    return EventSourceResponse(source(), ping=None)


async def session(name: str) -> AsyncIterator[str]:
    try:
        yield name
    finally:
        mark(f"dependency-closed-{name}")


@app.get("/stream/{name}")
async def stream(name: str, held: Annotated[str, Depends(session)]) -> StreamingResponse:
    async def chunks() -> AsyncIterator[bytes]:
        try:
            yield f"{held}\n".encode()
            while True:
                await asyncio.sleep(0.05)
                yield b"."
        finally:
            mark(f"stream-closed-{name}")

    return StreamingResponse(chunks(), media_type="text/plain")
