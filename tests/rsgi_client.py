"""An in-process RSGI test client: drives ``app.__rsgi__`` with stand-ins for
Granian's scope and protocol objects, behind an httpx transport.

It mirrors what Granian hands an app (see its RSGI spec: scope attributes,
``await proto()``, ``async for chunk in proto``, ``response_*`` calls), so the
same tests exercise both adapters. It is as strict as Granian (2.8): the body
is handed over once (one ``await proto()`` or one ``__aiter__``, which returns
the protocol itself; a second read raises ``ProtocolError``), a streamed body
ends with one empty chunk, a body that cannot be read is reported as Granian
reports it, and a transport refuses sends once it is closed.
``tests/test_server.py`` checks the real Granian on a socket.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any
from urllib.parse import unquote

import httpx
from granian.rsgi import ProtocolClosed, ProtocolError


class FakeHeaders:
    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._items = [(k.lower(), v) for k, v in items]

    def get(self, key: str, default: Any = None) -> Any:
        for k, v in self._items:
            if k == key:
                return v
        return default

    def get_all(self, key: str) -> list[str]:
        return [v for k, v in self._items if k == key]

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)

    def keys(self) -> list[str]:
        return [k for k, _ in self._items]

    def values(self) -> list[str]:
        return [v for _, v in self._items]

    def __contains__(self, key: str) -> bool:
        return any(k == key for k, _ in self._items)


class FakeScope:
    def __init__(self, request: httpx.Request) -> None:
        self.proto = "http"
        self.http_version = "1.1"
        self.rsgi_version = "1.5"
        self.server = "testserver:80"
        self.client = "127.0.0.1:50000"
        self.scheme = request.url.scheme
        self.method = request.method
        self.path = unquote(request.url.raw_path.split(b"?")[0].decode("latin-1"))
        self.query_string = request.url.query.decode("latin-1")
        self.authority = None
        self.headers = FakeHeaders([(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw])


class FakeStream:
    def __init__(self, proto: FakeProto) -> None:
        self.proto = proto

    async def send_bytes(self, data: bytes) -> None:
        if self.proto.closed:
            raise ProtocolClosed("RSGI transport is closed")
        self.proto.chunks.append(bytes(data))

    async def send_str(self, data: str) -> None:
        if self.proto.closed:
            raise ProtocolClosed("RSGI transport is closed")
        self.proto.chunks.append(data.encode())


class FakeProto:
    """Granian's HTTP protocol object. ``broken=True``: the body cannot be read (as a
    malformed chunked body or a client gone before its Content-Length): ``await proto()``
    raises ``ProtocolClosed`` and the stream yields what arrived, an empty chunk for the
    error, then the final empty chunk, which is what Granian does."""

    CHUNK = 64 * 1024

    def __init__(self, body: bytes, broken: bool = False) -> None:
        self.body = body
        self.broken = broken
        self.status: int | None = None
        self.headers: list[tuple[str, str]] = []
        self.chunks: list[bytes] = []
        self.calls = 0
        self.body_taken = False
        self.closed = False
        self._pending: list[bytes] | None = None

    def _take_body(self) -> None:
        if self.body_taken:
            raise ProtocolError("RSGI protocol error")
        self.body_taken = True

    async def __call__(self) -> bytes:
        self._take_body()
        if self.broken:
            raise ProtocolClosed("RSGI transport is closed")
        return self.body

    def __aiter__(self) -> FakeProto:
        self._take_body()
        body = self.body
        pending = [body[i : i + self.CHUNK] for i in range(0, len(body), self.CHUNK)]
        if self.broken:
            pending.append(b"")
        pending.append(b"")
        self._pending = pending
        return self

    async def __anext__(self) -> bytes:
        if not self._pending:
            raise StopAsyncIteration
        return self._pending.pop(0)

    async def client_disconnect(self) -> None:
        await asyncio.Event().wait()

    def _start(self, status: int, headers: list[tuple[str, str]]) -> None:
        if self.calls:
            raise RuntimeError("RSGI response started twice")
        self.calls += 1
        self.status = status
        self.headers = list(headers)

    def response_empty(self, status: int, headers: list[tuple[str, str]]) -> None:
        self._start(status, headers)

    def response_str(self, status: int, headers: list[tuple[str, str]], body: str) -> None:
        self._start(status, headers)
        self.chunks.append(body.encode())

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self._start(status, headers)
        self.chunks.append(bytes(body))

    def response_file(self, status: int, headers: list[tuple[str, str]], file: str) -> None:
        self._start(status, headers)
        with open(file, "rb") as f:
            self.chunks.append(f.read())

    def response_file_range(
        self, status: int, headers: list[tuple[str, str]], file: str, start: int, end: int
    ) -> None:
        self._start(status, headers)
        with open(file, "rb") as f:
            f.seek(start)
            self.chunks.append(f.read(end - start))

    def response_stream(self, status: int, headers: list[tuple[str, str]]) -> FakeStream:
        self._start(status, headers)
        return FakeStream(self)


class _Loop:
    """One event loop in a thread, shared by every request of a client."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=30)

    def close(self) -> None:
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()


