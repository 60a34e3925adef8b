"""The route tables of a frozen app: every route compiled, indexed by path.

Static paths resolve with one dictionary lookup; paths with parameters go
through the tree. Conflicts (the same method and path twice, two templates of
the same shape) are reported here, at start-up, naming both routes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from .._observe import Instrument, wrap_route
from .._router import RouteConflictError, Tree
from ..exceptions import ConfigurationError, GeneverError
from ..middleware import as_middleware, chain
from ..requests import Request
from ..responses import Response
from ..routing import APIRoute, APIWebSocketRoute, BaseRoute, FrontendRoute
from ..websockets import WebSocket

Runner = Callable[[Request], Awaitable[Response]]
WebSocketRunner = Callable[[WebSocket], Awaitable[None]]


class Endpoint:
    """Everything served at one path template: a runner per method, the ``Allow`` value."""

    __slots__ = ("allow", "runners", "template")

    def __init__(self, template: str) -> None:
        self.runners: dict[str, Runner] = {}
        self.allow = ""
        self.template = template


class HTTPTable:
    """The compiled HTTP routes: ``static`` paths in a dict, the others in ``tree``."""

    __slots__ = ("frontends", "static", "tree")

    def __init__(
        self,
        routes: Sequence[BaseRoute],
        overrides: Mapping[Any, Any],
        app_scope: Any = None,
        instruments: Sequence[Instrument] = (),
        publish_to: Any = None,
    ) -> None:
        """``publish_to``: the app, when each request's route is to be recorded in its ASGI scope."""
        endpoints: dict[str, Endpoint] = {}
        owners: dict[tuple[str, str], APIRoute] = {}
        # app.frontend(...) routes: low priority, tried on the 404 path only (longest path first)
        self.frontends: list[tuple[FrontendRoute, Runner]] = []
        for route in routes:
            if not isinstance(route, APIRoute):
                continue
            runner = _compile(route, overrides, app_scope)
            if instruments:  # observability hook: the request learns its route template (genever._observe)
                runner = wrap_route(instruments, route.path, runner)
            if publish_to is not None:
                runner = _publishing(runner, route, publish_to)
            if isinstance(route, FrontendRoute):
                self.frontends.append((route, runner))
                continue
            endpoint = endpoints.get(route.path)
            if endpoint is None:
                endpoint = endpoints[route.path] = Endpoint(route.path)
            for method in sorted(route.methods):
                previous = owners.get((route.path, method))
                if previous is not None:
                    raise ConfigurationError(
                        f"route {method} {route.path} ({route.name}) conflicts with {method} {previous.path} "
                        f"({previous.name}): the same method and path are declared twice"
                    )
                owners[(route.path, method)] = route
                endpoint.runners[method] = runner
        self.tree: Tree[Endpoint] = Tree()
        self.static: dict[str, Endpoint] = {}
        for template, endpoint in endpoints.items():
            methods = set(endpoint.runners)
            if "GET" in methods:
                methods.add("HEAD")
            endpoint.allow = ", ".join(sorted(methods))
            try:
                self.tree.add(template, endpoint)
            except RouteConflictError as exc:
                raise ConfigurationError(str(exc)) from None
            if "{" not in template:
                self.static[template] = endpoint

    def has(self, path: str) -> bool:
        """Is ``path`` served (by any method)?"""
        return path in self.static or self.tree.lookup(path) is not None


def _publishing(runner: Runner, route: APIRoute, app: Any) -> Runner:
    """``runner`` that first records the route in the ASGI scope (``route``, ``endpoint``,
    ``path_params``, ``router``), as Starlette's router does; only apps that need it pay it."""
    endpoint = route.endpoint

    async def run(request: Request) -> Response:
        scope = request.scope
        scope["route"] = route
        scope["endpoint"] = endpoint
        scope["path_params"] = request.path_params
        scope["router"] = app
        return await runner(request)

    return run


def _compile(route: APIRoute, overrides: Mapping[Any, Any], app_scope: Any = None) -> Runner:
    """``route``'s plan, wrapped in its groups' and its own middleware."""
    if not route.path.startswith("/"):
        raise ConfigurationError(f"{route.label}: a served route's path must start with '/'")
    try:
        route.dependency_overrides = overrides
        route._app_scope = app_scope  # Depends(..., scope="app") values live there
        runner: Runner = route.get_route_handler()
        if type(route).get_route_handler is not APIRoute.get_route_handler:
            runner = _with_scope(runner)
    except GeneverError:
        raise
    except Exception as exc:  # a type pydantic/msgspec cannot build a validator for, etc.
        raise ConfigurationError(f"{route.label}: cannot compile {route.name}(): {exc}") from exc
    group = [_native(item, route.label) for item in route.middleware]
    return chain(group, runner) if group else runner


def _with_scope(runner: Runner) -> Runner:
    """A custom ``APIRoute.get_route_handler()`` may rebuild the request from ``request.scope``
    (``GzipRequest(request.scope, request.receive)``): the scope then carries the app and the
    path parameters, as a Starlette scope does. Only such routes pay for it."""

    async def run(request: Request) -> Response:
        scope = request.scope
        scope["app"] = request.app
        scope["path_params"] = request.path_params
        return await runner(request)

    return run


def _native(item: Any, label: str) -> Any:
    """A route group's or route's middleware: only native middleware can wrap a single route."""
    middleware = as_middleware(item)
    if not middleware.is_native:
        raise ConfigurationError(
            f"{label}: {middleware!r} is ASGI middleware; route groups and routes take genever middleware "
            "(async def f(request, call_next) or a genever.middleware.BaseMiddleware subclass) — "
            "add ASGI middleware to the app with app.add_middleware()"
        )
    return middleware.build_native()


class WebSocketTable:
    """The compiled WebSocket routes."""

    __slots__ = ("static", "tree")

    def __init__(self, routes: Sequence[BaseRoute], overrides: Mapping[Any, Any], app_scope: Any = None) -> None:
        self.static: dict[str, WebSocketRunner] = {}
        self.tree: Tree[WebSocketRunner] = Tree()
        for route in routes:
            if isinstance(route, APIWebSocketRoute):
                if not route.path.startswith("/"):
                    raise ConfigurationError(f"{route.label}: a served route's path must start with '/'")
                runner = route.compile(overrides, app_scope)
                self.tree.add(route.path, runner)
                if "{" not in route.path:
                    self.static[route.path] = runner

    def find(self, websocket: WebSocket) -> WebSocketRunner | None:
        runner = self.static.get(websocket.path)
        if runner is not None:
            return runner
        match = self.tree.lookup(websocket.path)
        if match is None:
            return None
        websocket.path_params = match.params
        return match.value
