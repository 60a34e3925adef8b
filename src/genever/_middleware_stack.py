"""Starlette's ``build_middleware_stack()`` / ``middleware_stack`` protocol, honoured at freeze.

Starlette builds its outermost ASGI app once, with ``app.build_middleware_stack()``:
``ServerErrorMiddleware`` around the user's middleware around the router. Some
packages replace that method on the app to wrap the stack in their own ASGI
middleware (opentelemetry-instrumentation-fastapi's ``instrument_app`` takes the
``ServerErrorMiddleware`` apart and puts its tracing middleware outside it).

genever has no such stack on its fast path: an app whose ``build_middleware_stack``
is genever's own is served as always. When it has been replaced (on the instance or
in a subclass), ``freeze()`` calls it and serves every request through what it
returns, under ASGI and under RSGI (through the bridge, as any ASGI middleware);
genever's own ``build_middleware_stack`` returns Starlette's ``ServerErrorMiddleware``
around genever's ASGI application (which has already answered a 500 for an unhandled
exception before re-raising it, so the handler is left empty), or that application
itself when Starlette is not installed.
"""

from __future__ import annotations

import importlib.util
from typing import Any


def is_replaced(method: Any, own: Any) -> bool:
    """True when the bound ``app.build_middleware_stack`` is not genever's ``own`` function."""
    return getattr(method, "__func__", None) is not own


def server_error_stack(inner: Any, *, debug: bool) -> Any:
    """What Starlette's ``build_middleware_stack`` returns, around genever's ASGI app ``inner``."""
    if importlib.util.find_spec("starlette") is None:
        return inner
    from starlette.middleware.errors import ServerErrorMiddleware

    return ServerErrorMiddleware(app=inner, handler=None, debug=debug)
