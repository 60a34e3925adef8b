"""Differential tests of mounts against FastAPI.

A mount's errors (a missing static file, a path outside the directory, a wrong
method, an unknown path in a mounted Starlette router) go through the app's
exception handlers, answering FastAPI's JSON, in process on both protocols and
on the real servers (Granian through ``genever run``, uvicorn).

Mounted apps as FastAPI (Starlette >= 0.33) serves them: the full path with the
mount in ``root_path`` and the app's own in ``app_root_path``, a sub-application's
routes and ``url_for``, a mounted app that fails before or after starting its
response (never a second response), a Starlette response returned by a handler,
``add_route`` endpoints.
"""

from pathlib import Path
from typing import Any

import fastapi
import fastapi.responses
import fastapi.staticfiles
import fastapi.testclient
import httpx
import pytest
import starlette.applications
import starlette.responses
import starlette.routing

import genever
import genever.responses
import genever.staticfiles
import genever.testclient
from tests.rsgi_client import RSGITestClient
from tests.server_apps.mounts import build
from tests.servers import served_by_each, server_commands

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


SERVERS = server_commands("tests.server_apps.mounts:app")


base_url = served_by_each(SERVERS)


def test_mount_errors_on_real_servers(fastapi_client: Any, base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        for method, path in REQUESTS:
            if "%2e" in path or ".." in path:
                continue  # clients normalise dot segments before sending
            assert _answer(client.request(method, path)) == _answer(fastapi_client.request(method, path)), path


# -- mounted apps as FastAPI (Starlette >= 0.33) serves them --------------------------------

async def raw_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["path"].endswith("/late-failure"):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"partial", "more_body": True})
        raise RuntimeError("failed after starting")
    if scope["path"].endswith("/early-failure"):
        raise RuntimeError("failed before starting")
    body = f"{scope['root_path']}|{scope['path']}|{scope.get('app_root_path')}".encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": body})


def build_apps(fw: Any) -> Any:
    app = fw.FastAPI()
    sub = fw.FastAPI()

    @sub.get("/hello/{name}")
    def hello(name: str, request: fw.Request) -> dict[str, str]:
        return {"hello": name, "url": str(request.url_for("hello", name="x"))}

    @app.exception_handler(RuntimeError)
    async def failure(request: Any, exc: RuntimeError) -> Any:
        return fw.responses.PlainTextResponse(f"handled: {exc}", status_code=503)

    @app.get("/starlette")
    def from_starlette() -> Any:
        return starlette.responses.PlainTextResponse("starlette's", status_code=202, headers={"x-s": "1"})

    async def plain(request: Any) -> Any:
        return starlette.responses.JSONResponse({"path": request.url.path})

    app.add_route("/plain", plain)
    app.mount("/raw", raw_app)
    app.mount("/sub", sub)
    return app


CLIENTS = {
    "fastapi": lambda: fastapi.testclient.TestClient(build_apps(fastapi), raise_server_exceptions=False),
    "genever-asgi": lambda: genever.testclient.TestClient(build_apps(genever), raise_server_exceptions=False),
}


@pytest.fixture(scope="module")
def answers() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, make in CLIENTS.items():
        client = make()
        out[name] = {path: _answer_of(client, path) for path in PATHS}
    rsgi = RSGITestClient(build_apps(genever))
    out["genever-rsgi"] = {path: _answer_of(rsgi, path) for path in PATHS if "failure" not in path}
    return out


PATHS = ["/raw/a/b", "/raw", "/sub/hello/ana", "/sub/nothing", "/starlette", "/plain", "/raw/early-failure",
         "/raw/late-failure"]  # fmt: skip


def _answer_of(client: Any, path: str) -> Any:
    try:
        response = client.get(path)
    except Exception as exc:  # a response cut short (the late failure)
        return ("error", type(exc).__name__)
    return (response.status_code, response.text, response.headers.get("x-s"))


@pytest.mark.parametrize("path", PATHS)
def test_same_answer_as_fastapi(answers: dict[str, Any], path: str) -> None:
    expected = answers["fastapi"][path]
    assert answers["genever-asgi"][path] == expected
    if path in answers["genever-rsgi"]:
        assert answers["genever-rsgi"][path] == expected


def test_the_answers_are_what_they_should_be(answers: dict[str, Any]) -> None:
    fastapis = answers["fastapi"]
    assert fastapis["/raw/a/b"] == (200, "/raw|/raw/a/b|", None)
    assert fastapis["/raw/early-failure"] == (503, "handled: failed before starting", None)
    assert fastapis["/starlette"] == (202, "starlette's", "1")


def test_url_for_a_route_inside_a_mount() -> None:
    async def asset(request: Any) -> Any:
        # from inside the mounted app, a name qualified by the mount (sqladmin's "admin:statics")
        return starlette.responses.PlainTextResponse(str(request.url_for("admin:asset", name="a.css")))

    def app_for(fw: Any) -> Any:
        route = starlette.routing.Route("/assets/{name}", asset, name="asset")
        admin = starlette.applications.Starlette(routes=[route])
        app = fw.FastAPI()
        app.mount("/admin", admin, name="admin")
        return app

    theirs = app_for(fastapi)
    assert genever.Genever.url_path_for(app_for(genever), "admin:asset", name="a.css") == "/admin/assets/a.css"
    assert theirs.url_path_for("admin:asset", name="a.css") == "/admin/assets/a.css"
    expected = fastapi.testclient.TestClient(theirs).get("/admin/assets/x").text
    assert expected == "http://testserver/admin/assets/a.css"
    assert genever.testclient.TestClient(app_for(genever)).get("/admin/assets/x").text == expected
    assert RSGITestClient(app_for(genever)).get("/admin/assets/x").text == expected
