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
from typing import Any

from . import routing


def _compiled(route: Any) -> tuple[str, Any, dict[str, Any]]:
    """Starlette's compiled form of ``route.path`` (recompiled if the path was changed, as ``cbv`` does)."""
    from starlette.routing import compile_path

    compiled: tuple[str, Any, dict[str, Any]] | None = route.__dict__.get("_starlette_compiled")
    if compiled is None or compiled[0] != route.path:
        regex, _, convertors = compile_path(route.path)
        compiled = route.__dict__["_starlette_compiled"] = (route.path, regex, convertors)
    return compiled


class _StarletteAttributes:
    """What Starlette's own ``Route.matches(route, scope)`` reads (OpenTelemetry's FastAPI
    instrumentation calls it so on routes that are Starlette ``Route``s), computed on first use."""

    @property
    def path_regex(self) -> Any:
        return _compiled(self)[1]

    @property
    def param_convertors(self) -> dict[str, Any]:
        return _compiled(self)[2]


def make_routes_starlette_routes() -> None:
    """Give ``APIRoute`` and ``APIWebSocketRoute`` Starlette's route classes as bases (once)."""
    if importlib.util.find_spec("starlette") is None:
        return
    from starlette.routing import Route, WebSocketRoute

    for cls, starlette_cls in ((routing.APIRoute, Route), (routing.APIWebSocketRoute, WebSocketRoute)):
        if not issubclass(cls, starlette_cls):
            cls.__bases__ = (*cls.__bases__, _StarletteAttributes, starlette_cls)
