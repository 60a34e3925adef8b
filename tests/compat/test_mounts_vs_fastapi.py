"""Differential tests: a mount's errors (a missing static file, a path outside the
directory, a wrong method, an unknown path in a mounted Starlette router) go
through the app's exception handlers, answering FastAPI's JSON, in process on
both protocols and on the real servers (Granian through ``genever run``, uvicorn).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fastapi
import fastapi.responses
import fastapi.staticfiles
import fastapi.testclient
import httpx
import pytest

import genever
import genever.responses
import genever.staticfiles
import genever.testclient
from tests.rsgi_client import RSGITestClient
from tests.server_apps.mounts import build
from tests.servers import free_port, serve

REQUESTS = [
    ("GET", "/static/mounts.py"),
    ("GET", "/static/missing.txt"),
    ("GET", "/static/../servers.py"),
    ("GET", "/static/%2e%2e/servers.py"),
    ("GET", "/static/"),
    ("POST", "/static/mounts.py"),
    ("GET", "/site/missing"),
    ("DELETE", "/site/mounts.py"),
    ("GET", "/router/hello"),
    ("GET", "/router/nope"),
    ("POST", "/router/hello"),
    ("GET", "/nowhere"),
]


def _answer(response: Any) -> tuple[Any, ...]:
    allow = response.headers.get("allow")  # Starlette's Route lists its methods in set order
    methods = None if allow is None else frozenset(allow.split(", "))
    return response.status_code, response.headers.get("content-type"), response.content, methods


@pytest.fixture(scope="module")
def fastapi_client() -> Any:
    return fastapi.testclient.TestClient(build(fastapi, fastapi.staticfiles.StaticFiles))


@pytest.mark.parametrize("protocol", ["asgi", "rsgi"])
@pytest.mark.parametrize(("method", "path"), REQUESTS)
def test_mount_answers_as_fastapi(fastapi_client: Any, protocol: str, method: str, path: str) -> None:
    app = build(genever, genever.staticfiles.StaticFiles)
    ours = genever.testclient.TestClient(app) if protocol == "asgi" else RSGITestClient(app)
    assert _answer(ours.request(method, path)) == _answer(fastapi_client.request(method, path))


@pytest.mark.parametrize("protocol", ["asgi", "rsgi"])
def test_mount_errors_reach_the_apps_handlers(protocol: str) -> None:
    def with_handler(framework: Any, static_files: type) -> Any:
        app = build(framework, static_files)

        @app.exception_handler(404)
        async def not_found(request: Any, exc: Any) -> Any:
            return framework.responses.JSONResponse({"missing": request.url.path}, status_code=404)

        return app

    theirs = fastapi.testclient.TestClient(with_handler(fastapi, fastapi.staticfiles.StaticFiles))
    app = with_handler(genever, genever.staticfiles.StaticFiles)
    ours = genever.testclient.TestClient(app) if protocol == "asgi" else RSGITestClient(app)
    for path in ("/static/missing.txt", "/router/nope", "/site/nothing"):
        assert ours.get(path).json() == theirs.get(path).json() == {"missing": path}


def test_static_files_alone_answer_in_plain_text(tmp_path: Path) -> None:
    """Outside any app (no ``scope["app"]``) there is no handler to raise to: plain text, as before."""
    client = genever.testclient.TestClient(genever.staticfiles.StaticFiles(directory=tmp_path))  # type: ignore[arg-type]
    missing = client.get("/nothing")
    assert (missing.status_code, missing.text) == (404, "Not Found")
    assert client.post("/nothing").status_code == 405


BIN = Path(sys.executable).parent
SERVERS = {
    "genever-run": lambda port: [str(BIN / "genever"), "run", "tests.server_apps.mounts:app", "--port", str(port)],
    "uvicorn": lambda port: [sys.executable, "-m", "uvicorn", "tests.server_apps.mounts:app", "--port", str(port)],
}


@pytest.fixture(scope="module", params=sorted(SERVERS))
def base_url(request: pytest.FixtureRequest) -> Iterator[str]:
    port = free_port()
    with serve(SERVERS[request.param](port), port) as base:
        yield base


def test_mount_errors_on_real_servers(fastapi_client: Any, base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        for method, path in REQUESTS:
            if "%2e" in path or ".." in path:
                continue  # clients normalise dot segments before sending
            assert _answer(client.request(method, path)) == _answer(fastapi_client.request(method, path)), path
