"""The serving layer: a frozen app's ``Server`` and the two protocol adapters beside it.

``build_server`` is what ``Genever.freeze()`` calls: it compiles the route
tables into a ``Server`` and puts the ASGI adapter inside the app's ASGI
middleware. ``asgi`` and ``rsgi`` depend on ``Server``, never on each other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .._observe import Instrument
from ..middleware import as_middleware
from ..routing import BaseRoute, request_handler_wrapped
from . import asgi, rsgi
from .server import DeferredServerError, Mount, Server, ServerErrorResponse, is_starlette_http_exception


def build_server(
    app: Any,
    *,
    routes: Sequence[BaseRoute],
    overrides: Mapping[Any, Any],
    app_scope: Any = None,
    middleware: Sequence[Any],
    mounts: Sequence[Mount],
    state: dict[str, Any],
    instruments: Sequence[Instrument] = (),
    custom_stack: bool = False,
) -> Server:
    """Compile ``routes`` and the app's ``middleware`` (native and ASGI) into a ``Server``.

    ``custom_stack``: the app's ``build_middleware_stack`` was replaced; the caller then puts what it
    returns around ``asgi_inner`` as ``asgi_app``, so every request goes through ASGI.
    """
    declared = [as_middleware(item) for item in middleware]
    asgi_middleware = [m for m in declared if not m.is_native]
    server = Server(
        app,
        routes=routes,
        overrides=overrides,
        app_scope=app_scope,
        native_middleware=[m.build_native() for m in declared if m.is_native],
        mounts=mounts,
        state=state,
        instruments=instruments,
        # ASGI middleware (metrics, tracing, Sentry) and wrapped handlers read the route from the scope
        publish_routes=bool(asgi_middleware) or custom_stack or request_handler_wrapped(),
    )
    server.asgi_app = server.asgi_inner = asgi.application(server, asgi_middleware)
    server.has_asgi_middleware = bool(asgi_middleware) or custom_stack
    if custom_stack:
        server.server_error = DeferredServerError
    return server


__all__ = ["Server", "ServerErrorResponse", "asgi", "build_server", "is_starlette_http_exception", "rsgi"]
