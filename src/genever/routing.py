"""Routes and routers: ``APIRoute``, ``APIWebSocketRoute``, ``APIRouter`` and their decorators.

A route analyses its endpoint when it is created, so a mis-declared
parameter fails at import time with the route in the message. The per-request
plan is compiled later, when the app is frozen (``_compile``), because it
depends on app-wide settings such as ``dependency_overrides``.
"""

from __future__ import annotations

import collections.abc
import inspect
import os
import re
import typing
import warnings
from collections.abc import Awaitable, Callable, Mapping, Sequence
from enum import Enum
from typing import Any, Literal, TypeVar

from . import params
from ._analysis import Dependant, check_path_params, get_dependant
from ._annotations import typed_return_annotation
from ._compile import compile_route, compile_websocket_route
from ._fastapi_routers import from_fastapi_router, is_fastapi_router
from ._foreign import adopt, starlette_injected
from ._form_limits import FormLimits, innermost, validate_form_limits, validate_max_body_size
from ._frontend import Frontend, normalize_path, resolve_check_dir
from ._lifespan import default_lifespan, merge_lifespans
from ._matching import matches
from ._router import path_format
from ._starlette_endpoints import request_endpoint, websocket_endpoint
from ._utils import is_async_gen_callable, is_gen_callable, is_union
from .datastructures import Default, DefaultPlaceholder, URLPath
from .exceptions import ConfigurationError
from .requests import Request
from .responses import JSONResponse, Response
from .sse import EventSourceResponse, ServerSentEvent

_DefaultPlaceholder = DefaultPlaceholder  # the name genever's own modules import

DecoratedCallable = TypeVar("DecoratedCallable", bound=Callable[..., Any])

_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE")


def _resolve(*candidates: Any) -> Any:
    """The first explicitly given value, else the first placeholder's value."""
    for value in candidates:
        if not isinstance(value, _DefaultPlaceholder):
            return value
    first = candidates[0]
    return first.value if isinstance(first, _DefaultPlaceholder) else first


def _default_status_code(response_class: type[Response]) -> int:
    try:
        default = inspect.signature(response_class.__init__).parameters["status_code"].default
    except (KeyError, TypeError, ValueError):
        return 200
    return default if isinstance(default, int) else 200


def _first_explicit(*candidates: Any) -> Any:
    """The first explicitly given value, else the first placeholder itself (FastAPI's ``get_value_or_default``)."""
    for value in candidates:
        if not isinstance(value, _DefaultPlaceholder):
            return value
    return candidates[0]


def generate_unique_id(route: APIRoute) -> str:
    """FastAPI's default operationId: name + path, non-word characters as ``_``, + method."""
    operation_id = f"{route.name}{route.path_format}"
    operation_id = re.sub(r"\W", "_", operation_id)
    method = sorted(route.methods)[0].lower()
    return f"{operation_id}_{method}"


def get_request_handler(
    dependant: Dependant, *, route: APIRoute, overrides: Mapping[Any, Any] | None = None
) -> Callable[[Any], Awaitable[Response]]:
    """``async (request) -> Response`` for ``route`` (whose analysed signature is ``dependant``).

    Called through this module's global when the app compiles its routes, so a tool that wraps
    ``fastapi.routing.get_request_handler`` (Sentry's FastAPI integration) wraps genever's too;
    ``dependant`` is passed by keyword, as FastAPI passes it.
    """
    route.dependant = dependant
    return compile_route(route, overrides or {})


_own_get_request_handler = get_request_handler  # to tell when a tool has wrapped it


def request_handler_wrapped() -> bool:
    """True when something replaced ``get_request_handler`` (Sentry's FastAPI integration through the
    alias): the handlers it wraps read the route from the scope, so the app puts it there."""
    return get_request_handler is not _own_get_request_handler


