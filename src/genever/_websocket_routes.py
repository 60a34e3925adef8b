"""WebSocket routes: ``@app.websocket(path)`` on ASGI and on Granian's RSGI.

A WebSocket endpoint's parameters (path, query, header, cookie, ``Depends``,
the ``WebSocket`` itself) are analysed like an HTTP handler's and compiled
into the same kind of flat plan. Invalid parameters close the socket with
1008 (policy violation) and the errors as the reason, as FastAPI does; an
unknown path is refused (closed before accept); ``WebSocketException``
closes with its code.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from . import _compile
from ._analysis import get_dependant
from ._foreign import adopt
from ._router import Tree
from .encoders import jsonable_encoder
from .exceptions import ConfigurationError, RequestValidationError, WebSocketException
from .params import Depends, Security
from .routing import BaseRoute
from .websockets import WebSocket, WebSocketDisconnect, WebSocketState

if TYPE_CHECKING:
    from .applications import Genever

logger = logging.getLogger("genever.error")


class APIWebSocketRoute(BaseRoute):
    """A WebSocket endpoint at ``path``."""

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        name: str | None = None,
        dependencies: Sequence[Depends] | None = None,
    ) -> None:
        # a path without "/" ("" in a router, as its HTTP routes allow) gets its prefix from include_router;
        # the app refuses it if it is served as it is
        self.path = path
        self.endpoint = endpoint
        self.name = name or str(getattr(endpoint, "__name__", type(endpoint).__name__))
        self.dependencies = [adopt(d) for d in dependencies or ()]
        self.include_in_schema = False
        self.label = f"WEBSOCKET {path}"
        self.dependant = get_dependant(path=path, call=endpoint, route=self.label)
        for depends in reversed(self.dependencies):
            if depends.dependency is None:
                raise ConfigurationError(f"{self.label}: dependencies=[Depends()] needs a callable")
            sub = get_dependant(
                path=path,
                call=depends.dependency,
                route=self.label,
                security_scopes=getattr(depends, "scopes", None),
                use_cache=depends.use_cache,
            )
            sub.is_security = isinstance(depends, Security)
            sub.scope = depends.scope
            self.dependant.dependencies.insert(0, sub)

    def with_prefix(self, prefix: str, dependencies: Sequence[Depends] = ()) -> APIWebSocketRoute:
        """This route under ``prefix`` with extra dependencies first (for ``include_router``)."""
        return APIWebSocketRoute(
            prefix + self.path, self.endpoint, name=self.name, dependencies=[*dependencies, *self.dependencies]
        )

    def compile(self, overrides: Any) -> Callable[[Any], Any]:
        nodes: list[Any] = []
        _compile._flatten(self.dependant, nodes, overrides, self.label)
        return _compile._plan_runner(tuple(nodes), None, _no_response)

    def __repr__(self) -> str:
        return f"APIWebSocketRoute(path={self.path!r}, name={self.name!r})"


def _no_response(request: Any, result: Any) -> Any:
    return None


class WebSocketTable:
    """The compiled WebSocket routes of an app."""

    def __init__(self, app: Genever) -> None:
        self.static: dict[str, Callable[[Any], Any]] = {}
        self.tree: Tree[Callable[[Any], Any]] = Tree()
        for route in app.routes:
            if isinstance(route, APIWebSocketRoute):
                if not route.path.startswith("/"):
                    raise ConfigurationError(f"{route.label}: a served route's path must start with '/'")
                runner = route.compile(app.dependency_overrides)
                self.tree.add(route.path, runner)
                if "{" not in route.path:
                    self.static[route.path] = runner

    def find(self, websocket: WebSocket) -> Callable[[Any], Any] | None:
        runner = self.static.get(websocket.path)
        if runner is not None:
            return runner
        match = self.tree.lookup(websocket.path)
        if match is None:
            return None
        websocket.path_params = match.params
        return match.value


async def _serve(app: Genever, websocket: WebSocket, reraise_disconnect: bool = False) -> None:
    """Run the route; ``reraise_disconnect``: let an unhandled ``WebSocketDisconnect`` out (ASGI, as FastAPI)."""
    if not app._compiled:
        app.freeze()
    runner = app._websockets.find(websocket)
    if runner is None:
        await websocket.close(code=1000)
        return
    try:
        await runner(websocket)
    except RequestValidationError as exc:
        reason = msgspec.json.encode(jsonable_encoder(exc.errors())).decode()
        await websocket.close(code=1008, reason=reason[:123])
    except WebSocketException as exc:
        await websocket.close(code=exc.code, reason=exc.reason)
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
            await _compile.close_generators(websocket, None)


async def handle_asgi_websocket(app: Genever, scope: dict[str, Any], receive: Any, send: Any) -> None:
    # An endpoint that does not catch WebSocketDisconnect raises it to the ASGI server, as
    # FastAPI's do (so a test client sees it); Granian (RSGI) is spared it.
    await _serve(app, WebSocket(scope, receive, send, app), reraise_disconnect=True)


async def handle_rsgi_websocket(app: Genever, scope: Any, proto: Any) -> None:
    websocket = RSGIWebSocket(scope, proto, app)
    try:
        await _serve(app, websocket)
    except Exception:
        return  # already logged; Granian has nothing to do with it


class RSGIWebSocket(WebSocket):
    """``WebSocket`` over Granian's RSGI protocol (same public API as the ASGI one)."""

    __slots__ = ("_proto", "_transport")

    def __init__(self, scope: Any, proto: Any, app: Any) -> None:
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in scope.headers.items()]
        asgi_scope = {
            "type": "websocket",
            "path": scope.path,
            "query_string": scope.query_string.encode("latin-1"),
            "headers": headers,
            "scheme": "wss" if scope.scheme == "https" else "ws",
            "root_path": app.root_path,
        }
        super().__init__(asgi_scope, self._rsgi_receive, self._rsgi_send, app)
        self._proto = proto
        self._transport: Any = None
        self.client_state = WebSocketState.CONNECTED  # RSGI has no connect message

    async def accept(self, subprotocol: str | None = None, headers: list[tuple[bytes, bytes]] | None = None) -> None:
        self._transport = await self._proto.accept()
        self.application_state = WebSocketState.CONNECTED

    async def _rsgi_receive(self) -> dict[str, Any]:
        message = await self._transport.receive()
        kind = int(message.kind)
        if kind == 0:
            return {"type": "websocket.disconnect", "code": 1000}
        if kind == 1:
            return {"type": "websocket.receive", "bytes": message.data}
        return {"type": "websocket.receive", "text": message.data}

    async def _rsgi_send(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "websocket.send":
            if message.get("text") is not None:
                await self._transport.send_str(message["text"])
            else:
                await self._transport.send_bytes(message.get("bytes") or b"")
        elif kind == "websocket.close":
            self._proto.close(message.get("code", 1000) if self._transport is not None else 403)
        elif kind == "websocket.accept" and self._transport is None:
            self._transport = await self._proto.accept()
