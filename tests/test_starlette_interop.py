"""Starlette interop: Starlette's responses sent as they are, Starlette-style routes, the request
passing Starlette's checks, the scope that Starlette's middleware reads — on both adapters."""

from __future__ import annotations

from typing import Any

import starlette.requests
import starlette.responses
import starlette.routing
import starlette.websockets
from starlette.middleware.sessions import SessionMiddleware

from genever import APIRouter, Genever, Request, WebSocket
from genever.testclient import TestClient


def test_starlette_responses_from_handlers_are_sent_as_they_are(client_factory: Any) -> None:
    app = Genever()

    @app.get("/plain")
    def plain() -> starlette.responses.Response:
        response = starlette.responses.PlainTextResponse("made by starlette", status_code=203, headers={"x-a": "1"})
        response.set_cookie("c", "v")
        return response

    @app.get("/json")
    async def json_() -> Any:
        return starlette.responses.JSONResponse({"from": "starlette"}, status_code=201)

    @app.get("/stream")
    def stream() -> Any:
        return starlette.responses.StreamingResponse(iter([b"a", b"b", b"c"]), media_type="text/csv")

    @app.get("/redirect", response_class=starlette.responses.HTMLResponse)
    def redirect() -> Any:
        return starlette.responses.RedirectResponse("/plain", status_code=302)

    client = client_factory(app)
    plain_answer = client.get("/plain")
    assert (plain_answer.status_code, plain_answer.text) == (203, "made by starlette")
    assert plain_answer.headers["x-a"] == "1"
    assert plain_answer.headers["content-type"] == "text/plain; charset=utf-8"
    assert plain_answer.headers["content-length"] == str(len("made by starlette"))
    assert "c=v" in plain_answer.headers["set-cookie"]
    json_answer = client.get("/json")
    assert (json_answer.status_code, json_answer.json()) == (201, {"from": "starlette"})
    streamed = client.get("/stream")
    assert (streamed.status_code, streamed.text) == (200, "abc")
    assert streamed.headers["content-type"] == "text/csv; charset=utf-8"
    moved = client.get("/redirect", follow_redirects=False)
    assert (moved.status_code, moved.headers["location"]) == (302, "/plain")


def test_an_exception_handler_may_return_a_starlette_response(client_factory: Any) -> None:
    app = Genever()

    class Teapot(Exception):
        pass

    @app.exception_handler(Teapot)
    def teapot(request: Request, exc: Teapot) -> Any:
        return starlette.responses.JSONResponse({"detail": "teapot"}, status_code=418)

    @app.get("/")
    def root() -> None:
        raise Teapot()

    answer = client_factory(app).get("/")
    assert (answer.status_code, answer.json()) == (418, {"detail": "teapot"})


def test_add_route_and_add_websocket_route(client_factory: Any) -> None:
    app = Genever()
    seen: list[Any] = []

    async def metrics(request: starlette.requests.Request) -> starlette.responses.Response:
        seen.append(request)
        return starlette.responses.PlainTextResponse(f"metrics for {request.url.path}")

    def sync_page(request: Any) -> Any:
        return starlette.responses.HTMLResponse("<p>sync</p>")

    app.add_route("/metrics", metrics)
    app.add_route("/page", sync_page, methods=["GET", "POST"], name="page")

    @app.route("/decorated")
    async def decorated(request: Any) -> Any:
        return starlette.responses.PlainTextResponse("decorated")

    async def echo(websocket: Any) -> None:
        await websocket.accept()
        await websocket.send_text(await websocket.receive_text())
        await websocket.close()

    app.add_websocket_route("/echo", echo)
    client = client_factory(app)
    assert client.get("/metrics?x=1").text == "metrics for /metrics"
    assert isinstance(seen[0], starlette.requests.Request)
    assert client.post("/page").text == "<p>sync</p>"
    assert client.get("/decorated").text == "decorated"
    assert app.url_path_for("page") == "/page"
    assert set(app.openapi()["paths"]) == set()  # Starlette-style routes are not documented, as in FastAPI
    with TestClient(app).websocket_connect("/echo") as session:
        session.send_text("hello")
        assert session.receive_text() == "hello"


def test_the_request_passes_starlettes_checks(client_factory: Any) -> None:
    app = Genever()
    router = APIRouter()

    @router.get("/check/{n}")
    def check(n: int, request: Request) -> dict[str, Any]:
        url = request.url.replace_query_params(page=2)
        return {
            "request": isinstance(request, starlette.requests.Request),
            "connection": isinstance(request, starlette.requests.HTTPConnection),
            "type": request["type"],
            "get": request.get("method"),
            "url": str(url),
            "without": str(request.url.remove_query_params("a")),
            "url_for": type(request.url_for("check", n=2)).__module__,
        }

    @router.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json({"websocket": isinstance(websocket, starlette.websockets.WebSocket)})
        await websocket.close()

    app.include_router(router)
    answer = client_factory(app).get("/check/1?a=1&b=2")
    assert answer.json() == {
        "request": True, "connection": True, "type": "http", "get": "GET",
        "url": "http://testserver/check/1?page=2", "without": "http://testserver/check/1?b=2",
        "url_for": "starlette.datastructures",  # Starlette is in use in this process: its URL (authlib checks)
    }  # fmt: skip
    with TestClient(app).websocket_connect("/ws") as session:
        assert session.receive_json() == {"websocket": True}