def route_dependant(
    path: str, endpoint: Callable[..., Any], label: str, dependencies: Sequence[params.Depends]
) -> Dependant:
    """The endpoint's ``Dependant``, with the route's (and its routers') ``dependencies`` run first."""
    dependant = get_dependant(path=path, call=endpoint, route=label)
    for depends in reversed(dependencies):
        if depends.dependency is None:
            raise ConfigurationError(f"{label}: dependencies=[Depends()] needs a callable")
        sub = get_dependant(
            path=path,
            call=depends.dependency,
            route=label,
            security_scopes=getattr(depends, "scopes", None),
            use_cache=depends.use_cache,
        )
        sub.is_security = isinstance(depends, params.Security)
        sub.scope = depends.scope
        sub.concurrency = depends._concurrency
        dependant.dependencies.insert(0, sub)
    return dependant


class BaseRoute:
    path: str
    name: str
    endpoint: Any
    include_in_schema: bool = True
    # routes are compared by identity, also when Starlette's Route (which compares by path) is a base
    # (under alias_fastapi(): genever._starlette_routes)
    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def matches(self, scope: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        """Starlette's ``(Match, child_scope)`` for ``scope``, for tools that look up the route of a
        request themselves (metrics and tracing middleware); genever's own routing does not use it."""
        return matches(self, scope, getattr(self, "methods", None))


class APIRoute(BaseRoute):
    """One endpoint: a path, its HTTP methods, the handler and everything declared about it."""

    _embed_body_fields = False  # FastAPI's attribute, read by packages that rebuild the body field

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        response_model: Any = Default(None),
        status_code: int | None = None,
        tags: list[str | Enum] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        summary: str | None = None,
        description: str | None = None,
        response_description: str = "Successful Response",
        responses: dict[int | str, dict[str, Any]] | None = None,
        deprecated: bool | None = None,
        name: str | None = None,
        methods: set[str] | list[str] | None = None,
        operation_id: str | None = None,
        response_model_include: Any = None,
        response_model_exclude: Any = None,
        response_model_by_alias: bool = True,
        response_model_exclude_unset: bool = False,
        response_model_exclude_defaults: bool = False,
        response_model_exclude_none: bool = False,
        include_in_schema: bool = True,
        response_class: type[Response] | _DefaultPlaceholder = Default(JSONResponse),
        callbacks: list[BaseRoute] | None = None,
        openapi_extra: dict[str, Any] | None = None,
        generate_unique_id_function: Callable[[APIRoute], str] | _DefaultPlaceholder = Default(
            generate_unique_id
        ),
        middleware: Sequence[Any] | None = None,
        strict_content_type: bool | _DefaultPlaceholder = Default(True),
        max_body_size: int | None = None,
        form_limits: FormLimits | None = None,
    ) -> None:
        # a path without "/" is allowed for OpenAPI callbacks and webhooks ("{$callback_url}/...",
        # "new-subscription"); the app refuses it when it builds its route table
        self.path = path
        self.path_format = path_format(path)
        self.endpoint = endpoint
        self.name: str = name or str(getattr(endpoint, "__name__", type(endpoint).__name__))
        self.methods = {m.upper() for m in (methods or ["GET"])}
        unknown = self.methods - set(_METHODS)
        if unknown:
            raise ConfigurationError(f"{path}: unknown HTTP method(s) {sorted(unknown)}")
        # A generator endpoint streams: JSON Lines by default, events with
        # response_class=EventSourceResponse, chunks with any other class.
        self.stream_mode: str | None = None
        self.stream_item_type: Any = None
        # (decorated generators too: the same test the compiled plan uses to call the endpoint)
        if is_gen_callable(endpoint) or is_async_gen_callable(endpoint):
            resolved = _resolve(response_class)
            if isinstance(resolved, type) and issubclass(resolved, EventSourceResponse):
                self.stream_mode = "sse"
            elif isinstance(response_class, _DefaultPlaceholder):
                self.stream_mode = "jsonl"
            else:
                self.stream_mode = "raw"
            if isinstance(response_model, _DefaultPlaceholder) and self.stream_mode != "raw":
                item = _stream_item_type(_return_annotation(endpoint))
                self.stream_item_type = None if item is ServerSentEvent else item
            response_model = None
        if isinstance(response_model, _DefaultPlaceholder):
            try:
                response_model = _return_annotation(endpoint)
            except ConfigurationError as exc:
                raise ConfigurationError(f"{self.label}: {exc}") from None
        self.response_model = response_model
        self.status_code = status_code
        self.tags = list(tags or [])
        self.dependencies = [adopt(d) for d in dependencies or ()]
        self.summary = summary
        if description is None:  # the docstring, up to a form feed (what follows is for code docs only)
            description = inspect.cleandoc(endpoint.__doc__ or "").split("\f")[0].strip()
        self.description = description
        self.response_description = response_description
        self.responses = dict(responses or {})
        self.deprecated = deprecated
        self.operation_id = operation_id
        self.response_model_include = response_model_include
        self.response_model_exclude = response_model_exclude
        self.response_model_by_alias = response_model_by_alias
        self.response_model_exclude_unset = response_model_exclude_unset
        self.response_model_exclude_defaults = response_model_exclude_defaults
        self.response_model_exclude_none = response_model_exclude_none
        self.include_in_schema = include_in_schema
        self.response_class: type[Response] = _resolve(response_class)
        self.response_class_explicit = not isinstance(response_class, _DefaultPlaceholder)
        # without status_code=, the response class's own default (307 for RedirectResponse), as in FastAPI
        self.effective_status_code: int = status_code or _default_status_code(self.response_class)
        self.callbacks = callbacks
        self.openapi_extra = openapi_extra
        self.generate_unique_id_function = _resolve(generate_unique_id_function)
        self._unique_id: str | None = None
        # the app's dependency_overrides: set when the app builds its route table, read by get_route_handler()
        self.dependency_overrides: Mapping[Any, Any] = {}
        self._app_scope: Any = None  # the app's AppScope (Depends(..., scope="app")), set with the overrides
        # the app's json_durations ("seconds", FastAPI's, or "iso8601"), set with the overrides
        self.json_durations = "seconds"
        self.middleware = list(middleware or [])
        # False: a body sent without Content-Type is read as JSON (FastAPI's strict_content_type)
        self.strict_content_type: bool = _resolve(strict_content_type)
        self.strict_content_type_explicit = not isinstance(strict_content_type, _DefaultPlaceholder)
        # this route's body limits (its routers' folded in; None: the app's), see genever._form_limits
        self.max_body_size = validate_max_body_size(max_body_size, f"{self.label}: max_body_size")
        self.form_limits = validate_form_limits(form_limits, f"{self.label}: form_limits")
        # the app's max_body_size and form_limits, set with the overrides when the app builds its route table
        self.app_limits: tuple[int | None, FormLimits] = (None, {})
        self.dependant = self._analyse()

    def get_route_handler(self) -> Callable[[Any], Awaitable[Response]]:
        """``async (request) -> Response``: this route's compiled plan (validation, dependencies,
        handler, response). Override it in a subclass to wrap it, as with FastAPI's
        ``route_class``; the app calls it when it builds its route table."""
        return get_request_handler(dependant=self.dependant, route=self, overrides=self.dependency_overrides)

    @property
    def unique_id(self) -> str:
        """The operationId (and the base of generated schema names); computed when first needed, as
        a custom ``generate_unique_id_function`` may expect what only documented routes have (tags)."""
        if self._unique_id is None:
            self._unique_id = self.operation_id or self.generate_unique_id_function(self)
        return self._unique_id

    @property
    def label(self) -> str:
        """``"GET /items/{item_id}"``: how startup errors name this route."""
        return f"{','.join(sorted(self.methods))} {self.path}"

    def _analyse(self) -> Dependant:
        if not callable(self.endpoint):
            raise ConfigurationError(f"{self.label}: the endpoint {self.endpoint!r} is not callable")
        return route_dependant(self.path, self.endpoint, self.label, self.dependencies)

    def response_model_options(self) -> dict[str, Any]:
        return {
            "include": self.response_model_include,
            "exclude": self.response_model_exclude,
            "by_alias": self.response_model_by_alias,
            "exclude_unset": self.response_model_exclude_unset,
            "exclude_defaults": self.response_model_exclude_defaults,
            "exclude_none": self.response_model_exclude_none,
        }

    def _init_kwargs(self) -> dict[str, Any]:
        return {
            "response_model": self.response_model,
            "status_code": self.status_code,
            "tags": list(self.tags),
            "dependencies": list(self.dependencies),
            "summary": self.summary,
            "description": self.description,
            "response_description": self.response_description,
            "responses": dict(self.responses),
            "deprecated": self.deprecated,
            "name": self.name,
            "methods": set(self.methods),
            "operation_id": self.operation_id,
            "response_model_include": self.response_model_include,
            "response_model_exclude": self.response_model_exclude,
            "response_model_by_alias": self.response_model_by_alias,
            "response_model_exclude_unset": self.response_model_exclude_unset,
            "response_model_exclude_defaults": self.response_model_exclude_defaults,
            "response_model_exclude_none": self.response_model_exclude_none,
            "include_in_schema": self.include_in_schema,
            "response_class": self.response_class if self.response_class_explicit else Default(self.response_class),
            "callbacks": self.callbacks,
            "openapi_extra": self.openapi_extra,
            "generate_unique_id_function": self.generate_unique_id_function,
            "middleware": list(self.middleware),
            "strict_content_type": self.strict_content_type
            if self.strict_content_type_explicit
            else Default(self.strict_content_type),
            "max_body_size": self.max_body_size,
            "form_limits": dict(self.form_limits),
        }

    def url_path_for(self, **path_params: Any) -> str:
        path = self.path_format
        for key, value in path_params.items():
            path = path.replace("{" + key + "}", str(value))
        return path

    def __repr__(self) -> str:
        return f"APIRoute(path={self.path!r}, name={self.name!r}, methods={sorted(self.methods)!r})"


