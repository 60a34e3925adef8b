"""``TestClient``: call any ASGI app in-process, with httpx's API.

The app runs on an event loop in a background thread owned by the client;
each request is converted to an ASGI scope and its messages, and the app's
messages back to an ``httpx.Response``. ``with TestClient(app) as client:``
also runs the lifespan protocol (startup on enter, shutdown on exit), on the
same loop as the requests. ``websocket_connect`` opens a WebSocket session.

It depends only on the ASGI protocol, so it tests any ASGI application.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import queue
import threading
import warnings
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any
from urllib.parse import unquote

import httpx

from .websockets import WebSocketDisconnect  # the same class the app sees, as in Starlette

ASGIApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


class _LoopThread:
    """An asyncio event loop running in a daemon thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="testclient-loop", daemon=True)
        self.thread.start()

    def run(self, coro: Awaitable[Any], timeout: float | None = None) -> Any:
        future = asyncio.run_coroutine_threadsafe(_as_coroutine(coro), self.loop)
        return future.result(timeout)

    def submit(self, coro: Awaitable[Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(_as_coroutine(coro), self.loop)

    def close(self) -> None:
        if self.loop.is_closed():
            return

        async def shutdown() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.loop.shutdown_asyncgens()

        with contextlib.suppress(Exception):
            self.run(shutdown(), timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


async def _as_coroutine(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


class _Transport(httpx.BaseTransport):
    def __init__(self, client: TestClient) -> None:
        self.client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response: httpx.Response = self.client._loop().run(self._handle(request))
        return response

    async def _handle(self, request: httpx.Request) -> httpx.Response:
        client = self.client
        scope = client._scope("http", request)
        scope["method"] = request.method
        body = request.read()
        sent_body = False
        response_complete = asyncio.Event()
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": body, "more_body": False}
            await response_complete.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                if request.method != "HEAD":
                    chunks.append(bytes(message.get("body", b"")))
                if not message.get("more_body", False):
                    response_complete.set()

        try:
            await client.app(scope, receive, send)
        except BaseException:
            response_complete.set()
            if client.raise_server_exceptions:
                raise
            if not start:
                return httpx.Response(500, headers={"content-type": "text/plain"}, content=b"", request=request)
        response_complete.set()
        if not start:
            raise RuntimeError("the app returned without sending a response")
        headers = [(bytes(k), bytes(v)) for k, v in start.get("headers", [])]
        return httpx.Response(start["status"], headers=headers, content=b"".join(chunks), request=request)


def _denial_bases() -> tuple[type, ...]:
    """Starlette's ``WebSocketDenialResponse`` as a base too, when Starlette is installed: tests written
    for FastAPI catch that class (``pytest.raises(starlette.testclient.WebSocketDenialResponse)``)."""
    try:
        with warnings.catch_warnings():  # its import warns about the httpx it prefers
            warnings.simplefilter("ignore")
            from starlette.testclient import WebSocketDenialResponse as StarletteDenial
    except ImportError:
        return (httpx.Response, WebSocketDisconnect)
    return (StarletteDenial, WebSocketDisconnect)


class WebSocketDenialResponse(*_denial_bases()):  # type: ignore[misc]
    """The HTTP response an app refused a WebSocket with (before ``accept()``): raised by
    ``websocket_connect``; it is an ``httpx.Response`` (``status_code``, ``headers``, ``json()``)."""


class WebSocketTestSession:
    """The client side of a WebSocket opened with ``TestClient.websocket_connect``."""

    def __init__(self, client: TestClient, scope: dict[str, Any]) -> None:
        self._client = client
        self._scope = scope
        self._to_app: asyncio.Queue[dict[str, Any]] | None = None
        self._from_app: queue.Queue[dict[str, Any] | BaseException] = queue.Queue()
        self._future: Any = None
        self.accepted_subprotocol: str | None = None
        self.extra_headers: list[tuple[bytes, bytes]] = []

    def __enter__(self) -> WebSocketTestSession:
        loop = self._client._loop()

        async def make_queue() -> asyncio.Queue[dict[str, Any]]:
            return asyncio.Queue()

        self._to_app = loop.run(make_queue())
        self._put({"type": "websocket.connect"})
        self._future = loop.submit(self._run())
        message = self._get()
        if message["type"] == "websocket.close":
            raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
        if message["type"] == "websocket.http.response.start":
            raise self._denial(message)
        if message["type"] != "websocket.accept":
            raise RuntimeError(f"expected websocket.accept, got {message['type']}")
        self.accepted_subprotocol = message.get("subprotocol")
        self.extra_headers = message.get("headers") or []
        return self

    def _denial(self, start: dict[str, Any]) -> WebSocketDenialResponse:
        body = b""
        while True:
            message = self._get()
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        with contextlib.suppress(Exception):  # what the app raised after refusing (nothing, usually)
            self._future.result(timeout=10)
        self._future = None
        return WebSocketDenialResponse(start["status"], headers=start.get("headers") or [], content=body)

    def __exit__(self, exc_type: Any, *args: Any) -> None:
        with contextlib.suppress(Exception):
            self.close(1000)
        if self._future is None:
            return
        if exc_type is not None:  # the test's own exception wins
            with contextlib.suppress(Exception):
                self._future.result(timeout=10)
            return
        # what the app raised (a WebSocketDisconnect it did not catch included) reaches the test, as in Starlette
        self._future.result(timeout=10)

    async def _run(self) -> None:
        assert self._to_app is not None
        to_app = self._to_app

        async def receive() -> dict[str, Any]:
            return await to_app.get()

        async def send(message: dict[str, Any]) -> None:
            self._from_app.put(message)

        try:
            await self._client.app(self._scope, receive, send)
        except BaseException as exc:
            self._from_app.put(exc)
            raise
        self._from_app.put({"type": "websocket.close", "code": 1000, "reason": ""})

    def _put(self, message: dict[str, Any]) -> None:
        assert self._to_app is not None
        loop = self._client._loop().loop
        loop.call_soon_threadsafe(self._to_app.put_nowait, message)

    def _get(self) -> dict[str, Any]:
        item = self._from_app.get(timeout=30)
        if isinstance(item, BaseException):
            raise item
        return item

    def send(self, message: dict[str, Any]) -> None:
        self._put(message)

    def send_text(self, data: str) -> None:
        self._put({"type": "websocket.receive", "text": data})

    def send_bytes(self, data: bytes) -> None:
        self._put({"type": "websocket.receive", "bytes": data})

    def send_json(self, data: Any, mode: str = "text") -> None:
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        if mode == "text":
            self.send_text(text)
        else:
            self.send_bytes(text.encode())

    def close(self, code: int = 1000, reason: str | None = None) -> None:
        self._put({"type": "websocket.disconnect", "code": code, "reason": reason or ""})

    def receive(self) -> dict[str, Any]:
        message = self._get()
        if message["type"] == "websocket.close":
            raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
        if message["type"] == "websocket.http.response.start":
            raise self._denial(message)
        return message

    def receive_text(self) -> str:
        return str(self.receive()["text"])

    def receive_bytes(self) -> bytes:
        return bytes(self.receive()["bytes"])

    def receive_json(self, mode: str = "text") -> Any:
        message = self.receive()
        data = message["text"] if mode == "text" else message["bytes"]
        return json.loads(data)


class TestClient(httpx.Client):
    """An httpx client whose requests are served by ``app`` in-process."""

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        app: Any,
        base_url: str = "http://testserver",
        raise_server_exceptions: bool = True,
        root_path: str = "",
        headers: Mapping[str, str] | None = None,
        cookies: Any = None,
        follow_redirects: bool = True,
        client: tuple[str, int] = ("testclient", 50000),
    ) -> None:
        self.app: ASGIApp = app
        self.raise_server_exceptions = raise_server_exceptions
        self.root_path = root_path
        self.client_address = client
        self._thread: _LoopThread | None = None
        self._lifespan: Any = None
        self._lifespan_receive: asyncio.Queue[dict[str, Any]] | None = None
        self._lifespan_send: queue.Queue[dict[str, Any]] = queue.Queue()
        self.lifespan_state: dict[str, Any] = {}
        super().__init__(
            base_url=base_url,
            headers={"user-agent": "testclient", **(headers or {})},
            cookies=cookies,
            follow_redirects=follow_redirects,
            transport=_Transport(self),
        )

    # -- plumbing ----------------------------------------------------------------------------
    def _loop(self) -> _LoopThread:
        if self._thread is None:
            self._thread = _LoopThread()
        return self._thread

    def _scope(self, kind: str, request: httpx.Request) -> dict[str, Any]:
        url = request.url
        raw_path = url.raw_path.split(b"?", 1)[0]
        host = url.host
        port = url.port or (443 if url.scheme in ("https", "wss") else 80)
        headers = [(k.lower(), v) for k, v in request.headers.raw]
        if not any(k == b"host" for k, _ in headers):
            headers.insert(0, (b"host", url.netloc))
        scope: dict[str, Any] = {
            "type": kind,
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "scheme": url.scheme,
            "server": (host, port),
            "client": self.client_address,
            "root_path": self.root_path,
            "path": unquote(raw_path.decode("latin-1")),
            "raw_path": raw_path,
            "query_string": url.query,
            "headers": headers,
            "state": dict(self.lifespan_state),
            "extensions": {},
        }
        return scope

    # -- lifespan ----------------------------------------------------------------------------
    def __enter__(self) -> TestClient:
        loop = self._loop()

        async def make_queue() -> asyncio.Queue[dict[str, Any]]:
            return asyncio.Queue()

        self._lifespan_receive = loop.run(make_queue())
        self._lifespan = loop.submit(self._run_lifespan())
        self._lifespan_put({"type": "lifespan.startup"})
        message = self._lifespan_wait(tolerate_errors=True)
        if message is None:  # the app does not speak lifespan
            return self
        if message["type"] == "lifespan.startup.failed":
            raise RuntimeError(f"application startup failed: {message.get('message', '')}")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        if self._lifespan is not None and not self._lifespan.done():
            self._lifespan_put({"type": "lifespan.shutdown"})
            message = self._lifespan_wait()
            if message is not None and message["type"] == "lifespan.shutdown.failed":
                self._stop_loop()
                raise RuntimeError(f"application shutdown failed: {message.get('message', '')}")
        # the client stays usable (another ``with client:`` runs lifespan again), as Starlette's does
        self._lifespan = None
        self._stop_loop()

    async def _run_lifespan(self) -> None:
        assert self._lifespan_receive is not None
        inbox = self._lifespan_receive
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": self.lifespan_state}

        async def receive() -> dict[str, Any]:
            return await inbox.get()

        async def send(message: dict[str, Any]) -> None:
            self._lifespan_send.put(message)

        try:
            await self.app(scope, receive, send)
        except BaseException as exc:
            self._lifespan_send.put({"type": "__error__", "error": exc})
            return
        self._lifespan_send.put({"type": "__done__"})

    def _lifespan_put(self, message: dict[str, Any]) -> None:
        assert self._lifespan_receive is not None
        self._loop().loop.call_soon_threadsafe(self._lifespan_receive.put_nowait, message)

    def _lifespan_wait(self, *, tolerate_errors: bool = False) -> dict[str, Any] | None:
        message = self._lifespan_send.get(timeout=60)
        if message["type"] == "__error__":
            if tolerate_errors:  # an app that rejects the lifespan scope is served without it
                return None
            raise message["error"]
        if message["type"] == "__done__":
            return None
        return message

    # -- websockets --------------------------------------------------------------------------
    def websocket_connect(
        self, url: str, subprotocols: list[str] | None = None, headers: Mapping[str, str] | None = None
    ) -> WebSocketTestSession:
        request = self.build_request("GET", url, headers=headers)
        scheme = "wss" if request.url.scheme == "https" else "ws"
        request.url = request.url.copy_with(scheme=scheme)
        scope = self._scope("websocket", request)
        scope["extensions"] = {"websocket.http.response": {}}  # the app may refuse with an HTTP response
        scope["subprotocols"] = list(subprotocols or [])
        return WebSocketTestSession(self, scope)

    def close(self) -> None:
        super().close()
        self._stop_loop()

    def _stop_loop(self) -> None:
        if self._thread is not None:
            self._thread.close()
            self._thread = None
