"""A router built with the real FastAPI, taken over by ``include_router`` (startup only).

Packages built on FastAPI (installed beside genever, not aliased) hand out
``fastapi.APIRouter`` objects. Their routes are declarations genever can read
again: path, endpoint, methods and the documented options; the endpoints'
FastAPI markers are translated by ``_foreign``. What cannot be taken over (a
plain Starlette route, a FastAPI route class that replaces the handler) is a
startup error that says what to do instead.
"""

from __future__ import annotations

from typing import Any

from . import responses
from ._foreign import adopt
from .datastructures import Default
from .exceptions import ConfigurationError

_ALIAS_HINT = (
    "call genever.alias_fastapi() before the package that builds it is imported, so that it builds a genever "
    "router"
)


def is_fastapi_router(obj: Any) -> bool:
    return _fastapi_base(obj, "APIRouter") is not None


def _fastapi_base(obj: Any, name: str) -> Any:
    return next((c for c in type(obj).__mro__ if c.__module__ == "fastapi.routing" and c.__name__ == name), None)


def _response_class(value: Any, label: str) -> Any:
    placeholder = type(value).__name__ == "DefaultPlaceholder"
    cls = value.value if placeholder else value
    module = getattr(cls, "__module__", "")
    if module.startswith(("starlette.", "fastapi.")):
        mine = getattr(responses, cls.__name__, None)
        if mine is None:
            raise ConfigurationError(f"{label}: response_class {cls.__name__} has no genever counterpart")
        cls = mine
    return Default(cls) if placeholder else cls


def _route_kwargs(route: Any, label: str) -> dict[str, Any]:
    names = ("response_model", "status_code", "tags", "summary", "description", "response_description",
             "responses", "deprecated", "name", "methods", "operation_id", "response_model_include",
             "response_model_exclude", "response_model_by_alias", "response_model_exclude_unset",
             "response_model_exclude_defaults", "response_model_exclude_none", "include_in_schema",
             "openapi_extra")  # fmt: skip
    kwargs = {name: getattr(route, name) for name in names if hasattr(route, name)}
    kwargs["dependencies"] = [adopt(d) for d in route.dependencies]
    kwargs["response_class"] = _response_class(route.response_class, label)
    return kwargs


def from_fastapi_router(router: Any, router_class: Any) -> Any:
    """A genever router (``router_class()``, genever's ``APIRouter``) with the routes of FastAPI's
    ``router``, nested inclusions too."""
    mine = router_class()
    mine.on_startup.extend(getattr(router, "on_startup", ()))
    mine.on_shutdown.extend(getattr(router, "on_shutdown", ()))
    for route in router.routes:
        kind = type(route).__name__
        module = type(route).__module__
        label = f"include_router(): route {route!r} of FastAPI's {type(router).__name__}"
        if kind == "_IncludedRouter":
            context = route.include_context
            mine.include_router(
                from_fastapi_router(route.original_router, router_class),
                prefix=context.prefix,
                tags=list(context.tags or ()),
                dependencies=[adopt(d) for d in context.dependencies or ()],
                responses=dict(context.responses or {}),
                deprecated=context.deprecated,
                include_in_schema=context.include_in_schema,
            )
        elif (base := _fastapi_base(route, "APIRoute")) is not None:
            if type(route).get_route_handler is not base.get_route_handler:
                raise ConfigurationError(
                    f"{label} is a {module}.{kind}, whose get_route_handler() genever cannot run; " + _ALIAS_HINT
                )
            mine.add_api_route(route.path, route.endpoint, **_route_kwargs(route, label))
        elif kind == "APIWebSocketRoute" and module.startswith("fastapi"):
            mine.add_api_websocket_route(
                route.path, route.endpoint, name=route.name, dependencies=[adopt(d) for d in route.dependencies]
            )
        else:
            raise ConfigurationError(
                f"{label} is a {module}.{kind}, which genever cannot take over from a FastAPI router; "
                + _ALIAS_HINT
            )
    return mine
