"""``Genever``: the application object, configuration and registration.

It is an ``APIRouter`` that also holds what is app-wide: exception handlers,
middleware, mounts, lifespan, state, dependency overrides, OpenAPI settings.
It is *frozen* on the first request (or at lifespan start): ``freeze()``
builds the ``Server`` (``_server/``) that serves it — route tables compiled,
conflicts reported. After that a request costs one dictionary or tree lookup
plus its route's plan; any change to the configuration drops the ``Server``
and the next request builds a new one.
"""

from __future__ import annotations

import contextlib
import gc
import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Literal

from . import _middleware_stack, _observe, reporting
from ._app_scope import AppScope
from ._foreign import adopt_exception_class
from ._form_limits import FormLimits
from ._lifespan import as_async_cm, default_lifespan
from ._server import Server, build_server, is_starlette_http_exception, rsgi
from ._starlette_interop import register_with_starlette
from .datastructures import Default, State, URLPath, _DefaultPlaceholder
from .exception_handlers import http_exception_handler, request_validation_exception_handler
from .exceptions import ConfigurationError, FrozenAppError, HTTPException, RequestValidationError
from .health import Health, add_health_routes
from .middleware import Middleware
from .openapi.docs import setup_docs_routes
from .openapi.utils import get_openapi_for_app
from .params import Depends
from .requests import Request
from .responses import JSONResponse, Response
from .routing import APIRoute, APIRouter, BaseRoute, generate_unique_id

ExceptionHandler = Callable[[Request, Any], Any]


_startup_objects_frozen = False


def _freeze_startup_objects() -> None:
    """Move what exists after start-up (routes, validators, schemas, modules) out of the cyclic GC's
    reach, once per process: full collections then scan only what requests allocate. Measured on
    the benchmark's /items: -6% server CPU per request and p99 latency 11 ms -> 3.7 ms."""
    global _startup_objects_frozen
    if _startup_objects_frozen:
        return
    _startup_objects_frozen = True
    gc.collect()
    gc.freeze()


class _Overrides(dict[Any, Any]):
    """``app.dependency_overrides``: any change makes the app recompile its plans."""

    def __init__(self, on_change: Callable[[], None]) -> None:
        super().__init__()
        self._on_change = on_change

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        self._on_change()

    def __delitem__(self, key: Any) -> None:
        super().__delitem__(key)
        self._on_change()

    def clear(self) -> None:
        super().clear()
        self._on_change()

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self._on_change()

    def pop(self, *args: Any) -> Any:
        value = super().pop(*args)
        self._on_change()
        return value

    def popitem(self) -> tuple[Any, Any]:
        item = super().popitem()
        self._on_change()
        return item

    def setdefault(self, key: Any, default: Any = None) -> Any:
        value = super().setdefault(key, default)
        self._on_change()
        return value

    def __ior__(self, other: Any) -> _Overrides:  # type: ignore[misc]
        self.update(other)
        return self


