"""The app object: routing answers, exception handlers, lifespan, sync handlers, both adapters."""


import contextlib
import threading
from collections.abc import AsyncIterator
from typing import Annotated, Any

import pytest

from genever import Depends, Genever, HTTPException, Request
from genever.exceptions import FrozenAppError, RequestValidationError
from genever.middleware.requestid import RequestIDMiddleware
from genever.responses import JSONResponse, PlainTextResponse, Response
from genever.testclient import TestClient


def test_404_405_and_allow(client_factory: Any) -> None:
    app = Genever()

    @app.get("/a")
    def get_a() -> dict[str, str]:
        return {"a": "get"}

    @app.post("/a")
    def post_a() -> dict[str, str]:
        return {"a": "post"}

    client = client_factory(app)
    assert client.get("/missing").status_code == 404
    assert client.get("/missing").json() == {"detail": "Not Found"}
    response = client.delete("/a")
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}
    assert response.headers["allow"] == "GET, HEAD, POST"
    assert client.post("/a").json() == {"a": "post"}


def test_head_answers_like_get_without_body(client_factory: Any) -> None:
    app = Genever()

    @app.get("/h")
    async def h() -> dict[str, str]:
        return {"hello": "world"}

    client = client_factory(app)
    response = client.head("/h")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(len(b'{"hello":"world"}'))


def test_trailing_slash_redirect(client_factory: Any) -> None:
    app = Genever()

    @app.get("/items/")
    def items() -> list[int]:
        return [1]

    @app.get("/users/{user_id}")
    def user(user_id: int) -> int:
        return user_id

    client = client_factory(app)
    response = client.get("/items?x=1", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "http://testserver/items/?x=1"
    assert client.get("/items").json() == [1]
    assert client.get("/users/3/").json() == 3


def test_redirect_slashes_can_be_disabled(client_factory: Any) -> None:
    app = Genever(redirect_slashes=False)

    @app.get("/items/")
    def items() -> list[int]:
        return [1]

    assert client_factory(app).get("/items", follow_redirects=False).status_code == 404


def test_custom_exception_handlers(client_factory: Any) -> None:
    class Teapot(Exception):
        pass

    app = Genever()

    @app.exception_handler(Teapot)
    async def teapot(request: Request, exc: Teapot) -> Response:
        return PlainTextResponse("short and stout", status_code=418)

    @app.exception_handler(404)
    def not_found(request: Request, exc: HTTPException) -> Response:
        return JSONResponse({"missing": request.url.path}, status_code=404)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        return JSONResponse({"count": len(exc.errors())}, status_code=400)

    @app.get("/tea")
    async def tea() -> None:
        raise Teapot()

    @app.get("/n")
    async def n(n: int, m: int) -> int:
        return n

    client = client_factory(app)
    assert client.get("/tea").status_code == 418
    assert client.get("/tea").text == "short and stout"
    assert client.get("/nope").json() == {"missing": "/nope"}
    assert client.get("/n?n=x&m=y").json() == {"count": 2}


def test_unhandled_exception_is_a_500(client_factory: Any) -> None:
    app = Genever()

    @app.get("/boom")
    async def boom() -> None:
        raise ValueError("boom")

    client = client_factory(app, raise_server_exceptions=False)
    response = client.get("/boom")
    assert response.status_code == 500
    assert response.text == "Internal Server Error"


def test_asgi_reraises_for_the_test_client() -> None:
    from genever.testclient import TestClient

    app = Genever()

    @app.get("/boom")
    async def boom() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        TestClient(app).get("/boom")


def test_sync_handlers_run_in_a_thread(client_factory: Any) -> None:
    app = Genever()
    main = threading.get_ident()

    @app.get("/sync")
    def sync() -> dict[str, bool]:
        return {"other_thread": threading.get_ident() != main}

    assert client_factory(app).get("/sync").json() == {"other_thread": True}


def test_lifespan_and_state(client_factory: Any) -> None:
    events: list[str] = []

    @contextlib.asynccontextmanager
    async def lifespan(app: Genever) -> AsyncIterator[dict[str, Any]]:
        events.append("start")
        yield {"db": "connected"}
        events.append("stop")

    app = Genever(lifespan=lifespan)

    with pytest.warns(DeprecationWarning, match="lifespan"):  # as in FastAPI; it still works

        @app.on_event("startup")
        def on_start() -> None:
            events.append("on_startup")

    @app.get("/state")
    async def state(request: Request) -> dict[str, str]:
        return {"db": request.state.db}

    with client_factory(app) as client:
        assert events == ["on_startup", "start"]
        assert client.get("/state").json() == {"db": "connected"}
    assert events == ["on_startup", "start", "stop"]


def test_routes_added_while_serving_are_served_and_documented(client_factory: Any) -> None:
    app = Genever()

    @app.get("/early")
    def early() -> str:
        return "early"

    client = client_factory(app)
    assert client.get("/early").json() == "early"
    assert "/late" not in client.get("/openapi.json").json()["paths"]

    @app.get("/late")
    def late() -> str:
        return "late"

    assert client.get("/late").json() == "late"
    assert "/late" in client.get("/openapi.json").json()["paths"]


def test_middleware_cannot_be_added_after_the_app_started() -> None:
    app = Genever()
    app.freeze()
    with pytest.raises(FrozenAppError, match="middleware cannot be added"):
        app.add_middleware(RequestIDMiddleware)


def test_response_headers_and_status_via_response_parameter(client_factory: Any) -> None:
    app = Genever()

    @app.get("/cookie")
    def cookie(response: Response) -> dict[str, bool]:
        response.set_cookie("session", "abc", httponly=True)
        response.headers["X-Extra"] = "1"
        response.status_code = 202
        return {"ok": True}

    response = client_factory(app).get("/cookie")
    assert response.status_code == 202
    assert response.headers["x-extra"] == "1"
    assert "session=abc" in response.headers["set-cookie"]
    assert "HttpOnly" in response.headers["set-cookie"]


def test_dependency_overrides_apply_after_first_request(client_factory: Any) -> None:
    def dep() -> str:
        return "real"

    app = Genever()

    @app.get("/d")
    def d(value: Annotated[str, Depends(dep)]) -> str:
        return value

    client = client_factory(app)
    assert client.get("/d").json() == "real"
    app.dependency_overrides[dep] = lambda: "fake"
    assert client.get("/d").json() == "fake"
    app.dependency_overrides.clear()
    assert client.get("/d").json() == "real"
    app.dependency_overrides = {dep: lambda: "replaced"}
    assert client.get("/d").json() == "replaced"
    app.dependency_overrides |= {dep: lambda: "merged"}
    assert client.get("/d").json() == "merged"
    app.dependency_overrides = None  # type: ignore[assignment]  # FastAPI's docs reset it so
    assert client.get("/d").json() == "real"


@pytest.mark.parametrize("enabled", [True, False])
def test_startup_freezes_what_exists_for_the_gc_once(monkeypatch: pytest.MonkeyPatch, enabled: bool) -> None:
    import genever.applications as applications

    calls: list[str] = []
    monkeypatch.setattr(applications, "_startup_objects_frozen", False)
    monkeypatch.setattr(applications.gc, "freeze", lambda: calls.append("freeze"))
    for _ in range(2):  # once per process, however many apps start
        with TestClient(Genever(gc_freeze=enabled)):
            pass
    assert calls == (["freeze"] if enabled else [])
