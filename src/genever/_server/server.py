"""``Server``: what serving a frozen app needs, protocol-independent.

Built by ``Genever.freeze()`` from the app's configuration, it owns the route
tables (HTTP and WebSocket), the mounts, the middleware chain, the exception
handlers and what runs after the response. The ASGI and RSGI adapters beside
it turn their protocol's messages into a ``Request``, call ``route`` (or
``dispatch`` when there is native middleware) and send the ``Response`` back.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import msgspec

from .._bridge import ResponseStarted
from .._compile import close_generators
from .._foreign import adopt_exception
from .._foreign_responses import adopt_response, is_foreign_response
from .._frontend import frontend_for
from .._observe import Instrument, wrap_app
from .._utils import is_coroutine_callable
from ..concurrency import run_in_threadpool
from ..encoders import jsonable_encoder
from ..exceptions import HTTPException, RequestValidationError, ValidationException, WebSocketException
from ..middleware import NativeMiddleware, chain
from ..reporting import unhandled
from ..requests import Request
from ..responses import PlainTextResponse, RedirectResponse, Response
from ..routing import BaseRoute
from ..websockets import WebSocket, WebSocketDisconnect, WebSocketState
from .table import HTTPTable, Runner, WebSocketTable

logger = logging.getLogger("genever.error")

ExceptionHandler = Callable[[Request, Any], Any]
Mount = tuple[str, Any, str | None]


class _AlreadySent(Response):
    """What a mounted ASGI app 'returns': it has answered by itself, nothing is left to send."""

    async def _send_rsgi(self, proto: Any, head_only: bool = False) -> None:
        return None

    async def _send_asgi(self, send: Any, head_only: bool = False) -> None:
        return None

    @classmethod
    def failed(cls, exc: BaseException) -> _AlreadySent:
        """Sent, then failed: the ASGI adapter re-raises ``exc`` to the server after the response."""
        response = cls()
        response.exc = exc  # type: ignore[attr-defined]
        return response


_SENT = _AlreadySent()


class ServerErrorResponse(PlainTextResponse):
    """The 500 sent for an unhandled exception; the ASGI adapter re-raises ``exc`` after sending."""

    def __init__(self, exc: BaseException) -> None:
        super().__init__("Internal Server Error", status_code=500)
        self.exc = exc


class DeferredServerError(ServerErrorResponse):
    """The 500 of an app whose ``build_middleware_stack`` was replaced: nothing is sent here and the
    ASGI adapter re-raises ``exc``, so the middleware of that stack sees the exception before its
    ``ServerErrorMiddleware`` answers (as in Starlette: opentelemetry records it on the request's span).
    The app's native middleware still see a 500."""

    async def _send_asgi(self, send: Any, head_only: bool = False) -> None:
        return None


def is_starlette_http_exception(key: Any) -> bool:
    """Starlette's ``HTTPException`` class (FastAPI's docs register handlers for it)."""
    return isinstance(key, type) and key.__name__ == "HTTPException" and key.__module__ == "starlette.exceptions"


class Server:
    """The frozen app's serving state; ``route``/``dispatch`` turn a request into a response."""

    def __init__(
        self,
        app: Any,
        *,
        routes: Sequence[BaseRoute],
        overrides: Mapping[Any, Any],
        app_scope: Any = None,
        native_middleware: Sequence[NativeMiddleware],
        mounts: Sequence[Mount],
        state: dict[str, Any],
        instruments: Sequence[Instrument] = (),
        publish_routes: bool = False,
    ) -> None:
        self.app = app
        self.http = HTTPTable(routes, overrides, app_scope, instruments, publish_to=app if publish_routes else None)
        # PERF: the two tables as attributes of their own, one lookup less per request
        self.static = self.http.static
        self.tree = self.http.tree
        self.websockets = WebSocketTable(routes, overrides, app_scope)
        self.mounts = list(mounts)
        self.state = state  # the lifespan's state, copied into each request's ``request.state``
        # no native middleware nor observability: the router is the whole pipeline
        self.route_only = not native_middleware and not instruments
        self.pipeline: Runner = chain(native_middleware, self.route) if native_middleware else self.route
        if instruments:  # observability hook: the instruments around the whole pipeline (genever._observe)
            self.pipeline = wrap_app(instruments, app, self.pipeline)
        # set by the package's build_server: the ASGI application (ASGI middleware around the adapter),
        # and what the app's __call__ and RSGI's bridge serve (the same, unless build_middleware_stack
        # was replaced: then what it returned, around asgi_inner)
        self.asgi_inner: Any = None
        self.asgi_app: Any = None
        self.has_asgi_middleware = False
        # what answers an unhandled exception: DeferredServerError under a replaced middleware stack
        self.server_error: type[ServerErrorResponse] = ServerErrorResponse
        self._handler_is_async: dict[Any, bool] = {}

    # -- HTTP --------------------------------------------------------------------------------
    async def dispatch(self, request: Request) -> Response:
        """Run ``request`` through the app's middleware and router; every exception becomes a response."""
        try:
            return await self.pipeline(request)
        except Exception as exc:
            return await self.handle_exception(request, exc)

    async def route(self, request: Request) -> Response:
        """Route ``request`` and run its plan (the innermost app-level step)."""
        try:
            path = request.path
            endpoint = self.static.get(path)
            if endpoint is None:
                match = self.tree.lookup(path)
                if match is None:
                    if self.mounts:
                        mounted = await self._serve_mount(request)
                        if mounted is not None:
                            return mounted
                    return await self._not_found(request)
                endpoint = match.value
                request.path_params = match.params
            runner = endpoint.runners.get(request.method)
            if runner is None:
                if request.method == "HEAD":
                    runner = endpoint.runners.get("GET")
                if runner is None:
                    raise HTTPException(405, headers={"Allow": endpoint.allow})
            return await runner(request)
        except Exception as exc:
            return await self.handle_exception(request, exc)

    async def _serve_mount(self, request: Request) -> Response | None:
        path = request.path
        for prefix, mounted, _ in self.mounts:
            if path == prefix or path.startswith(prefix + "/"):
                if path == prefix and self.app.redirect_slashes:  # as Starlette: /static -> /static/
                    return RedirectResponse(str(request.url.replace(path=request.root_path + path + "/")))
                relative = path[len(prefix) :] or "/"
                handle = getattr(mounted, "handle", None)
                if handle is not None:  # genever-native (StaticFiles)
                    response: Response = await handle(request, relative)
                    return response
                # Starlette >= 0.33: the full path, the mount in root_path, the app's own in app_root_path;
                # "router": url_for("mount:name") from inside the mounted app goes through this app;
                # "app": a mounted Starlette app or StaticFiles raises its 404/405 for this app's handlers
                extra = {"app": self.app, "app_root_path": request.root_path, "router": self.app}
                try:
                    await request.call_asgi(
                        mounted, root_path=request.root_path + prefix, path=request.root_path + path, extra=extra
                    )
                except ResponseStarted as failure:  # never a second response: log it, re-raise it under ASGI
                    logger.error("Exception in the app mounted at %s", prefix, exc_info=failure.exc)
                    return _AlreadySent.failed(failure.exc)
                return _SENT
        return None

    async def _serve_websocket_mount(self, websocket: WebSocket) -> bool:
        """Hand ``websocket`` to the ASGI app mounted at its path, as Starlette's ``Mount`` does
        (python-socketio's ``ASGIApp`` upgrades its connections so); False when none is."""
        path = websocket.path
        for prefix, mounted, _ in self.mounts:
            if (path == prefix or path.startswith(prefix + "/")) and getattr(mounted, "handle", None) is None:
                root = websocket.root_path
                extra = {"app_root_path": root, "router": self.app}
                try:
                    await websocket.call_asgi(mounted, root_path=root + prefix, path=root + path, extra=extra)
                except Exception:  # as a failing WebSocket route: logged here, re-raised to the adapter
                    logger.exception("Exception in the app mounted at %s (websocket %s)", prefix, path)
                    raise
                return True
        return False

    async def _not_found(self, request: Request) -> Response:
        path = request.path
        if self.app.redirect_slashes and path != "/":
            other = path[:-1] if path.endswith("/") else path + "/"
            if self.http.has(other):
                url = request.url
                return RedirectResponse(str(url.replace(path=request.root_path + other)))
        if self.http.frontends:
            runner = frontend_for(self.http.frontends, path)
            if runner is not None:
                response: Response = await runner(request)
                return response
        raise HTTPException(404)

    async def handle_exception(self, request: Request, exc: Exception) -> Response:
        """The response of the exception handler registered for ``exc`` (or a 500)."""
        handlers: Mapping[Any, ExceptionHandler] = self.app.exception_handlers  # read live, as it may change
        handler = None
        if not isinstance(exc, HTTPException | ValidationException):
            exc = adopt_exception(exc)  # FastAPI's own RequestValidationError (fastapi-filter's) as genever's
        if isinstance(exc, ValidationException):  # its endpoint_ctx names "METHOD /mount/path"
            exc._locate(request.method, request.root_path)
        if not isinstance(exc, HTTPException) and any(map(is_starlette_http_exception, type(exc).__mro__)):
            # a handler for a subclass of Starlette's HTTPException (slowapi's RateLimitExceeded) gets it as
            # it is; otherwise it is genever's HTTPException, whose handlers also take Starlette's
            for cls in itertools.takewhile(lambda c: not is_starlette_http_exception(c), type(exc).__mro__):
                handler = handlers.get(cls)
                if handler is not None:
                    break
            else:
                exc = HTTPException(exc.status_code, exc.detail, exc.headers)  # type: ignore[attr-defined]
        if isinstance(exc, HTTPException):
            handler = handlers.get(exc.status_code)
        if handler is None:
            for cls in type(exc).__mro__:
                handler = handlers.get(cls)
                if handler is not None:
                    break
        if handler is None:
            handler = handlers.get(500) or handlers.get(Exception)
            if handler is None:  # the one place unhandled exceptions go: logged once, then the error reporters
                await unhandled(self.app, request, exc)
                return self.server_error(exc)
        try:
            if self._is_async(handler):
                response = await handler(request, exc)
            else:
                response = await run_in_threadpool(handler, request, exc)
        except Exception as handler_exc:
            await unhandled(self.app, request, handler_exc, f"Exception in the exception handler for {exc!r}")
            return self.server_error(handler_exc)
        if not isinstance(response, Response) and is_foreign_response(response):
            response = adopt_response(response)  # a Starlette Response (slowapi's 429 handler): sent as it is
        if not isinstance(response, Response):
            logger.error("exception handler %r returned %r, not a Response", handler, response)
            return self.server_error(TypeError("exception handler did not return a Response"))
        return response

    def _is_async(self, handler: Any) -> bool:
        try:
            return self._handler_is_async[handler]
        except KeyError:
            is_async = self._handler_is_async[handler] = is_coroutine_callable(handler)
            return is_async
        except TypeError:  # an unhashable handler object
            return is_coroutine_callable(handler)

    async def after_response(self, request: Request, response: Response) -> None:
        """Background tasks, then the code after ``yield`` of the route's dependencies, then the
        form's files are closed."""
        try:
            if response.background is not None:
                try:
                    await response.background()
                except Exception:
                    logger.exception("background task failed after %s %s", request.method, request.path)
        finally:  # a cancelled background task still leaves the clean-up to run (shielded, see exits)
            try:
                if request._cleanup:
                    try:
                        await close_generators(request, None)
                    except Exception:
                        logger.exception("dependency clean-up failed after %s %s", request.method, request.path)
            finally:
                if request._form is not None:
                    await request._form.close()

    # -- WebSocket ---------------------------------------------------------------------------
    async def _deny(self, websocket: WebSocket, exc: HTTPException) -> None:
        """Refuse a WebSocket not yet accepted with the app's answer to ``exc`` (its handler's response),
        as FastAPI does; a server without the denial extension can only close it (its clients see 403)."""
        if not websocket.can_deny:
            await websocket.close(code=1008, reason=str(exc.detail)[:123])
            return
        await websocket.send_denial_response(await self.handle_exception(websocket, exc))

    async def serve_websocket(self, websocket: WebSocket, reraise_disconnect: bool = False) -> None:
        """Run the route; ``reraise_disconnect``: let an unhandled ``WebSocketDisconnect`` out (ASGI, as FastAPI).

        Invalid parameters close the socket with 1008 (policy violation) and the
        errors as the reason, as FastAPI does; an unknown path is refused (closed
        before accept); ``WebSocketException`` closes with its code; an ``HTTPException``
        raised before ``accept()`` refuses the socket with an HTTP response (``_deny``).
        """
        runner = self.websockets.find(websocket)
        if runner is None:
            if not (self.mounts and await self._serve_websocket_mount(websocket)):
                await websocket.close(code=1000)
            return
        try:
            await runner(websocket)
        except RequestValidationError as exc:
            reason = msgspec.json.encode(jsonable_encoder(exc.errors())).decode()
            await websocket.close(code=1008, reason=reason[:123])
        except WebSocketException as exc:
            await websocket.close(code=exc.code, reason=exc.reason)
        except HTTPException as exc:
            if websocket.application_state != WebSocketState.CONNECTING:
                logger.exception("Exception in websocket %s", websocket.path)
                if websocket.application_state != WebSocketState.DISCONNECTED:
                    await websocket.close(code=1011)
                raise
            await self._deny(websocket, exc)
        except WebSocketDisconnect:
            if reraise_disconnect:
                raise
        except Exception:
            logger.exception("Exception in websocket %s", websocket.path)
            if websocket.application_state != WebSocketState.DISCONNECTED:
                await websocket.close(code=1011)
            raise
        finally:
            if websocket._cleanup:
                await close_generators(websocket, None)
