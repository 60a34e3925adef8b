"""``WebSocket``: the server side of a WebSocket connection, over ASGI or Granian's RSGI.

Routes declared with ``@app.websocket(path)`` receive one; its parameters
are analysed like an HTTP handler's.
"""

from __future__ import annotations

import enum
from typing import Any

import msgspec

from ._bridge import asgi_websocket_scope
from .encoders import encode_json
from .requests import _ASGIRequest


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


class RSGIWebSocket(WebSocket):
    """``WebSocket`` over Granian's RSGI protocol (same public API as the ASGI one)."""

    __slots__ = ("_proto", "_transport")

    def __init__(self, scope: Any, proto: Any, app: Any) -> None:
        super().__init__(asgi_websocket_scope(scope, root_path=app.root_path), self._rsgi_receive, self._rsgi_send, app)
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
