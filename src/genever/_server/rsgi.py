"""The RSGI adapter for Granian: the fast path.

RSGI hands over a scope object and a protocol object; the response is sent
in one native call (``proto.response_bytes``), without ASGI's message dicts.
Lifespan maps to ``__rsgi_init__``/``__rsgi_del__``, which Granian calls with
the worker's event loop before serving and after it stops.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from .._bridge import run_asgi
from ..requests import _RSGIRequest
from ..websockets import RSGIWebSocket

logger = logging.getLogger("genever.error")


async def handle(app: Any, scope: Any, proto: Any) -> None:
    """``Genever.__rsgi__``: ``app`` is the application; what serves it is ``app.server``."""
    server = app.server
    if server is None:
        server = app.freeze()
    if scope.proto != "http":
        await _websocket(server, scope, proto)
        return
    if server.has_asgi_middleware:
        try:
            await run_asgi(server.asgi_app, scope, proto, root_path=app.root_path, extra={"app": app},
                           answer_errors=True)  # fmt: skip
        except Exception:  # answered already (a 500 at worst): as an ASGI server would, log it
            logger.exception("Exception in ASGI application")
        return
    request = _RSGIRequest(scope, proto, app, server.state)
    if server.route_only:
        # PERF: without native middleware the router catches every exception itself (dispatch adds
        # nothing); a static path's runner is awaited from here, one coroutine less on every resume
        # (a handler that awaits its database 20 times is resumed through each frame 20 times)
        endpoint = server.static.get(request.path)
        runner = None if endpoint is None else endpoint.runners.get(request.method)
        if runner is None:
            response = await server.route(request)
        else:
            try:
                response = await runner(request)
            except Exception as exc:
                response = await server.handle_exception(request, exc)
    else:
        response = await server.dispatch(request)
    try:
        if response._rsgi_plain and request.method != "HEAD":
            # PERF: a body in memory goes out in one native call, no coroutine nor method call
            proto.response_bytes(response.status_code, response.raw_headers, response.body)
        else:
            if response._needs_request:
                response._prepare(request)
            if response._sends_at_once:
                response._send_rsgi_now(proto, request.method == "HEAD")
            else:
                await response._send_rsgi(proto, request.method == "HEAD")
    finally:
        # the clean-up of yield dependencies runs even when the client went away mid-send
        if response.background is not None or request._cleanup or request._form is not None:
            await server.after_response(request, response)


async def _websocket(server: Any, scope: Any, proto: Any) -> None:
    websocket = RSGIWebSocket(scope, proto, server.app)
    try:
        await server.serve_websocket(websocket)
    except Exception:
        return  # already logged; Granian has nothing to do with it
    finally:
        websocket._finish()


def startup(app: Any, loop: asyncio.AbstractEventLoop) -> None:
    loop.run_until_complete(app.startup())


def shutdown(app: Any, loop: asyncio.AbstractEventLoop) -> None:
    try:
        loop.run_until_complete(app.shutdown())
    except Exception:
        logger.exception("application shutdown failed")