class RSGITransport(httpx.BaseTransport):
    def __init__(self, app: Any, runner: _Loop) -> None:
        self.app = app
        self.runner = runner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        proto = FakeProto(body, broken=request.extensions.get("rsgi_broken_body", False))
        try:
            self.runner.run(self.app.__rsgi__(FakeScope(request), proto))
        finally:
            proto.closed = True  # the request is over: its stream transport refuses sends
        if proto.status is None:
            raise RuntimeError("the app did not answer")
        return httpx.Response(
            proto.status,
            headers=[(k.encode(), v.encode()) for k, v in proto.headers],
            content=b"".join(proto.chunks),
            request=request,
        )


class RSGITestClient(httpx.Client):
    """``RSGITestClient(app)``: like ``TestClient`` but through the RSGI adapter."""

    def __init__(self, app: Any, base_url: str = "http://testserver", **kwargs: Any) -> None:
        kwargs.pop("raise_server_exceptions", None)
        kwargs["headers"] = {"user-agent": "testclient", **(kwargs.get("headers") or {})}  # as TestClient
        self._runner = _Loop()
        self.app = app
        super().__init__(
            transport=RSGITransport(app, self._runner), base_url=base_url, **{"follow_redirects": True, **kwargs}
        )

    def __enter__(self) -> RSGITestClient:
        self.app.__rsgi_init__(_ProxyLoop(self._runner))
        return self

    def __exit__(self, *args: Any) -> None:
        self.app.__rsgi_del__(_ProxyLoop(self._runner))
        self.close()

    def close(self) -> None:
        super().close()
        self._runner.close()


class _ProxyLoop:
    """What ``__rsgi_init__`` gets: only ``run_until_complete`` is used."""

    def __init__(self, runner: _Loop) -> None:
        self.runner = runner

    def run_until_complete(self, coro: Any) -> Any:
        return self.runner.run(coro)


class FakeWSMessage:
    def __init__(self, kind: int, data: Any) -> None:
        self.kind = kind
        self.data = data


class FakeWSTransport:
    """What ``accept()`` returns. As Granian's: once the client's close was received a
    further ``receive`` raises ``ProtocolClosed``; once the app closed, sends raise."""

    def __init__(self, proto: FakeWSProto) -> None:
        self.proto = proto
        self.inbox = list(proto.inbox)
        self.outbox = proto.outbox
        self.client_closed = False

    async def receive(self) -> FakeWSMessage:
        if self.client_closed or self.proto.closed:
            raise ProtocolClosed("RSGI transport is closed")
        if not self.inbox:
            self.client_closed = True
            return FakeWSMessage(0, None)
        item = self.inbox.pop(0)
        if isinstance(item, bytes):
            return FakeWSMessage(1, item)
        return FakeWSMessage(2, item[2:])  # "s:..." is a text frame

    async def send_bytes(self, data: bytes) -> None:
        if self.proto.closed:
            raise ProtocolError("RSGI protocol error")
        self.outbox.append(bytes(data))

    async def send_str(self, data: str) -> None:
        if self.proto.closed:
            raise ProtocolError("RSGI protocol error")
        self.outbox.append(data)


class FakeWSProto:
    """Granian's RSGI websocket protocol: ``await accept()`` → transport; ``close(status)``
    ends the connection (the app must call it, or the socket stays open)."""

    def __init__(self, inbox: list[Any]) -> None:
        self.inbox = inbox
        self.outbox: list[Any] = []
        self.accepted = False
        self.closed = False

    async def accept(self) -> FakeWSTransport:
        if self.accepted or self.closed:
            raise ProtocolError("RSGI protocol error")
        self.accepted = True
        return FakeWSTransport(self)

    def close(self, status: int | None = None) -> None:
        if not self.closed:
            self.closed = True
            self.outbox.append(("close", status))


def _websocket_run(
    self: RSGITestClient, path: str, inbox: list[Any], headers: dict[str, str] | None = None
) -> list[Any]:
    """Open a websocket on ``path``, feed it ``inbox`` frames ("s:text" or bytes), return what the app sent."""
    request = httpx.Request("GET", "http://testserver" + path, headers=headers)
    scope = FakeScope(request)
    scope.proto = "websocket"
    proto = FakeWSProto(inbox)
    self._runner.run(self.app.__rsgi__(scope, proto))
    return proto.outbox


RSGITestClient.websocket_run = _websocket_run  # type: ignore[attr-defined]
