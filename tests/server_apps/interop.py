"""An app for the real-server tests: a WSGI app mounted through ``WSGIMiddleware``, Starlette's
responses returned by handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import starlette.responses

from genever import Genever
from genever.middleware.wsgi import WSGIMiddleware


def wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
    if environ["PATH_INFO"] == "/boom":
        raise RuntimeError("the WSGI app failed")
    body = environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain"), ("X-Script", environ["SCRIPT_NAME"])])
    yield f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}?{environ['QUERY_STRING']}\n".encode()
    yield f"host={environ.get('HTTP_HOST')} body={body.decode()}\n".encode()
    for i in range(3):
        yield f"chunk {i}\n".encode()


app = Genever()
app.mount("/legacy", WSGIMiddleware(wsgi_app))


@app.get("/starlette/plain")
def starlette_plain() -> Any:
    return starlette.responses.PlainTextResponse("plain", status_code=203, headers={"x-from": "starlette"})


@app.get("/starlette/stream")
async def starlette_stream() -> Any:
    async def chunks() -> AsyncIterator[bytes]:
        for i in range(3):
            yield f"part {i}\n".encode()

    return starlette.responses.StreamingResponse(chunks(), media_type="text/plain")


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
