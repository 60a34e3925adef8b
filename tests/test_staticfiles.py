"""``StaticFiles`` against traversal, on both adapters and on the real servers: ``..`` in
every encoding never leaves the directory, with or without ``follow_symlink``; a
symlink placed inside is followed only with ``follow_symlink=True``; a NUL byte is a 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from genever import Genever
from genever.staticfiles import StaticFiles
from tests.hostile.tree import make_tree
from tests.hostile.wire import exchange, request
from tests.servers import free_port, serve, server_commands

APP = "tests.server_apps.hostile:app"


TRAVERSALS = [
    "/%2e%2e/secret.txt",
    "/../secret.txt",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/inner/%2e%2e/%2e%2e/secret.txt",
    "/..%2fsecret.txt",
    "/%2e%2e%2fsecret.txt",
    "/.%2e/secret.txt",
    "/%2E%2E/secret.txt",
    "/..%5csecret.txt",
    "/%5c..%5csecret.txt",
    "//etc/passwd",
    "/%2fetc%2fpasswd",
    "/dir-out/%2e%2e/secret.txt",
    "/hello.txt%00",
    "/%00",
    "/hello.txt%00.png",
    "/%252e%252e/secret.txt",
]


def static_app(site: Path) -> Genever:
    app = Genever()
    app.mount("/static", StaticFiles(directory=site, follow_symlink=True))
    app.mount("/plain", StaticFiles(directory=site))
    return app


@pytest.mark.parametrize("mount", ["/static", "/plain"])
def test_dot_dot_never_leaves_the_directory(client_factory: Any, tmp_path: Path, mount: str) -> None:
    client = client_factory(static_app(make_tree(tmp_path)))
    for path in TRAVERSALS:
        answer = client.get(mount + path)
        assert answer.status_code == 404, (path, answer.status_code, answer.text[:80])
        assert b"secret" not in answer.content and b"root:" not in answer.content


def test_symlinks_inside_are_followed_only_when_asked(client_factory: Any, tmp_path: Path) -> None:
    client = client_factory(static_app(make_tree(tmp_path)))
    assert client.get("/static/hello.txt").text == "hello"
    assert client.get("/static/inner/../hello.txt").text == "hello"  # '..' that stays inside is fine
    assert client.get("/static/link-in.txt").text == "page"
    assert client.get("/static/link-out.txt").text == "secret"  # the feature: a symlink placed inside
    assert client.get("/static/dir-out/secret.txt").text == "secret"
    assert client.get("/static/back%5cslash.txt").text == "backslash"  # a backslash is a name on POSIX
    assert client.get("/plain/link-in.txt").text == "page"
    assert client.get("/plain/link-out.txt").status_code == 404
    assert client.get("/plain/dir-out/secret.txt").status_code == 404


SERVERS = server_commands(APP)


@pytest.fixture(scope="module", params=sorted(SERVERS))
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    site = make_tree(tmp_path_factory.mktemp(f"static-{request.param}"))
    port = free_port()
    with serve(SERVERS[request.param](port), port, env={"GENEVER_TEST_STATIC": str(site)}) as base:
        yield base, port


@pytest.mark.parametrize("mount", ["/static", "/plain"])
def test_traversal_on_a_real_socket(server: tuple[str, int], mount: str) -> None:
    base, port = server
    for path in TRAVERSALS:
        answer = exchange(port, request("GET", mount + path))
        # the server itself may refuse the request line (400) before the app sees it
        assert answer.status in (400, 404), (path, answer.status, answer.raw[:200])
        assert b"secret" not in answer.body and b"root:" not in answer.body, path
    assert exchange(port, request("GET", "/static/link-out.txt")).body == b"secret"
    assert exchange(port, request("GET", "/plain/link-out.txt")).status == 404
    assert httpx.get(base + "/static/hello.txt").text == "hello"
