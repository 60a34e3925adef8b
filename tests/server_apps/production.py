"""An app for the ``genever run`` flag tests: slow routes with clean-up, the request as the app sees it.

Events are written as empty files into the directory named by
``GENEVER_TEST_MARKERS``, so the test (another process) can see that a clean-up
ran or that the lifespan ended.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from genever import Depends, Genever, Request

MARKERS = os.environ.get("GENEVER_TEST_MARKERS")


def mark(name: str) -> None:
    if MARKERS:  # tests that do not look at the events leave no files behind
        (Path(MARKERS) / name).touch()


@asynccontextmanager
async def lifespan(app: Genever) -> AsyncIterator[None]:
    yield
    mark(f"shutdown-{os.getpid()}")


app = Genever(lifespan=lifespan)


async def tracked(tag: str = "x") -> AsyncIterator[str]:
    try:
        yield tag
    finally:
        mark(f"cleanup-{tag}")


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/pid")
async def pid() -> dict[str, int]:
    return {"pid": os.getpid()}


@app.get("/slow")
async def slow(tag: Annotated[str, Depends(tracked)], seconds: float = 1.0) -> dict[str, str]:
    mark(f"begun-{tag}")
    await asyncio.sleep(seconds)
    mark(f"finished-{tag}")
    return {"tag": tag}


@app.get("/whoami", name="whoami")
async def whoami(request: Request) -> dict[str, Any]:
    client = request.client
    return {
        "client": [client.host, client.port] if client else None,
        "scheme": request.scheme,
        "url": str(request.url),
        "url_for": str(request.url_for("whoami")),
        "root_path": request.root_path,
        "http_version": request.scope.get("http_version"),
    }