def test_session_middleware_round_trip(client_factory: Any) -> None:
    app = Genever()
    app.add_middleware(SessionMiddleware, secret_key="secret")

    @app.post("/login/{name}")
    def login(name: str, request: Request) -> dict[str, str]:
        request.session["user"] = name
        return {"ok": name}

    @app.get("/me")
    def me(request: Request) -> dict[str, Any]:
        return {"user": request.session.get("user")}

    client = client_factory(app)
    assert client.get("/me").json() == {"user": None}
    logged_in = client.post("/login/ana")
    assert "session=" in logged_in.headers["set-cookie"]
    assert client.get("/me").json() == {"user": "ana"}


def test_no_session_middleware_says_so(client_factory: Any) -> None:
    app = Genever()

    @app.get("/")
    def root(request: Request) -> str:
        try:
            request.session  # noqa: B018
        except AssertionError as exc:
            return str(exc)
        return "no error"

    assert client_factory(app).get("/").json() == "SessionMiddleware must be installed to access request.session"


class ScopeRecorder:
    """A plain ASGI middleware that keeps the scope it passed on, to look at after the response."""

    def __init__(self, app: Any, scopes: list[dict[str, Any]]) -> None:
        self.app = app
        self.scopes = scopes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            assert scope["app"] is not None  # set before the middleware runs, as Starlette does
            self.scopes.append(scope)
        await self.app(scope, receive, send)


def test_the_scope_carries_the_app_and_the_route(client_factory: Any) -> None:
    scopes: list[dict[str, Any]] = []
    app = Genever()
    app.add_middleware(ScopeRecorder, scopes=scopes)

    @app.get("/items/{item_id}")
    def item(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    assert client_factory(app).get("/items/3").json() == {"item_id": 3}
    scope = scopes[-1]
    assert scope["app"] is app and scope["router"] is app
    assert scope["endpoint"] is item
    assert scope["route"].path == "/items/{item_id}"
    assert scope["path_params"] == {"item_id": "3"}


def test_routes_match_a_scope_as_starlettes_do() -> None:
    app = Genever()

    @app.get("/items/{item_id}")
    def item(item_id: int) -> None:
        return None

    @app.websocket("/ws/{room}")
    async def room(websocket: WebSocket, room: str) -> None:
        return None

    route = next(r for r in app.routes if getattr(r, "name", "") == "item")
    full, child = route.matches({"type": "http", "path": "/items/7", "method": "GET"})
    assert full is starlette.routing.Match.FULL
    assert child["path_params"] == {"item_id": "7"} and child["endpoint"] is item and child["route"] is route
    assert route.matches({"type": "http", "path": "/items/7", "method": "POST"})[0] is starlette.routing.Match.PARTIAL
    assert route.matches({"type": "http", "path": "/items", "method": "GET"})[0] is starlette.routing.Match.NONE
    mounted = {"type": "http", "path": "/api/items/7", "root_path": "/api", "method": "HEAD"}
    assert route.matches(mounted)[0] is starlette.routing.Match.FULL
    socket = next(r for r in app.routes if getattr(r, "name", "") == "room")
    assert socket.matches({"type": "websocket", "path": "/ws/a"})[0] is starlette.routing.Match.FULL
    assert socket.matches({"type": "http", "path": "/ws/a", "method": "GET"})[0] is starlette.routing.Match.NONE


def test_asgi_middleware_is_given_an_object_with_async_call(client_factory: Any) -> None:
    import inspect

    seen: list[Any] = []

    class Inspecting:
        def __init__(self, app: Any) -> None:
            self.app = app
            # how Sentry's middleware tells ASGI 3 from ASGI 2 (a bound method's __call__ is not a coroutine)
            if inspect.isfunction(app):
                seen.append(inspect.iscoroutinefunction(app))
            else:
                seen.append(inspect.iscoroutinefunction(getattr(app, "__call__", None)))  # noqa: B004

        async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
            await self.app(scope, receive, send)

    app = Genever()
    app.add_middleware(Inspecting)

    @app.get("/")
    def root() -> str:
        return "ok"

    assert client_factory(app).get("/").json() == "ok"
    assert seen == [True]


def test_lifespan_context_can_be_wrapped_without_declaring_one(client_factory: Any) -> None:
    import contextlib

    events: list[str] = []
    app = Genever()
    original = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def wrapped(app_: Any) -> Any:  # what fastapi-pagination's add_pagination does
        events.append("wrapper")
        async with original(app_) as state:
            yield state

    app.router.lifespan_context = wrapped
    with TestClient(app):
        pass
    assert events == ["wrapper"]


def test_a_dependency_appended_to_a_route_before_start_runs(client_factory: Any) -> None:
    from genever import Depends
    from genever.dependencies.utils import get_parameterless_sub_dependant
    from genever.routing import APIRoute

    calls: list[str] = []
    app = Genever()

    @app.get("/x")
    def x() -> str:
        return "x"

    route = next(r for r in app.routes if isinstance(r, APIRoute) and r.path == "/x")
    depends = Depends(lambda: calls.append("added"))
    route.dependant.dependencies.append(get_parameterless_sub_dependant(depends=depends, path=route.path_format))
    assert client_factory(app).get("/x").json() == "x"
    assert calls == ["added"]
