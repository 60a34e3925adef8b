"""An app for the real-server body, upload, static and WebSocket tests and the hostile suite.

Configured by the environment of the server process:
``GENEVER_TEST_MAX_BODY`` (bytes; ``0`` for no limit, default 1 MiB) and
``GENEVER_TEST_STATIC`` (a directory to serve at ``/static`` with
``follow_symlink=True`` and at ``/plain`` without).
"""

from __future__ import annotations

import hashlib
import os
from typing import Annotated, Any

from pydantic import BaseModel

from genever import APIRouter, Depends, Form, Genever, HTTPException, Request, UploadFile, WebSocket
from genever.staticfiles import StaticFiles
from genever.websockets import WebSocketDisconnect

_limit = int(os.environ.get("GENEVER_TEST_MAX_BODY", str(1 << 20)))
app = Genever(max_body_size=_limit or None)

_static = os.environ.get("GENEVER_TEST_STATIC")
if _static:
    app.mount("/static", StaticFiles(directory=_static, follow_symlink=True))
    app.mount("/plain", StaticFiles(directory=_static))


class Item(BaseModel):
    name: str
    price: float = 0
    tags: list[Any] = []


def _memory() -> dict[str, int]:
    """This process's resident set and its peak, in KiB (from ``/proc/self/status``)."""
    out = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    return {"rss": out["VmRSS"], "hwm": out["VmHWM"]}


@app.get("/health")
async def health() -> dict[str, int]:
    return {"pid": os.getpid()}


@app.get("/memory")
async def memory() -> dict[str, int]:
    return _memory()


@app.post("/memory/reset")
async def reset_peak() -> dict[str, int]:
    with open("/proc/self/clear_refs", "w") as refs:  # "5" resets the peak (VmHWM) to the current RSS
        refs.write("5")
    return _memory()


@app.post("/json")
async def create(item: Item) -> dict[str, Any]:
    # a summary, not an echo: pydantic cannot serialise a value nested deeper than its limit,
    # in FastAPI as here (a deliberately deep echo is the app's choice, not the client's)
    return {"name": item.name, "price": item.price, "tags": len(item.tags)}


@app.post("/echo")
async def echo(request: Request) -> dict[str, int]:
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
    return {"size": size}


@app.post("/form")
async def form(name: Annotated[str, Form()], count: Annotated[int, Form()] = 0) -> dict[str, Any]:
    return {"name": name, "count": count}


# body limits per router and per route (FastAPI 0.165): the router's wins over the app's, a
# route's own over its router's; form limits per route
big = APIRouter(prefix="/big", max_body_size=4 * _limit if _limit else None)


@big.post("/echo")
async def big_echo(request: Request) -> dict[str, int]:
    return {"size": len(await request.body())}


@big.post("/small", max_body_size=1024)
async def small_echo(request: Request) -> dict[str, int]:
    return {"size": len(await request.body())}


@app.post("/notes", form_limits={"max_fields": 2, "max_part_size": 16})
async def notes(text: Annotated[str, Form()], tag: Annotated[str, Form()] = "") -> dict[str, Any]:
    return {"text": text, "tag": tag}


app.include_router(big)


@app.post("/upload")
async def upload(file: UploadFile, note: Annotated[str, Form()] = "") -> dict[str, Any]:
    digest = hashlib.sha256()
    size = 0
    while chunk := await file.read(1 << 20):
        digest.update(chunk)
        size += len(chunk)
    return {
        "filename": file.filename,
        "size": size,
        "sha256": digest.hexdigest(),
        "on_disk": not file._in_memory,
        "note": note,
    }


@app.websocket("/ws/echo")
async def ws_echo(websocket: WebSocket) -> None:
    await websocket.accept()
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            if message.get("text") is not None:
                await websocket.send_text(message["text"])
            else:
                await websocket.send_bytes(message.get("bytes") or b"")
    except WebSocketDisconnect:
        return


def _ticket(ticket: str | None = None) -> str:
    if ticket != "valid":
        raise HTTPException(401, "Not authenticated", headers={"WWW-Authenticate": "Ticket"})
    return ticket


@app.websocket("/ws/denied")
async def ws_denied(websocket: WebSocket, ticket: Annotated[str, Depends(_ticket)]) -> None:
    """Refused before accept() by an HTTPException (a denial response where the server allows one)."""
    await websocket.accept()
    await websocket.send_text(ticket)
    await websocket.close()


@app.websocket("/ws/bye")
async def ws_bye(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("bye")


@app.get("/tasks")
async def tasks() -> dict[str, int]:
    """asyncio tasks alive in this worker besides this request's own (a leak check)."""
    import asyncio

    return {"tasks": len(asyncio.all_tasks()) - 1}


@app.get("/query")
async def query(request: Request, q: str = "", n: int = 0) -> dict[str, Any]:
    return {"q": q, "n": n, "cookies": len(request.cookies), "headers": len(request.headers)}