def request_response(func: Callable[..., Any]) -> Callable[..., Any]:
    """FastAPI's ``request_response`` (a handler as a Starlette ASGI app), for packages that rebuild a
    route's ``app`` after changing its dependencies: genever serves a route from the plan it compiles
    when the app starts (from ``route.dependant``), so this returns ``func`` unchanged."""
    return func


class _IncludedRouter:
    """FastAPI's record of an included router; genever copies included routes instead, so no route
    list holds one (packages match ``case _IncludedRouter()`` while walking routes)."""


def _is_response_class(tp: Any) -> bool:
    """genever's ``Response`` classes, and Starlette's (what FastAPI code annotates with)."""
    return isinstance(tp, type) and (issubclass(tp, Response) or starlette_injected(tp) == "response")


def _return_annotation(endpoint: Callable[..., Any]) -> Any:
    """FastAPI infers ``response_model`` from the return annotation (unless it is a Response)."""
    try:
        annotation = typed_return_annotation(endpoint)
    except (TypeError, ValueError):  # no signature to read
        return None
    if isinstance(annotation, str):  # a name that cannot be resolved (TYPE_CHECKING): no response model
        return None
    if annotation is None or annotation is type(None):
        return None
    origin = typing.get_origin(annotation) or annotation
    if _is_response_class(origin):
        return None
    if is_union(annotation):
        args = typing.get_args(annotation)
        responses = [a for a in args if _is_response_class(a)]
        if responses and len(responses) < len([a for a in args if a is not type(None)]):
            # as FastAPI: no response model can be built from "a Response or data"
            raise ConfigurationError(
                f"{getattr(endpoint, '__name__', endpoint)}() returns {annotation}, a Response or other data: "
                "no response model can be built from it; add response_model=None to the route decorator"
            )
        if responses:
            return None
    return annotation