class Genever(APIRouter):
    """The application: declare routes on it, serve it with ``genever run`` (RSGI) or any ASGI server."""

    _serves_paths_as_given = True

    def __init__(
        self,
        *,
        debug: bool = False,
        routes: list[BaseRoute] | None = None,
        title: str = "Genever",
        summary: str | None = None,
        description: str = "",
        version: str = "0.1.0",
        openapi_url: str | None = "/openapi.json",
        openapi_tags: list[dict[str, Any]] | None = None,
        servers: list[dict[str, Any]] | None = None,
        dependencies: Sequence[Depends] | None = None,
        default_response_class: type[Response] | _DefaultPlaceholder = Default(JSONResponse),
        redirect_slashes: bool = True,
        docs_url: str | None = "/docs",
        redoc_url: str | None = "/redoc",
        swagger_ui_oauth2_redirect_url: str | None = "/docs/oauth2-redirect",
        swagger_ui_init_oauth: dict[str, Any] | None = None,
        middleware: Sequence[Any] | None = None,
        exception_handlers: Mapping[int | type[BaseException], ExceptionHandler] | None = None,
        on_startup: Sequence[Callable[[], Any]] | None = None,
        on_shutdown: Sequence[Callable[[], Any]] | None = None,
        lifespan: Callable[[Genever], contextlib.AbstractAsyncContextManager[Any]] | None = None,
        terms_of_service: str | None = None,
        contact: dict[str, Any] | None = None,
        license_info: dict[str, Any] | None = None,
        root_path: str = "",
        root_path_in_servers: bool = True,
        responses: dict[int | str, dict[str, Any]] | None = None,
        callbacks: list[BaseRoute] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        swagger_ui_parameters: dict[str, Any] | None = None,
        generate_unique_id_function: Callable[[APIRoute], str] | _DefaultPlaceholder = Default(
            generate_unique_id
        ),
        openapi_version: str = "3.1.0",
        docs_cdn: bool = False,
        max_body_size: int | None = None,
        form_limits: FormLimits | None = None,
        strict_content_type: bool = True,
        gc_freeze: bool = True,
        json_durations: Literal["seconds", "iso8601"] = "seconds",
        **extra: Any,
    ) -> None:
        super().__init__(
            strict_content_type=strict_content_type,
            routes=routes,
            dependencies=dependencies,
            default_response_class=default_response_class,
            responses=responses,
            callbacks=callbacks,
            redirect_slashes=redirect_slashes,
            deprecated=deprecated,
            include_in_schema=include_in_schema,
            generate_unique_id_function=generate_unique_id_function,
            max_body_size=max_body_size,
            form_limits=form_limits,
        )
        self.debug = debug
        # after start-up, gc.freeze() what exists (once per process); False to keep Python's default
        self.gc_freeze = gc_freeze
        if json_durations not in ("seconds", "iso8601"):
            raise ConfigurationError('json_durations must be "seconds" (FastAPI\'s) or "iso8601"')
        # how a timedelta is written by routes without a response model: seconds, as FastAPI's
        # jsonable_encoder writes it, or ISO 8601 ("P1DT30S"), as pydantic (and routes with one) do
        self.json_durations = json_durations
        self.title = title
        self.summary = summary
        self.description = description
        self.version = version
        self.openapi_url = openapi_url
        self.openapi_tags = openapi_tags
        self.openapi_version = openapi_version
        self.servers = list(servers or [])
        self.docs_url = docs_url
        self.redoc_url = redoc_url
        self.swagger_ui_oauth2_redirect_url = swagger_ui_oauth2_redirect_url
        self.swagger_ui_init_oauth = swagger_ui_init_oauth
        self.swagger_ui_parameters = swagger_ui_parameters
        self.docs_cdn = docs_cdn
        self.terms_of_service = terms_of_service
        self.contact = contact
        self.license_info = license_info
        self.root_path = root_path
        self.root_path_in_servers = root_path_in_servers
        self.extra = extra
        self.state = State()
        self.user_middleware: list[Any] = list(middleware or [])
        self.exception_handlers: dict[Any, ExceptionHandler] = {
            HTTPException: http_exception_handler,
            RequestValidationError: request_validation_exception_handler,
        }
        for key, handler in (exception_handlers or {}).items():
            self.add_exception_handler(key, handler)
        self.on_startup: list[Callable[[], Any]] = list(on_startup or [])
        self.on_shutdown: list[Callable[[], Any]] = list(on_shutdown or [])
        self.lifespan_context = lifespan or default_lifespan
        self._dependency_overrides = _Overrides(self._invalidate)
        self._app_scope = AppScope()  # the values of Depends(..., scope="app")
        self.openapi_schema: dict[str, Any] | None = None
        # routes documented under "webhooks" in the OpenAPI document, never served (FastAPI's app.webhooks)
        self.webhooks = APIRouter()
        self._frozen = False
        # what serves the app once frozen (``freeze()``); None until then, and again after any change
        self.server: Server | None = None
        self._mounts: list[tuple[str, Any, str | None]] = []
        # observability (genever.metrics, .tracing, .logging): wired in by freeze() only when present
        self._instruments: list[_observe.Instrument] = []
        # error tracking: called with an ErrorReport for every unhandled exception (genever.reporting)
        self.error_reporters: list[reporting.Reporter] = []
        self._lifespan_stack: contextlib.AsyncExitStack | None = None
        self._lifespan_state: dict[str, Any] = {}
        self._setup()

    # -- building --------------------------------------------------------------------------
    @property
    def router(self) -> Genever:
        """FastAPI's ``app.router``: here the app is its own router."""
        return self

    def _setup(self) -> None:
        """Add the app's own routes (OpenAPI and docs)."""
        setup_docs_routes(self)

    def routes_changed(self) -> None:
        # a route added while serving (tests do it) is compiled with the rest before the next request
        self.server = None
        self.openapi_schema = None

    def _invalidate(self) -> None:
        self.server = None

    @property
    def dependency_overrides(self) -> dict[Any, Any]:
        """``{original: replacement}`` for tests; any change (or a new dict) takes effect on the next request."""
        return self._dependency_overrides

    @dependency_overrides.setter
    def dependency_overrides(self, value: Mapping[Any, Any] | None) -> None:
        overrides = _Overrides(self._invalidate)
        dict.update(overrides, value or {})
        self._dependency_overrides = overrides
        self._invalidate()

    def freeze(self) -> Server:
        """Build the route table and compile every route's plan (idempotent); returns the ``Server``.

        Called on the first request or at lifespan start; call it yourself to
        surface configuration errors early (``genever routes`` does).
        """
        server = self.server
        if server is None:
            register_with_starlette()  # isinstance(request, starlette.requests.Request), when Starlette is installed
            self._app_scope.recompiling()
            for route in self.routes:
                if isinstance(route, APIRoute):
                    route.json_durations = self.json_durations
                    route.app_limits = (self.max_body_size, self.form_limits)
            custom_stack = _middleware_stack.is_replaced(self.build_middleware_stack, Genever.build_middleware_stack)
            server = self.server = build_server(
                self,
                routes=self.routes,
                overrides=self.dependency_overrides,
                app_scope=self._app_scope,
                middleware=self.user_middleware,
                mounts=self._mounts,
                state=self._lifespan_state,
                instruments=self._instruments,
                custom_stack=custom_stack,
            )
            if custom_stack:  # Starlette's protocol: the replaced method wraps the stack it gets from ours
                server.asgi_app = self.build_middleware_stack()
            self._frozen = True
        return server

    def build_middleware_stack(self) -> Any:
        """Starlette's hook: the outermost ASGI app, Starlette's ``ServerErrorMiddleware`` around
        genever's ASGI application (the app's middleware, router and exception handlers).

        genever serves its app without calling it; replace it (on the app, or in a subclass) to
        wrap that stack in ASGI middleware of your own, as opentelemetry-instrumentation-fastapi's
        ``instrument_app`` does: ``freeze()`` then serves every request through what it returns.
        """
        server = self.server if self.server is not None else self.freeze()
        return _middleware_stack.server_error_stack(server.asgi_inner, debug=self.debug)

    @property
    def middleware_stack(self) -> Any:
        """Starlette's built stack: the ASGI app requests go through once frozen (None before)."""
        return None if self.server is None else self.server.asgi_app

    @middleware_stack.setter
    def middleware_stack(self, value: Any) -> None:
        # None: rebuilt (build_middleware_stack included) on the next request; an ASGI app: served
        # from now on, around genever's own
        if value is None:
            self._invalidate()
            return
        server = self.freeze()
        server.asgi_app = value
        server.has_asgi_middleware = True

    def add_middleware(self, cls: Any, *args: Any, **kwargs: Any) -> None:
        """Add middleware around the whole app; the last added runs first (outermost), as in FastAPI.

        ``cls`` is a native middleware class (a ``genever.middleware.BaseMiddleware``
        subclass, e.g. ``CORSMiddleware``) or any ASGI middleware class.
        """
        if self._frozen:
            raise FrozenAppError("middleware cannot be added after the app has started serving")
        self.user_middleware.insert(0, Middleware(cls, *args, **kwargs))

    def middleware(self, middleware_type: str) -> Callable[[Any], Any]:
        """``@app.middleware("http")``: an ``async def f(request, call_next) -> Response`` around every request."""
        if middleware_type != "http":
            raise ConfigurationError(f"unknown middleware type {middleware_type!r}: only 'http' is supported")

        def decorator(func: Any) -> Any:
            self.add_middleware(func)
            return func

        return decorator

    def add_health_routes(
        self, *, liveness: str | None = "/healthz", readiness: str | None = "/readyz", timeout: float = 1.0
    ) -> Health:
        """Serve liveness and readiness routes; returns the ``genever.health.Health`` to register checks on."""
        return add_health_routes(self, liveness=liveness, readiness=readiness, timeout=timeout)

    def _outside_request(self, call: Callable[..., Any], label: str) -> Callable[[], Awaitable[dict[str, Any]]]:
        """What gives ``call`` (run outside any request: a readiness check) its app-scoped dependencies.

        Its signature is checked now (only ``Depends(..., scope="app")``); the values are this app's,
        overrides included, made on first use if the app has not made them yet."""
        dependant = self._app_scope.outside_request(call, label)

        async def arguments() -> dict[str, Any]:
            return await self._app_scope.arguments(dependant, self.dependency_overrides, label)

        return arguments

    def add_error_reporter(self, reporter: reporting.Reporter) -> None:
        """Call ``reporter(report: genever.reporting.ErrorReport)`` (sync or async) for every unhandled
        exception: the place for a Sentry-style client, no middleware needed."""
        self.error_reporters.append(reporter)

    def add_exception_handler(self, key: int | type[BaseException], handler: ExceptionHandler) -> None:
        if is_starlette_http_exception(key):
            # FastAPI's docs register handlers for Starlette's HTTPException to also
            # catch the framework's own 404/405: genever's HTTPException is that base.
            key = HTTPException
        self.exception_handlers[adopt_exception_class(key)] = handler

    def exception_handler(self, key: int | type[BaseException]) -> Callable[[ExceptionHandler], ExceptionHandler]:
        def decorator(func: ExceptionHandler) -> ExceptionHandler:
            self.add_exception_handler(key, func)
            return func

        return decorator

    def mount(self, path: str, app: Any, name: str | None = None) -> None:
        """Serve ``app`` (any ASGI app, or ``StaticFiles``) under ``path``; its scope gets ``root_path=path``."""
        self.routes_changed()
        path = path.rstrip("/")
        if not path.startswith("/"):
            raise ConfigurationError(f"mount path {path!r} must start with '/'")
        self._mounts.append((path, app, name))

    def url_path_for(self, name: str, /, **path_params: Any) -> str:
        """The path of the route (or mount: ``url_path_for("static", path="/a.css")``) called ``name``;
        ``"mount:name"`` is the route ``name`` inside the app mounted as ``mount`` (sqladmin's
        ``"admin:statics"``), as in Starlette."""
        mount, inside, rest = name.partition(":")
        for prefix, mounted, mount_name in self._mounts:
            if mount_name == name:
                return URLPath(prefix + "/" + str(path_params.get("path", "")).lstrip("/"))
            finder = getattr(mounted, "url_path_for", None)
            if inside and mount_name == mount and finder is not None:
                return URLPath(prefix + str(finder(rest, **path_params)))
        return super().url_path_for(name, **path_params)

    # -- lifespan --------------------------------------------------------------------------
    async def startup(self) -> dict[str, Any]:
        """Freeze the app, run startup handlers and enter ``lifespan``; returns the lifespan state."""
        server = self.freeze()
        for func in self.on_startup:
            result = func()
            if inspect.isawaitable(result):
                await result
        state: dict[str, Any] = {}
        if self.lifespan_context is not None:
            stack = contextlib.AsyncExitStack()
            value = await stack.enter_async_context(as_async_cm(self.lifespan_context(self)))
            self._lifespan_stack = stack
            if value is not None:
                if not isinstance(value, Mapping):
                    raise ConfigurationError("the lifespan context must yield None or a mapping (the state)")
                state.update(value)
        self._lifespan_state = server.state = state
        try:
            await self._app_scope.start()
        except BaseException:
            await self._app_scope.close()
            raise
        if self.gc_freeze:
            _freeze_startup_objects()
        return state

    async def shutdown(self) -> None:
        """Leave ``lifespan`` and run the shutdown handlers."""
        stack, self._lifespan_stack = self._lifespan_stack, None
        try:
            await self._app_scope.close()
        finally:
            if stack is not None:
                await stack.aclose()
        for func in self.on_shutdown:
            result = func()
            if inspect.isawaitable(result):
                await result

    # -- protocols -------------------------------------------------------------------------
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """ASGI 3 entry point."""
        server = self.server
        if server is None:
            server = self.freeze()
        scope["app"] = self  # as Starlette sets it (middleware such as slowapi's read it)
        await server.asgi_app(scope, receive, send)

    # RSGI (Granian) entry point: the adapter's function itself, one coroutine less per request
    __rsgi__ = rsgi.handle

    def __rsgi_init__(self, loop: Any) -> None:
        rsgi.startup(self, loop)

    def __rsgi_del__(self, loop: Any) -> None:
        rsgi.shutdown(self, loop)

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI document (built once, then cached)."""
        if self.openapi_schema is None:
            self.openapi_schema = get_openapi_for_app(self)
        return self.openapi_schema


FastAPI = Genever  # fastapi.applications.FastAPI, for code that imports it from there
