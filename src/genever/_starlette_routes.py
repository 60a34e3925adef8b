"""Under ``alias_fastapi()``: genever's routes are Starlette's ``Route`` / ``WebSocketRoute``.

FastAPI's ``APIRoute`` is a subclass of ``starlette.routing.Route`` (its
WebSocket route of ``WebSocketRoute``), and packages that ``import fastapi``
rely on it: fastapi-utils' and fastapi-restful's ``cbv`` pick the routes to
rewrite with ``isinstance(route, (Route, WebSocketRoute))``. Starlette's route
classes are plain classes (no ``register`` as for the request), so when the
alias is turned on, and Starlette is installed, they become real bases of
genever's, behind genever's own base: genever's methods come first in the
MRO, routes keep comparing and hashing by identity, and Starlette is imported
only by those who opted in. Routes are built at startup, never per request.
"""

from __future__ import annotations

import importlib.util

from . import routing


def make_routes_starlette_routes() -> None:
    """Give ``APIRoute`` and ``APIWebSocketRoute`` Starlette's route classes as bases (once)."""
    if importlib.util.find_spec("starlette") is None:
        return
    from starlette.routing import Route, WebSocketRoute

    for cls, starlette_cls in ((routing.APIRoute, Route), (routing.APIWebSocketRoute, WebSocketRoute)):
        if not issubclass(cls, starlette_cls):
            cls.__bases__ = (*cls.__bases__, starlette_cls)
