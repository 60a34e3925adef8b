"""Differential tests: a WSGI app mounted with ``WSGIMiddleware`` (FastAPI's documentation
uses ``a2wsgi``'s) answers through genever as through FastAPI: in process on both protocols
and on the real servers (Granian through ``genever run``, uvicorn)."""

from typing import Any

import a2wsgi
import fastapi
import fastapi.testclient
import httpx
import pytest

import genever
import genever.testclient
from genever.middleware.wsgi import WSGIMiddleware
from tests.rsgi_client import RSGITestClient
from tests.server_apps.wsgi import build
from tests.servers import served_by_each, server_commands

REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/v1/hello", {}),
    ("GET", "/v1/hello?name=Ann", {}),
    ("POST", "/v1/echo", {"content": b"abcdef" * 1000}),
    ("GET", "/v1/missing", {}),
    ("GET", "/v2", {}),
]


def _answer(response: Any) -> tuple[Any, ...]:
    return response.status_code, response.headers.get("content-type"), response.content


@pytest.fixture(scope="module")
def fastapi_client() -> Any:
    return fastapi.testclient.TestClient(build(fastapi, a2wsgi.WSGIMiddleware))


@pytest.mark.parametrize("protocol", ["asgi", "rsgi"])
@pytest.mark.parametrize(("method", "path", "kwargs"), REQUESTS)
def test_wsgi_mount_as_fastapi(fastapi_client: Any, protocol: str, method: str, path: str, kwargs: Any) -> None:
    app = build(genever, WSGIMiddleware)
    ours = genever.testclient.TestClient(app) if protocol == "asgi" else RSGITestClient(app)
    assert _answer(ours.request(method, path, **kwargs)) == _answer(fastapi_client.request(method, path, **kwargs))


APP = "tests.server_apps.wsgi:app"
SERVERS = server_commands(APP)


base_url = served_by_each(SERVERS)


def test_wsgi_mount_on_real_servers(fastapi_client: Any, base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        for method, path, kwargs in REQUESTS:
            mine, theirs = client.request(method, path, **kwargs), fastapi_client.request(method, path, **kwargs)
            assert _answer(mine) == _answer(theirs), path
