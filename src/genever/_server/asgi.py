"""The ASGI 3 adapter: HTTP, WebSocket and lifespan scopes.

It only turns ASGI messages into a ``Request`` (or a ``WebSocket``) and a
``Response`` back into messages; routing, exception handling and the work
after the response are the ``Server``'s.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from ..middleware import Middleware
from ..requests import _ASGIRequest
from ..websockets import WebSocket
from .server import Server

logger = logging.getLogger("genever.error")


def application(server: Server, asgi_middleware: Sequence[Middleware]) -> Any:
    """The ASGI application serving ``server``: the adapter inside the app's ASGI middleware."""

    async def serve(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await handle(server, scope, receive, send)

    app: Any = serve
    for item in reversed(asgi_middleware):
        app = item.cls(app, *item.args, **item.kwargs)
    return app


async def handle(server: Server, scope: dict[str, Any], receive: Any, send: Any) -> None:
    kind = scope["type"]
    if kind == "http":
        await _http(server, scope, receive, send)
    elif kind == "websocket":
        # An endpoint that does not catch WebSocketDisconnect raises it to the ASGI server, as
        # FastAPI's do (so a test client sees it).
        await server.serve_websocket(WebSocket(scope, receive, send, server.app), reraise_disconnect=True)
    elif kind == "lifespan":
        await _lifespan(server, scope, receive, send)
    else:  # pragma: no cover - servers only send the three types above
        raise RuntimeError(f"unsupported ASGI scope type {kind!r}")


async def _http(server: Server, scope: dict[str, Any], receive: Any, send: Any) -> None:
    app = server.app
    if server.state and "state" not in scope:
        scope["state"] = server.state
    if app.root_path:
        scope["root_path"] = app.root_path  # Genever(root_path=...) wins over the server's, as in FastAPI
    request = _ASGIRequest(scope, receive, send, app)
    response = await server.dispatch(request)
    try:
        if response._needs_request:
            response._prepare(request)
        await response._send_asgi(send, request.method == "HEAD")
    finally:
        # the clean-up of yield dependencies runs even when the client went away mid-send
        await server.after_response(request, response)
    exc = getattr(response, "exc", None)
    if exc is not None:
        raise exc


async def _lifespan(server: Server, scope: dict[str, Any], receive: Any, send: Any) -> None:
    app = server.app
    started = False
    message = await receive()
    assert message["type"] == "lifespan.startup"
    try:
        state = await app.startup()
        if "state" in scope and isinstance(scope["state"], dict):
            scope["state"].update(state)
    except BaseException as exc:
        logger.exception("application startup failed")
        await send({"type": "lifespan.startup.failed", "message": f"{type(exc).__name__}: {exc}"})
        raise
    started = True
    await send({"type": "lifespan.startup.complete"})
    message = await receive()
    try:
        await app.shutdown()
    except BaseException as exc:
        if started:
            await send({"type": "lifespan.shutdown.failed", "message": f"{type(exc).__name__}: {exc}"})
        raise
    await send({"type": "lifespan.shutdown.complete"})
