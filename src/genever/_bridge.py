"""RSGI → ASGI: an RSGI scope as an ASGI scope dict (``Request.scope`` under Granian, a
WebSocket over RSGI), and an ASGI application (ASGI middleware, a mounted app) served
from an RSGI request.

Used only when something needs ASGI; plain genever routes never go through here.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ._utils import decode_headers, encode_headers


def asgi_http_scope(scope: Any, *, root_path: str = "", path: str | None = None) -> dict[str, Any]:
    """The ASGI HTTP scope equivalent to an RSGI scope."""
    server_host, _, server_port = (scope.server or "").rpartition(":")
    client_host, _, client_port = (scope.client or "").rpartition(":")
    full_path = scope.path if path is None else path
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": scope.http_version,
        "method": scope.method,
        "scheme": scope.scheme,
        "path": full_path,
        "raw_path": full_path.encode("utf-8"),
        "query_string": scope.query_string.encode("latin-1"),
        "root_path": root_path,
        "headers": encode_headers(scope.headers.items()),
        "server": (server_host, int(server_port)) if server_port.isdigit() else None,
        "client": (client_host.strip("[]"), int(client_port)) if client_port.isdigit() else None,
        "state": {},
    }


def asgi_websocket_scope(scope: Any, *, root_path: str = "") -> dict[str, Any]:
    """The ASGI WebSocket scope (what ``WebSocket`` reads) of an RSGI WebSocket scope."""
    return {
        "type": "websocket",
        "path": scope.path,
        "query_string": scope.query_string.encode("latin-1"),
        "headers": encode_headers(scope.headers.items()),
        "scheme": "wss" if scope.scheme == "https" else "ws",
        "root_path": root_path,
    }


class ResponseStarted(Exception):
    """The ASGI app failed after it started its response: nothing else may be sent (``exc`` is why)."""

    def __init__(self, exc: Exception) -> None:
        super().__init__(f"the ASGI app failed after starting its response: {exc!r}")
        self.exc = exc


async def run_asgi(
    app: Any,
    scope: Any,
    proto: Any,
    *,
    root_path: str = "",
    path: str | None = None,
    extra: dict[str, Any] | None = None,
    answer_errors: bool = False,
) -> None:
    """Run the ASGI ``app`` for one RSGI HTTP request and send its answer through ``proto``.

    The body is streamed to the app (``http.request`` messages, then
    ``http.disconnect``); the response is sent in one call when the app gives
    it in one ``http.response.body`` message, and streamed otherwise (``extra``: a mount gives the app it is
    mounted on as ``"app"``, so a mounted Starlette app or ``StaticFiles`` raises its 404/405 for the
    parent's handlers). If the app fails after it
    started its response, ``ResponseStarted`` is raised; before that, its exception (after a 500
    was sent, with ``answer_errors``, when nobody else will answer).
    """
    asgi = asgi_http_scope(scope, root_path=root_path, path=path)
    if extra:  # what Starlette puts in the scope: "app", "router", "app_root_path"
        asgi.update(extra)
    chunks = proto.__aiter__()
    body_done = False
    response_done = asyncio.Event()
    start: dict[str, Any] = {}
    stream: Any = None

    async def receive() -> dict[str, Any]:
        nonlocal body_done
        if not body_done:
            try:
                chunk = await chunks.__anext__()
            except StopAsyncIteration:
                body_done = True
                return {"type": "http.request", "body": b"", "more_body": False}
            return {"type": "http.request", "body": bytes(chunk), "more_body": True}
        await response_done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal stream
        kind = message["type"]
        if kind == "http.response.start":
            start["status"] = message["status"]
            start["headers"] = decode_headers(message.get("headers", []))
        elif kind == "http.response.body":
            body = bytes(message.get("body", b""))
            more = message.get("more_body", False)
            if stream is None and not more:
                proto.response_bytes(start["status"], start["headers"], body)
                response_done.set()
                return
            if stream is None:
                stream = proto.response_stream(start["status"], start["headers"])
            if body:
                await stream.send_bytes(body)
            if not more:
                response_done.set()

    try:
        await app(asgi, receive, send)
    except Exception as exc:
        if start:
            raise ResponseStarted(exc) from exc
        if answer_errors:
            proto.response_bytes(500, [("content-type", "text/plain; charset=utf-8")], b"Internal Server Error")
        raise
    finally:
        response_done.set()
    if not start:  # the app returned without answering
        proto.response_bytes(500, [("content-type", "text/plain; charset=utf-8")], b"Internal Server Error")
