"""An app for the real-server tests: a WSGI app mounted through ``WSGIMiddleware``, Starlette's
responses returned by handlers, a Starlette router with a WebSocket route mounted."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import starlette.responses
from starlette.routing import Router, WebSocketRoute
from starlette.websockets import WebSocket as StarletteWebSocket

from genever import Genever
from genever.middleware.wsgi import WSGIMiddleware


def wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
    if environ["PATH_INFO"] == "/boom":
        raise RuntimeError("the WSGI app failed")
    body = environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain"), ("X-Script", environ["SCRIPT_NAME"])])
    yield f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}?{environ['QUERY_STRING']}\n".encode()
    yield f"host={environ.get('HTTP_HOST')} body={body.decode()}\n".encode()
    for i in range(3):
        yield f"chunk {i}\n".encode()


async def live_echo(websocket: StarletteWebSocket) -> None:
    """Echoes each text message with what the mount put in the scope."""
    await websocket.accept()
    scope = websocket.scope
    async for text in websocket.iter_text():
        await websocket.send_text(f"{text}|{scope['path']}|{scope['root_path']}|{scope['app'] is app}")
    await websocket.close()


app = Genever()
app.mount("/legacy", WSGIMiddleware(wsgi_app))
app.mount("/live", Router(routes=[WebSocketRoute("/echo", live_echo)]))


@app.get("/starlette/plain")
def starlette_plain() -> Any:
    return starlette.responses.PlainTextResponse("plain", status_code=203, headers={"x-from": "starlette"})


@app.get("/starlette/stream")
async def starlette_stream() -> Any:
    async def chunks() -> AsyncIterator[bytes]:
        for i in range(3):
            yield f"part {i}\n".encode()

    return starlette.responses.StreamingResponse(chunks(), media_type="text/plain")


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
