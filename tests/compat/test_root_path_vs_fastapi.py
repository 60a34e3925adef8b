"""Differential tests: an app under a root path (the ASGI scope's ``path`` holds it, as
uvicorn's ``--root-path`` and Starlette's test client send it) or mounted in another app
routes on the path under it and builds its links (``url_for(...)``, ``url_for(...).path``
in templates) with it, as FastAPI does; on uvicorn too."""

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fastapi
import fastapi.responses
import fastapi.staticfiles
import fastapi.templating
import fastapi.testclient
import httpx
import pytest

import genever
import genever.responses
import genever.staticfiles
import genever.templating
import genever.testclient
from tests.server_apps.root_path import build, mounted
from tests.servers import free_port, serve

CASES = [  # (app factory, root_path, prefix of the requests)
    (build, "", ""),
    (build, "/api/v1", "/api/v1"),
    (mounted, "", "/subapp"),
    (mounted, "/api/v1", "/api/v1/subapp"),
]
PATHS = ["/items/42", "/static/links.html", "/where", "/nowhere"]


def _answer(response: Any) -> tuple[Any, ...]:
    return response.status_code, response.headers.get("content-type"), response.text


@pytest.mark.parametrize(("factory", "root_path", "prefix"), CASES)
def test_root_path_and_links_as_fastapi(factory: Any, root_path: str, prefix: str) -> None:
    theirs = fastapi.testclient.TestClient(
        factory(fastapi, fastapi.staticfiles, fastapi.templating), root_path=root_path, base_url="https://x.org"
    )
    ours = genever.testclient.TestClient(
        factory(genever, genever.staticfiles, genever.templating), root_path=root_path, base_url="https://x.org"
    )
    for path in PATHS:
        assert _answer(ours.get(prefix + path)) == _answer(theirs.get(prefix + path)), prefix + path
    assert f'<a href="{prefix}/items/42">' in ours.get(prefix + "/items/42").text


BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def uvicorn_url() -> Iterator[str]:
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", "tests.server_apps.root_path:app", "--port", str(port),
            "--root-path", "/api/v1"]  # fmt: skip
    with serve(argv, port) as base:
        yield base


def test_root_path_on_uvicorn(uvicorn_url: str) -> None:
    theirs = fastapi.testclient.TestClient(
        build(fastapi, fastapi.staticfiles, fastapi.templating), root_path="/api/v1", base_url="http://x.org"
    )
    # the proxy in front strips /api/v1; uvicorn puts it back in the scope's path and root_path
    with httpx.Client(base_url=uvicorn_url, timeout=10, headers={"host": "x.org"}) as client:
        for path in PATHS:
            assert _answer(client.get(path)) == _answer(theirs.get("/api/v1" + path)), path
