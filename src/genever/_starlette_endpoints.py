"""Starlette-style endpoints (``app.add_route``, ``add_websocket_route``) as genever routes.

A Starlette endpoint takes the request (or the WebSocket) and nothing else,
and returns a response; an endpoint that is not a function (an
``HTTPEndpoint`` class, any ASGI app) is served as the ASGI app it is, as
Starlette's ``Route`` does. The wrapper declares the one parameter genever
injects, so no parameter of the original is read from the request.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from ._foreign_responses import ASGIAppResponse
from ._utils import is_coroutine_callable
from .exceptions import ConfigurationError
from .requests import Request
from .websockets import WebSocket


def _named(wrapper: Callable[..., Any], route: Callable[..., Any]) -> Callable[..., Any]:
    wrapper.__name__ = getattr(route, "__name__", type(route).__name__)
    wrapper.__qualname__ = getattr(route, "__qualname__", wrapper.__name__)
    wrapper.__doc__ = getattr(route, "__doc__", None)
    return wrapper


def request_endpoint(route: Callable[..., Any]) -> Callable[..., Any]:
    """``route(request) -> response`` as an endpoint genever can analyse."""
    if not (inspect.isfunction(route) or inspect.ismethod(route)):
        app = route

        async def asgi_endpoint(request: Request) -> Any:
            return ASGIAppResponse(app)

        return _named(asgi_endpoint, route)
    if is_coroutine_callable(route):

        async def async_endpoint(request: Request) -> Any:
            return await route(request)

        return _named(async_endpoint, route)

    def sync_endpoint(request: Request) -> Any:  # a plain def: run in the thread pool, as Starlette does
        return route(request)

    return _named(sync_endpoint, route)


def websocket_endpoint(route: Callable[..., Any]) -> Callable[..., Any]:
    """``async route(websocket)`` as a WebSocket endpoint genever can analyse."""
    if not is_coroutine_callable(route) or inspect.isclass(route):
        raise ConfigurationError(
            f"add_websocket_route(): {route!r} must be an async function taking the WebSocket "
            "(WebSocketEndpoint classes are not supported; use @app.websocket)"
        )

    async def endpoint(websocket: WebSocket) -> None:
        await route(websocket)

    return _named(endpoint, route)
