"""A WSGI app mounted with ``WSGIMiddleware``, written once for FastAPI (``a2wsgi``'s, as its
documentation shows) and genever (``genever.middleware.wsgi``). The differential tests build
both; the real-server tests serve genever's."""

from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs

import genever
from genever.middleware.wsgi import WSGIMiddleware


def wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ["PATH_INFO"]
    if path == "/hello":
        name = parse_qs(environ.get("QUERY_STRING", "")).get("name", ["World"])[0]
        body = f"Hello, {name} from WSGI! ({environ['SCRIPT_NAME']})".encode()
        start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
        return [body]
    if path == "/echo" and environ["REQUEST_METHOD"] == "POST":
        size = int(environ.get("CONTENT_LENGTH") or 0)
        data = environ["wsgi.input"].read(size)
        start_response("201 Created", [("Content-Type", "application/octet-stream")])
        return [data[::-1]]
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"no such page"]


def build(framework: ModuleType, middleware: Any) -> Any:
    app = framework.FastAPI() if hasattr(framework, "FastAPI") else framework.Genever()

    @app.get("/v2")
    def read_main() -> dict[str, str]:
        return {"message": "Hello World"}

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    app.mount("/v1", middleware(wsgi_app))
    return app


app = build(genever, WSGIMiddleware)