_ITERABLES = {
    collections.abc.AsyncIterable, collections.abc.AsyncIterator, collections.abc.AsyncGenerator,
    collections.abc.Iterable, collections.abc.Iterator, collections.abc.Generator,
}  # fmt: skip


def _stream_item_type(annotation: Any) -> Any:
    """``Item`` of ``AsyncIterable[Item]`` (or Iterator, Generator...), or None."""
    if typing.get_origin(annotation) in _ITERABLES:
        args = typing.get_args(annotation)
        if args and args[0] is not Any:
            return args[0]
    return None


class APIWebSocketRoute(BaseRoute):
    """A WebSocket endpoint at ``path``: its parameters (path, query, header, cookie, ``Depends``,
    the ``WebSocket`` itself) are analysed like an HTTP handler's and compiled into the same
    kind of plan; ``_server`` serves it (invalid parameters close the socket with 1008)."""

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        name: str | None = None,
        dependencies: Sequence[params.Depends] | None = None,
    ) -> None:
        # a path without "/" ("" in a router, as its HTTP routes allow) gets its prefix from include_router;
        # the app refuses it if it is served as it is
        self.path = path
        self.endpoint = endpoint
        self.name = name or str(getattr(endpoint, "__name__", type(endpoint).__name__))
        self.dependencies = [adopt(d) for d in dependencies or ()]
        self.include_in_schema = False
        self.label = f"WEBSOCKET {path}"
        self.dependant = route_dependant(path, endpoint, self.label, self.dependencies)

    def with_prefix(self, prefix: str, dependencies: Sequence[params.Depends] = ()) -> APIWebSocketRoute:
        """This route under ``prefix`` with extra dependencies first (for ``include_router``)."""
        return APIWebSocketRoute(
            prefix + self.path, self.endpoint, name=self.name, dependencies=[*dependencies, *self.dependencies]
        )

    def compile(self, overrides: Mapping[Any, Any], app_scope: Any = None) -> Callable[[Any], Awaitable[None]]:
        """``async (websocket) -> None``: this route's compiled plan."""
        return compile_websocket_route(self, overrides, app_scope)

    def __repr__(self) -> str:
        return f"APIWebSocketRoute(path={self.path!r}, name={self.name!r})"


