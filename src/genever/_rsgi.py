"""The RSGI adapter for Granian: the fast path.

RSGI hands over a scope object and a protocol object; the response is sent
in one native call (``proto.response_bytes``), without ASGI's message dicts.
Lifespan maps to ``__rsgi_init__``/``__rsgi_del__``, which Granian calls with
the worker's event loop before serving and after it stops.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from ._asgi import after_response
from .requests import _RSGIRequest

if TYPE_CHECKING:
    from .applications import Genever

logger = logging.getLogger("genever.error")


async def handle(app: Genever, scope: Any, proto: Any) -> None:
    if scope.proto != "http":
        from ._websocket_routes import handle_rsgi_websocket

        await handle_rsgi_websocket(app, scope, proto)
        return
    if not app._compiled:
        app.freeze()
    if app._has_asgi_middleware:
        from ._bridge import run_asgi

        try:
            await run_asgi(app._asgi_app, scope, proto, root_path=app.root_path, extra={"app": app}, answer_errors=True)
        except Exception:  # answered already (a 500 at worst): as an ASGI server would, log it
            logger.exception("Exception in ASGI application")
        return
    request = _RSGIRequest(scope, proto, app)
    # PERF: without native middleware the router catches every exception itself (_dispatch adds nothing)
    response = await (app._route(request) if app._route_only else app._dispatch(request))
    try:
        if response._needs_request:
            response._prepare(request)
        if response._sends_at_once:  # PERF: a body in memory goes out in one native call, no coroutine
            response._send_rsgi_now(proto, request.method == "HEAD")
        else:
            await response._send_rsgi(proto, request.method == "HEAD")
    finally:
        # the clean-up of yield dependencies runs even when the client went away mid-send
        if response.background is not None or request._cleanup or request._form is not None:
            await after_response(request, response)


def startup(app: Genever, loop: asyncio.AbstractEventLoop) -> None:
    loop.run_until_complete(app.startup())


def shutdown(app: Genever, loop: asyncio.AbstractEventLoop) -> None:
    try:
        loop.run_until_complete(app.shutdown())
    except Exception:
        logger.exception("application shutdown failed")
