"""An in-process RSGI test client: drives ``app.__rsgi__`` with stand-ins for
Granian's scope and protocol objects, behind an httpx transport.

It mirrors what Granian hands an app (see its RSGI spec: scope attributes,
``await proto()``, ``async for chunk in proto``, ``response_*`` calls), so the
same tests exercise both adapters. ``tests/test_server.py`` checks the real
Granian on a socket.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any
from urllib.parse import unquote

import httpx


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
        self.proto.chunks.append(data)

    async def send_str(self, data: str) -> None:
        self.proto.chunks.append(data.encode())


class FakeProto:
    def __init__(self, body: bytes) -> None:
        self.body = body
        self.status: int | None = None
        self.headers: list[tuple[str, str]] = []
        self.chunks: list[bytes] = []
        self.calls = 0
        self._unread: list[bytes] | None = None

    async def __call__(self) -> bytes:
        return self.body

    def __aiter__(self) -> Any:
        # as Granian's protocol: it is its own iterator, and iterating it a second time is an error
        if self._unread is not None:
            raise RuntimeError("RSGI protocol error: the body is iterated once")
        self._unread = [self.body] if self.body else []
        return self

    async def __anext__(self) -> bytes:
        assert self._unread is not None
        if not self._unread:
            raise StopAsyncIteration
        return self._unread.pop(0)

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
        proto = FakeProto(body)
        self.runner.run(self.app.__rsgi__(FakeScope(request), proto))
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
    def __init__(self, inbox: list[Any], outbox: list[Any]) -> None:
        self.inbox = list(inbox)
        self.outbox = outbox

    async def receive(self) -> FakeWSMessage:
        if not self.inbox:
            return FakeWSMessage(0, None)
        item = self.inbox.pop(0)
        if isinstance(item, bytes):
            return FakeWSMessage(1, item)
        return FakeWSMessage(2, item[2:])  # "s:..." is a text frame

    async def send_bytes(self, data: bytes) -> None:
        self.outbox.append(bytes(data))

    async def send_str(self, data: str) -> None:
        self.outbox.append(data)


class FakeWSProto:
    """Granian's RSGI websocket protocol: ``await accept()`` → transport; ``close(status)``."""

    def __init__(self, inbox: list[Any]) -> None:
        self.inbox = inbox
        self.outbox: list[Any] = []
        self.accepted = False

    async def accept(self) -> FakeWSTransport:
        self.accepted = True
        return FakeWSTransport(self.inbox, self.outbox)

    def close(self, status: int | None) -> tuple[int, bool]:
        self.outbox.append(("close", status))
        return (status or 1000, True)


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
