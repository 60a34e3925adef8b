"""The serving layer (``_server/``): the frozen app's ``Server`` and the adapters beside it.

Structure: the two adapters depend on the ``Server``, not on each other nor on the
configuration object's private attributes. Behaviour: ``freeze()`` builds one
``Server`` that serves until the configuration changes.
"""

from __future__ import annotations

import ast
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import genever
from genever import Depends, Genever, Request
from genever._server import Server
from genever.testclient import TestClient
from tests.test_layers import import_graph

SERVER = Path(genever.__file__).parent / "_server"


def test_the_adapters_depend_on_the_server_not_on_each_other() -> None:
    graph, _ = import_graph(Path(genever.__file__).parent)
    assert "_server.server" in graph["_server.asgi"]
    assert "_server.rsgi" not in graph["_server.asgi"]
    assert "_server.asgi" not in graph["_server.rsgi"]
    assert "applications" not in graph["_server.asgi"] | graph["_server.rsgi"] | graph["_server.server"]


def test_the_serving_layer_reads_no_private_attribute_of_the_app() -> None:
    for path in SERVER.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
                owner = node.value
                name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
                assert name not in ("app", "server"), f"{path.name}:{node.lineno} reads {name}.{node.attr}"


def test_applications_is_configuration_only() -> None:
    source = (Path(genever.__file__).parent / "applications.py").read_text()
    for serving in ("_dispatch", "_route(", "_handle_exception", "lookup(", "_send_asgi", "_send_rsgi"):
        assert serving not in source, serving


def test_freeze_builds_one_server_until_the_configuration_changes() -> None:
    app = Genever()

    @app.get("/a")
    async def a() -> str:
        return "a"

    assert app.server is None
    server = app.freeze()
    assert isinstance(server, Server)
    assert app.freeze() is server and app.server is server
    client = TestClient(app)
    assert client.get("/a").json() == "a"
    assert app.server is server  # serving does not rebuild it

    @app.get("/b")
    async def b() -> str:
        return "b"

    assert app.server is None  # a new route drops it; the next request builds the next one
    assert client.get("/b").json() == "b"
    assert app.server is not None and app.server is not server


def test_a_dependency_override_rebuilds_the_server(client_factory: Any) -> None:
    def dep() -> str:
        return "real"

    app = Genever()

    @app.get("/")
    async def index(value: str = Depends(dep)) -> str:
        return value

    client = client_factory(app)
    assert client.get("/").json() == "real"
    first = app.server
    app.dependency_overrides[dep] = lambda: "fake"
    assert app.server is None
    assert client.get("/").json() == "fake"
    assert app.server is not first


def test_a_mount_rebuilds_the_server_and_is_served(client_factory: Any) -> None:
    async def raw(scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = f"{scope['root_path']}|{scope['path']}".encode()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": body})

    app = Genever()
    client = client_factory(app)
    assert client.get("/sub/x").status_code == 404
    app.mount("/sub", raw)
    assert app.server is None
    response = client.get("/sub/x")
    # Starlette >= 0.33 (FastAPI): a mounted app gets the full path, the mount point in root_path
    assert (response.status_code, response.text) == (200, "/sub|/sub/x")


def test_the_lifespan_state_reaches_requests_on_both_adapters(client_factory: Any) -> None:
    @contextlib.asynccontextmanager
    async def lifespan(app: Genever) -> AsyncIterator[dict[str, str]]:
        yield {"db": "open"}

    app = Genever(lifespan=lifespan)

    @app.get("/")
    async def index(request: Request) -> str:
        return str(request.state.db)

    with client_factory(app) as client:
        assert client.get("/").json() == "open"
        assert app.server is not None and app.server.state == {"db": "open"}
