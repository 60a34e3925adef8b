"""``WSGIMiddleware``: serve a WSGI app (Flask, Django...) as an ASGI app, to ``app.mount`` it.

FastAPI's ``fastapi.middleware.wsgi.WSGIMiddleware``. The WSGI app runs in the
thread pool; what it yields is streamed back chunk by chunk through a queue, so
a large or slow WSGI response is not held in memory. The request body is read
before the WSGI app starts (WSGI's ``wsgi.input`` is a synchronous file).
"""

from __future__ import annotations

import asyncio
import io
import sys
from collections.abc import Callable, Iterable
from typing import Any

from ..concurrency import run_in_threadpool

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_END: Any = object()


def build_environ(scope: dict[str, Any], body: bytes) -> dict[str, Any]:
    """The WSGI environ (PEP 3333) of an ASGI HTTP ``scope``: ``SCRIPT_NAME`` is the mount's
    ``root_path``, ``PATH_INFO`` the rest of the path (Starlette >= 0.33 sends the full path)."""
    root_path: str = scope.get("root_path", "")
    path: str = scope["path"]
    if root_path and path.startswith(root_path):
        path = path[len(root_path) :]
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": root_path.encode("utf-8").decode("latin-1"),
        "PATH_INFO": path.encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stdout,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    server = scope.get("server") or ("localhost", 80)
    environ["SERVER_NAME"], environ["SERVER_PORT"] = server[0], str(server[1])
    client = scope.get("client")
    if client:
        environ["REMOTE_ADDR"], environ["REMOTE_PORT"] = client[0], str(client[1])
    for raw_name, raw_value in scope.get("headers", ()):
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        value = raw_value.decode("latin-1")
        if name not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = "HTTP_" + name
        environ[name] = f"{environ[name]},{value}" if name in environ else value
    return environ


class WSGIMiddleware:
    """An ASGI app that runs the WSGI ``app``: ``app.mount("/legacy", WSGIMiddleware(flask_app))``."""

    def __init__(self, app: WSGIApp, workers: int = 10) -> None:
        self.app = app
        self.workers = workers  # FastAPI's signature; the shared thread pool bounds the threads

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise RuntimeError(f"WSGIMiddleware serves HTTP only, not {scope['type']!r}")
        chunks = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        environ = build_environ(scope, b"".join(chunks))
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        start: list[Any] = []

        def put(item: Any) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, item)

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if exc_info is not None and start and start[0] is None:  # already sent: re-raise (PEP 3333)
                raise exc_info[1].with_traceback(exc_info[2])
            start[:] = [(status, headers)]
            return write

        def write(data: bytes) -> None:
            flush_start()
            put(bytes(data))

        def flush_start() -> None:
            if start and start[0] is not None:
                put(start[0])
                start[0] = None  # sent

        def run() -> None:
            try:
                result = self.app(environ, start_response)
                try:
                    for chunk in result:
                        if chunk:
                            flush_start()
                            put(bytes(chunk))
                finally:
                    close = getattr(result, "close", None)
                    if close is not None:
                        close()
                flush_start()
                put(_END)
            except BaseException as exc:
                put(exc)

        worker = asyncio.ensure_future(run_in_threadpool(run))
        started = False
        try:
            while True:
                item = await queue.get()
                if item is _END:
                    break
                if isinstance(item, BaseException):
                    if started:  # the status line went out: nothing better than ending the body
                        break
                    raise item
                if isinstance(item, tuple):
                    status, headers = item
                    await send({
                        "type": "http.response.start",
                        "status": int(status.split(" ", 1)[0]),
                        "headers": [(k.strip().lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
                    })  # fmt: skip
                    started = True
                else:
                    await send({"type": "http.response.body", "body": item, "more_body": True})
            if started:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            await worker
