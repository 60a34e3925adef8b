"""``WebSocket``: the server side of a WebSocket connection, over ASGI or Granian's RSGI.

Routes declared with ``@app.websocket(path)`` receive one; its parameters
are analysed like an HTTP handler's.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any

import msgspec

from ._bridge import asgi_websocket_scope
from .encoders import encode_json
from .requests import _ASGIRequest

if TYPE_CHECKING:
    from .responses import Response

DENIAL_EXTENSION = "websocket.http.response"
"""The ASGI extension that lets an app refuse a WebSocket with an HTTP response."""


class WebSocketState(enum.Enum):
    CONNECTING = 0
    CONNECTED = 1
    DISCONNECTED = 2


class WebSocketDisconnect(Exception):
    def __init__(self, code: int = 1000, reason: str | None = None) -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason or ""


class WebSocket(_ASGIRequest):
    """An accepted or pending WebSocket; mirrors Starlette's API."""

    __slots__ = ("application_state", "client_state")

    def __init__(self, scope: dict[str, Any], receive: Any, send: Any, app: Any) -> None:
        scope.setdefault("method", "GET")
        super().__init__(scope, receive, send, app)
        self.client_state = WebSocketState.CONNECTING
        self.application_state = WebSocketState.CONNECTING

    async def receive(self) -> dict[str, Any]:
        message: dict[str, Any] = await self._receive()
        kind = message["type"]
        if kind == "websocket.connect":
            self.client_state = WebSocketState.CONNECTED
        elif kind == "websocket.disconnect":
            self.client_state = WebSocketState.DISCONNECTED
        return message

    async def send(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "websocket.accept":
            self.application_state = WebSocketState.CONNECTED
        elif kind == "websocket.close":
            self.application_state = WebSocketState.DISCONNECTED
        await self._send(message)

    async def accept(self, subprotocol: str | None = None, headers: list[tuple[bytes, bytes]] | None = None) -> None:
        if self.client_state == WebSocketState.CONNECTING:
            await self.receive()
        await self.send({"type": "websocket.accept", "subprotocol": subprotocol, "headers": headers or []})

    async def _receive_data(self) -> dict[str, Any]:
        message = await self.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
        return message

    async def receive_text(self) -> str:
        message = await self._receive_data()
        return str(message.get("text") or "")

    async def receive_bytes(self) -> bytes:
        message = await self._receive_data()
        return bytes(message.get("bytes") or b"")

    async def receive_json(self, mode: str = "text") -> Any:
        message = await self._receive_data()
        data = message.get("text") if mode == "text" else message.get("bytes")
        return msgspec.json.decode(data or b"")

    async def iter_text(self) -> Any:
        try:
            while True:
                yield await self.receive_text()
        except WebSocketDisconnect:
            pass

    async def send_text(self, data: str) -> None:
        await self.send({"type": "websocket.send", "text": data})

    async def send_bytes(self, data: bytes) -> None:
        await self.send({"type": "websocket.send", "bytes": data})

    async def send_json(self, data: Any, mode: str = "text") -> None:
        encoded = encode_json(data)
        if mode == "text":
            await self.send_text(encoded.decode())
        else:
            await self.send_bytes(encoded)

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        await self.send({"type": "websocket.close", "code": code, "reason": reason or ""})

    async def call_asgi(self, app: Any, *, root_path: str, path: str, extra: dict[str, Any] | None = None) -> None:
        """Hand this connection, not yet accepted, to the ASGI ``app`` (a mounted app), which serves
        it by itself; ``extra`` goes into its scope."""
        scope = dict(self.scope, app=self.app, root_path=root_path, path=path)
        if extra:
            scope.update(extra)
        await app(scope, self._receive, self._send)

    @property
    def can_deny(self) -> bool:
        """Whether the server can refuse this WebSocket with an HTTP response (``send_denial_response``)."""
        return DENIAL_EXTENSION in (self.scope.get("extensions") or {})

    async def send_denial_response(self, response: Response) -> None:
        """Refuse the WebSocket (before ``accept()``) with an HTTP ``response``, as Starlette's.

        Under ASGI the server must offer the ``websocket.http.response`` extension
        (uvicorn does); an ``HTTPException`` raised before ``accept()`` is answered this way.
        """
        if self.application_state != WebSocketState.CONNECTING:
            raise RuntimeError("a denial response can only be sent before the WebSocket is accepted")
        if not self.can_deny:
            raise RuntimeError(f"the ASGI server does not offer the {DENIAL_EXTENSION!r} extension")
        if response._needs_request:
            response._prepare(self)
        send = self._send

        async def send_as_denial(message: dict[str, Any]) -> None:
            await send({**message, "type": "websocket." + message["type"]})

        self.application_state = WebSocketState.DISCONNECTED
        await response._send_asgi(send_as_denial)


# uvicorn's default (``--ws-max-size``); Granian itself refuses a frame past 16 MiB and a
# message past 64 MiB, so this bounds a fragmented message between the two
MAX_MESSAGE_SIZE = 16 * 1024 * 1024


class RSGIWebSocket(WebSocket):
    """``WebSocket`` over Granian's RSGI protocol (same public API as the ASGI one).

    Granian closes the connection when the app calls ``proto.close()``: it is called when
    the endpoint finishes, whatever happened (and the references to Granian's objects
    dropped, which the bound methods given to ``WebSocket`` would otherwise keep in a
    cycle until the garbage collector ran). A transport that fails (the client went
    away, a bad frame) reads as a disconnect (1006), not as an error.
    """

    __slots__ = ("_closed", "_proto", "_transport")

    _in_anyio_scope = False  # Granian's own task

    def __init__(self, scope: Any, proto: Any, app: Any) -> None:
        super().__init__(asgi_websocket_scope(scope, root_path=app.root_path), self._rsgi_receive, self._rsgi_send, app)
        self._proto = proto
        self._transport: Any = None
        self._closed = False
        self.client_state = WebSocketState.CONNECTED  # RSGI has no connect message

    async def accept(self, subprotocol: str | None = None, headers: list[tuple[bytes, bytes]] | None = None) -> None:
        self._transport = await self._proto.accept()
        self.application_state = WebSocketState.CONNECTED

    async def call_asgi(self, app: Any, *, root_path: str, path: str, extra: dict[str, Any] | None = None) -> None:
        connected = False

        async def receive() -> dict[str, Any]:  # RSGI has no connect message: an ASGI app expects one first
            nonlocal connected
            if not connected:
                connected = True
                return {"type": "websocket.connect"}
            if self._transport is None:  # read before accepting: nothing can come but the end
                return {"type": "websocket.disconnect", "code": 1006 if self._closed else 1000}
            return await self._rsgi_receive()

        scope = dict(self.scope, app=self.app, root_path=root_path, path=path)
        if extra:
            scope.update(extra)
        await app(scope, receive, self._rsgi_send)

    @property
    def can_deny(self) -> bool:
        return True  # Granian answers a WebSocket closed before accept with the status given

    async def send_denial_response(self, response: Response) -> None:
        """Refuse the WebSocket with ``response``'s status: all Granian's RSGI can send (no headers, no body)."""
        if self.application_state != WebSocketState.CONNECTING or self._transport is not None:
            raise RuntimeError("a denial response can only be sent before the WebSocket is accepted")
        self.application_state = WebSocketState.DISCONNECTED
        self._close(response.status_code)

    def _close(self, code: int) -> None:
        if not self._closed:
            self._closed = True
            self._proto.close(code)

    def _finish(self) -> None:
        self._close(1000 if self._transport is not None else 403)
        self._transport = self._proto = self._receive = self._send = None

    async def _rsgi_receive(self) -> dict[str, Any]:
        try:
            message = await self._transport.receive()
        except RuntimeError:  # Granian's ProtocolClosed/ProtocolError: the connection is gone
            self._close(1006)
            return {"type": "websocket.disconnect", "code": 1006}
        kind = int(message.kind)
        if kind == 0:
            self._close(1000)
            return {"type": "websocket.disconnect", "code": 1000}
        data = message.data
        if len(data) > MAX_MESSAGE_SIZE:
            self._close(1009)
            return {"type": "websocket.disconnect", "code": 1009}
        if kind == 1:
            return {"type": "websocket.receive", "bytes": data}
        return {"type": "websocket.receive", "text": data}

    async def _rsgi_send(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "websocket.send":
            try:
                if message.get("text") is not None:
                    await self._transport.send_str(message["text"])
                else:
                    await self._transport.send_bytes(message.get("bytes") or b"")
            except RuntimeError:  # the connection is gone (or closed): as Starlette, a disconnect
                raise WebSocketDisconnect(1006) from None
        elif kind == "websocket.close":
            self._close(message.get("code", 1000) if self._transport is not None else 403)
        elif kind == "websocket.accept" and self._transport is None:
            self._transport = await self._proto.accept()