class APIRouter:
    """A group of routes sharing a prefix, tags, dependencies and (genever) middleware."""

    # True for the app: a route added here is served at its path as given, so a Path parameter that path
    # does not capture is an error at once; a router's routes may get it from a prefix (checked at start-up)
    _serves_paths_as_given = False

    def __init__(
        self,
        *,
        prefix: str = "",
        tags: list[str | Enum] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        default_response_class: type[Response] | _DefaultPlaceholder = Default(JSONResponse),
        responses: dict[int | str, dict[str, Any]] | None = None,
        callbacks: list[BaseRoute] | None = None,
        routes: list[BaseRoute] | None = None,
        redirect_slashes: bool = True,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        generate_unique_id_function: Callable[[APIRoute], str] | _DefaultPlaceholder = Default(
            generate_unique_id
        ),
        middleware: Sequence[Any] | None = None,
        strict_content_type: bool | _DefaultPlaceholder = Default(True),
        on_startup: Sequence[Callable[[], Any]] | None = None,
        on_shutdown: Sequence[Callable[[], Any]] | None = None,
        lifespan: Callable[[Any], Any] | None = None,
        route_class: type[APIRoute] | None = None,
        default: Any = None,
        dependency_overrides_provider: Any = None,
        max_body_size: int | None = None,
        form_limits: FormLimits | None = None,
    ) -> None:
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise ConfigurationError(f"router prefix {prefix!r} must start with '/' and not end with '/'")
        self.strict_content_type = strict_content_type
        # the body limits of this router's routes (a route's own wins), see genever._form_limits
        self.max_body_size = validate_max_body_size(max_body_size)
        self.form_limits = validate_form_limits(form_limits)
        # a router's start-up and shutdown go to whatever includes it (and so to the app)
        self.on_startup: list[Callable[[], Any]] = list(on_startup or [])
        self.on_shutdown: list[Callable[[], Any]] = list(on_shutdown or [])
        self.lifespan_context: Callable[[Any], Any] = lifespan or default_lifespan
        # the class of this router's routes: an APIRoute subclass may wrap the handler (get_route_handler)
        self.route_class: type[APIRoute] = route_class or APIRoute
        # FastAPI's: the ASGI app for unmatched paths of a router served alone, and the object whose
        # dependency_overrides apply; accepted so that FastAPI-based packages construct routers (the
        # app that includes the router answers 404s and owns the overrides)
        self.default = default
        self.dependency_overrides_provider = dependency_overrides_provider
        self.prefix = prefix
        self.tags = list(tags or [])
        self.dependencies = [adopt(d) for d in dependencies or ()]
        self.default_response_class = default_response_class
        self.responses = dict(responses or {})
        self.callbacks = list(callbacks or [])
        self.routes: list[BaseRoute] = list(routes or [])
        self.redirect_slashes = redirect_slashes
        self.deprecated = deprecated
        self.include_in_schema = include_in_schema
        self.generate_unique_id_function = generate_unique_id_function
        self.group_middleware = list(middleware or [])

    def routes_changed(self) -> None:
        """Call after changing ``routes`` by hand: the app rebuilds its route table before the next request."""

    def on_event(self, event_type: str) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
        """Deprecated, as in FastAPI: use ``lifespan=``. Still works, with a ``DeprecationWarning``."""
        warnings.warn(
            "on_event is deprecated, use lifespan event handlers instead", DeprecationWarning, stacklevel=2
        )

        def decorator(func: Callable[[], Any]) -> Callable[[], Any]:
            if event_type == "startup":
                self.on_startup.append(func)
            elif event_type == "shutdown":
                self.on_shutdown.append(func)
            else:
                raise ConfigurationError(f"unknown event {event_type!r}: use 'startup' or 'shutdown'")
            return func

        return decorator

    def add_api_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        methods: set[str] | list[str] | None = None,
        response_class: type[Response] | _DefaultPlaceholder = Default(JSONResponse),
        generate_unique_id_function: Callable[[APIRoute], str] | _DefaultPlaceholder = Default(
            generate_unique_id
        ),
        tags: list[str | Enum] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        responses: dict[int | str, dict[str, Any]] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        callbacks: list[BaseRoute] | None = None,
        middleware: Sequence[Any] | None = None,
        strict_content_type: bool | _DefaultPlaceholder = Default(True),
        route_class_override: type[APIRoute] | None = None,
        max_body_size: int | None = None,
        form_limits: FormLimits | None = None,
        **kwargs: Any,
    ) -> APIRoute:
        self.routes_changed()
        form_limits = {**self.form_limits, **validate_form_limits(form_limits, f"{path}: form_limits")}
        max_body_size = innermost(validate_max_body_size(max_body_size, f"{path}: max_body_size"), self.max_body_size)
        route = (route_class_override or self.route_class)(
            self.prefix + path,
            endpoint,
            methods=methods,
            response_class=_first_explicit(response_class, self.default_response_class),
            generate_unique_id_function=_resolve(generate_unique_id_function, self.generate_unique_id_function),
            tags=[*self.tags, *(tags or [])],
            dependencies=[*self.dependencies, *(dependencies or [])],
            responses={**self.responses, **(responses or {})},
            deprecated=deprecated if deprecated is not None else self.deprecated,
            include_in_schema=include_in_schema and self.include_in_schema,
            callbacks=[*self.callbacks, *(callbacks or [])] or None,
            middleware=[*self.group_middleware, *(middleware or [])],
            strict_content_type=_first_explicit(strict_content_type, self.strict_content_type),
            max_body_size=max_body_size,
            form_limits=form_limits,
            **kwargs,
        )
        if self._serves_paths_as_given:
            check_path_params(route.dependant, route.path, route.label)
        self.routes.append(route)
        return route

    def frontend(
        self,
        path: str,
        *,
        directory: str | os.PathLike[str],
        fallback: Literal["auto", "index.html", "404.html"] | None = "auto",
        check_dir: bool | Literal["auto"] = "auto",
    ) -> None:
        """Serve a frontend build (``dist/``) under ``path`` as low-priority routes, as FastAPI's
        ``frontend()``: routes, mounts and slash redirects are tried first; then the files, and
        ``404.html`` or (for a browser's navigation) ``index.html``. See ``genever._frontend``."""
        path = normalize_path(path)
        frontend = Frontend(directory, fallback, resolve_check_dir(directory, check_dir))
        self.routes_changed()
        self.routes.append(
            FrontendRoute(
                self.prefix + path,
                frontend=frontend,
                dependencies=list(self.dependencies),
                middleware=list(self.group_middleware),
            )
        )

    def api_route(
        self, path: str, *, methods: list[str] | None = None, **kwargs: Any
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        def decorator(func: DecoratedCallable) -> DecoratedCallable:
            self.add_api_route(path, func, methods=methods, **kwargs)
            return func

        return decorator

    def get(self, path: str, **kwargs: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.api_route(path, methods=["GET"], **kwargs)

    def put(self, path: str, **kwargs: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.api_route(path, methods=["PUT"], **kwargs)

    def post(self, path: str, **kwargs: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.api_route(path, methods=["POST"], **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.api_route(path, methods=["DELETE"], **kwargs)

    def options(self, path: str, **kwargs: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.api_route(path, methods=["OPTIONS"], **kwargs)

    def head(self, path: str, **kwargs: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.api_route(path, methods=["HEAD"], **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.api_route(path, methods=["PATCH"], **kwargs)

    def trace(self, path: str, **kwargs: Any) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.api_route(path, methods=["TRACE"], **kwargs)

    def include_router(
        self,
        router: APIRouter,
        *,
        prefix: str = "",
        tags: list[str | Enum] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        default_response_class: type[Response] | _DefaultPlaceholder = Default(JSONResponse),
        responses: dict[int | str, dict[str, Any]] | None = None,
        callbacks: list[BaseRoute] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        generate_unique_id_function: Callable[[APIRoute], str] | _DefaultPlaceholder = Default(
            generate_unique_id
        ),
        middleware: Sequence[Any] | None = None,
        max_body_size: int | None = None,
        form_limits: FormLimits | None = None,
    ) -> None:
        """Copy ``router``'s routes into this one, under ``prefix`` and with the extra settings.

        ``router`` may also be FastAPI's own ``APIRouter`` (from a package built on the real FastAPI):
        its routes are declared again here, their FastAPI markers read as genever's."""
        if not isinstance(router, APIRouter):
            if not is_fastapi_router(router):
                raise ConfigurationError(f"include_router(): {router!r} is not an APIRouter")
            router = from_fastapi_router(router, APIRouter)
        self.routes_changed()
        self.on_startup.extend(router.on_startup)
        self.on_shutdown.extend(router.on_shutdown)
        if router.lifespan_context is not default_lifespan:
            self.lifespan_context = merge_lifespans(self.lifespan_context, router.lifespan_context)
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise ConfigurationError(f"include_router prefix {prefix!r} must start with '/' and not end with '/'")
        max_body_size = validate_max_body_size(max_body_size, "include_router(max_body_size=...)")
        included_limits = validate_form_limits(form_limits, "include_router(form_limits=...)")
        for route in router.routes:
            if isinstance(route, APIRoute):
                kwargs = route._init_kwargs()
                kwargs["tags"] = [*self.tags, *(tags or []), *kwargs["tags"]]
                kwargs["dependencies"] = [*self.dependencies, *(dependencies or []), *kwargs["dependencies"]]
                kwargs["responses"] = {**self.responses, **(responses or {}), **kwargs["responses"]}
                kwargs["response_class"] = _first_explicit(
                    route.response_class if route.response_class_explicit else Default(route.response_class),
                    router.default_response_class,
                    default_response_class,
                    self.default_response_class,
                )
                kwargs["generate_unique_id_function"] = _resolve(
                    route.generate_unique_id_function
                    if route.generate_unique_id_function is not generate_unique_id
                    else Default(generate_unique_id),
                    router.generate_unique_id_function,
                    generate_unique_id_function,
                    self.generate_unique_id_function,
                )
                if deprecated or self.deprecated:
                    kwargs["deprecated"] = True
                kwargs["include_in_schema"] = route.include_in_schema and include_in_schema and self.include_in_schema
                kwargs["callbacks"] = [*self.callbacks, *(callbacks or []), *(route.callbacks or [])] or None
                kwargs["middleware"] = [*self.group_middleware, *(middleware or []), *kwargs["middleware"]]
                kwargs["operation_id"] = route.operation_id
                kwargs["max_body_size"] = innermost(
                    route.max_body_size, router.max_body_size, max_body_size, self.max_body_size
                )
                kwargs["form_limits"] = {**self.form_limits, **included_limits, **router.form_limits,
                                         **route.form_limits}  # fmt: skip
                kwargs["strict_content_type"] = _first_explicit(
                    kwargs["strict_content_type"], router.strict_content_type, self.strict_content_type
                )
                self.routes.append(type(route)(self.prefix + prefix + route.path, route.endpoint, **kwargs))
            else:
                extra = [*self.dependencies, *(dependencies or [])]
                self._include_other(route, self.prefix + prefix, extra)

    def _include_other(self, route: BaseRoute, prefix: str, dependencies: Sequence[params.Depends]) -> None:
        include = getattr(route, "with_prefix", None)
        if include is None:
            raise ConfigurationError(f"cannot include route {route!r}")
        self.routes.append(include(prefix, dependencies))

    def add_api_websocket_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        name: str | None = None,
        *,
        dependencies: Sequence[params.Depends] | None = None,
    ) -> BaseRoute:
        self.routes_changed()
        route = APIWebSocketRoute(
            self.prefix + path, endpoint, name=name, dependencies=[*self.dependencies, *(dependencies or [])]
        )
        if self._serves_paths_as_given:
            check_path_params(route.dependant, route.path, route.label)
        self.routes.append(route)
        return route

    def websocket(
        self, path: str, name: str | None = None, *, dependencies: Sequence[params.Depends] | None = None
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Declare a WebSocket endpoint: ``async def endpoint(websocket: WebSocket, ...)``."""

        def decorator(func: DecoratedCallable) -> DecoratedCallable:
            self.add_api_websocket_route(path, func, name=name, dependencies=dependencies)
            return func

        return decorator

    def add_route(
        self,
        path: str,
        route: Callable[..., Any],
        methods: list[str] | None = None,
        name: str | None = None,
        include_in_schema: bool = True,
    ) -> None:
        """Starlette's ``add_route``: ``route(request)`` returns a response (any Starlette ``Response``
        too); no parameters are read for it and it is not in the OpenAPI document, as in FastAPI."""
        self.add_api_route(
            path, request_endpoint(route), methods=methods or ["GET"], name=name or getattr(route, "__name__", None),
            include_in_schema=False,
        )  # fmt: skip

    def add_websocket_route(self, path: str, route: Callable[..., Any], name: str | None = None) -> None:
        """Starlette's ``add_websocket_route``: ``route(websocket)`` serves the connection."""
        self.add_api_websocket_route(path, websocket_endpoint(route), name=name or getattr(route, "__name__", None))

    def route(
        self, path: str, methods: list[str] | None = None, name: str | None = None, include_in_schema: bool = True
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Starlette's ``@app.route(path)`` decorator (``add_route``)."""

        def decorator(func: DecoratedCallable) -> DecoratedCallable:
            self.add_route(path, func, methods=methods, name=name, include_in_schema=include_in_schema)
            return func

        return decorator

    def url_path_for(self, name: str, /, **path_params: Any) -> str:
        for route in self.routes:
            if route.name == name and isinstance(route, APIRoute):
                return URLPath(route.url_path_for(**path_params))
        raise LookupError(f"no route named {name!r}")


class FrontendRoute(APIRoute):
    """A ``frontend()`` declaration as a route: prefixed and given dependencies by routers like any
    route, but matched by the app only when nothing else matched (see ``frontend_for``)."""

    def __init__(self, path: str, endpoint: Callable[..., Any] | None = None, *, frontend: Frontend,
                 **kwargs: Any) -> None:  # fmt: skip
        path = normalize_path(path)
        self.frontend = frontend
        self.prefix = "" if path == "/" else path

        async def serve_frontend(request: Request) -> Response:
            return await frontend.respond(request, self.relative(request.path) or "")

        kwargs.update(methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"], include_in_schema=False)
        kwargs.setdefault("name", "frontend")
        super().__init__(path, serve_frontend, **kwargs)

    def relative(self, path: str) -> str | None:
        """The file path under this frontend for a request ``path``, or None when it is not its."""
        prefix = self.prefix
        if not prefix:
            return path.lstrip("/")
        if path == prefix:
            return ""
        if path.startswith(prefix + "/"):
            return path[len(prefix) + 1 :]
        return None

    def _init_kwargs(self) -> dict[str, Any]:
        kwargs = super()._init_kwargs()
        for key in ("methods", "include_in_schema", "response_model", "status_code"):
            kwargs.pop(key, None)
        kwargs["frontend"] = self.frontend
        return kwargs
