"""Mounted apps as FastAPI (Starlette >= 0.33) serves them, differential: the full path with the
mount in ``root_path`` and the app's own in ``app_root_path``, a sub-application's routes and
``url_for``, a mounted app that fails before or after starting its response (never a second
response), a Starlette response returned by a handler, ``add_route`` endpoints."""

from typing import Any

import fastapi
import fastapi.testclient
import pytest
import starlette.responses

import genever
import genever.testclient
from tests.rsgi_client import RSGITestClient


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


def build(fw: Any) -> Any:
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
    "fastapi": lambda: fastapi.testclient.TestClient(build(fastapi), raise_server_exceptions=False),
    "genever-asgi": lambda: genever.testclient.TestClient(build(genever), raise_server_exceptions=False),
}


@pytest.fixture(scope="module")
def answers() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, make in CLIENTS.items():
        client = make()
        out[name] = {path: _answer(client, path) for path in PATHS}
    rsgi = RSGITestClient(build(genever))
    out["genever-rsgi"] = {path: _answer(rsgi, path) for path in PATHS if "failure" not in path}
    return out


PATHS = ["/raw/a/b", "/raw", "/sub/hello/ana", "/sub/nothing", "/starlette", "/plain", "/raw/early-failure",
         "/raw/late-failure"]  # fmt: skip


def _answer(client: Any, path: str) -> Any:
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
    import starlette.applications
    import starlette.routing

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
