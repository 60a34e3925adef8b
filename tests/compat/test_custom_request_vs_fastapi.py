"""Differential tests: a custom ``APIRoute`` whose handler rebuilds the request from
``(request.scope, request.receive)`` (FastAPI's gzip example) answers as FastAPI does,
in process on both protocols and on the real servers (Granian through ``genever run``,
uvicorn)."""

from __future__ import annotations

import gzip
import json
from typing import Any

import fastapi
import fastapi.routing
import fastapi.testclient
import httpx
import pytest

import genever
import genever.testclient
from tests.rsgi_client import RSGITestClient
from tests.server_apps.custom_request import build
from tests.servers import served_by_each, server_commands

NUMBERS = json.dumps(list(range(100))).encode()
REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/sum/2", {"content": gzip.compress(NUMBERS), "headers": {"Content-Encoding": "gzip"}}),
    ("POST", "/sum/3", {"content": NUMBERS, "headers": {"Content-Type": "application/json"}}),
    ("POST", "/sum/x", {"content": NUMBERS, "headers": {"Content-Type": "application/json"}}),
    ("POST", "/sum/1", {"content": b"[1, ", "headers": {"Content-Type": "application/json"}}),
    ("GET", "/class", {}),
]


def _gzip_json(kwargs: dict[str, Any]) -> dict[str, Any]:
    headers = dict(kwargs.get("headers", {}))
    if headers.get("Content-Encoding") == "gzip":
        headers["Content-Type"] = "application/json"
    return {**kwargs, "headers": headers}


@pytest.fixture(scope="module")
def fastapi_client() -> Any:
    return fastapi.testclient.TestClient(build(fastapi))


@pytest.mark.parametrize("protocol", ["asgi", "rsgi"])
@pytest.mark.parametrize(("method", "path", "kwargs"), REQUESTS)
def test_custom_request_class_as_fastapi(
    fastapi_client: Any, protocol: str, method: str, path: str, kwargs: dict[str, Any]
) -> None:
    app = build(genever)
    ours = genever.testclient.TestClient(app) if protocol == "asgi" else RSGITestClient(app)
    theirs = fastapi_client.request(method, path, **_gzip_json(kwargs))
    mine = ours.request(method, path, **_gzip_json(kwargs))
    assert (mine.status_code, mine.json()) == (theirs.status_code, theirs.json())


APP = "tests.server_apps.custom_request:app"
SERVERS = server_commands(APP)


base_url = served_by_each(SERVERS)


def test_custom_request_class_on_real_servers(fastapi_client: Any, base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        for method, path, kwargs in REQUESTS:
            theirs = fastapi_client.request(method, path, **_gzip_json(kwargs))
            mine = client.request(method, path, **_gzip_json(kwargs))
            assert (mine.status_code, mine.json()) == (theirs.status_code, theirs.json()), path
