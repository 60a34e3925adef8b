"""``WebSocket``: the server side of a WebSocket connection (ASGI).

Routes declared with ``@app.websocket(path)`` receive one; its parameters
are analysed like an HTTP handler's.
"""

from __future__ import annotations

import enum
from typing import Any

import msgspec

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
