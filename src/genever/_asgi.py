"""The ASGI 3 adapter: HTTP, WebSocket and lifespan scopes.

The app's own request path is protocol-independent (``Genever._dispatch``);
this module only turns ASGI messages into a ``Request`` and a ``Response``
back into messages.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ._compile import close_generators
from .requests import _ASGIRequest

if TYPE_CHECKING:
    from .applications import Genever

logger = logging.getLogger("genever.error")


async def handle(app: Genever, scope: dict[str, Any], receive: Any, send: Any) -> None:
    kind = scope["type"]
    if kind == "http":
        await _http(app, scope, receive, send)
    elif kind == "websocket":
        from ._websocket_routes import handle_asgi_websocket

        await handle_asgi_websocket(app, scope, receive, send)
    elif kind == "lifespan":
        await _lifespan(app, scope, receive, send)
    else:  # pragma: no cover - servers only send the three types above
        raise RuntimeError(f"unsupported ASGI scope type {kind!r}")


async def _http(app: Genever, scope: dict[str, Any], receive: Any, send: Any) -> None:
    if app._lifespan_state and "state" not in scope:
        scope["state"] = app._lifespan_state
    if app.root_path:
        scope["root_path"] = app.root_path  # Genever(root_path=...) wins over the server's, as in FastAPI
    request = _ASGIRequest(scope, receive, send, app)
    response = await app._dispatch(request)
    try:
        if response._needs_request:
            response._prepare(request)
        await response._send_asgi(send, request.method == "HEAD")
    finally:
        # the clean-up of yield dependencies runs even when the client went away mid-send
        await after_response(request, response)
    exc = getattr(response, "exc", None)
    if exc is not None:
        raise exc


async def after_response(request: Any, response: Any) -> None:
    """Background tasks, then the code after ``yield`` of the route's dependencies."""
    if response.background is not None:
        try:
            await response.background()
        except Exception:
            logger.exception("background task failed after %s %s", request.method, request.path)
    if request._cleanup:
        try:
            await close_generators(request, None)
        except Exception:
            logger.exception("dependency clean-up failed after %s %s", request.method, request.path)
    if request._form is not None:
        await request._form.close()


async def _lifespan(app: Genever, scope: dict[str, Any], receive: Any, send: Any) -> None:
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
