"""Starlette's ``build_middleware_stack()`` protocol (``genever/_middleware_stack.py``): an app whose
method is genever's own is served as always; one whose method was replaced (as
opentelemetry-instrumentation-fastapi's ``instrument_app`` does) is served through what it returns,
under both adapters, and that stack sees unhandled exceptions before the 500 is sent."""

from __future__ import annotations

import types
from typing import Any

import pytest
from starlette.middleware.errors import ServerErrorMiddleware

from genever import Genever, Request
from genever.responses import JSONResponse


def make_app() -> Genever:
    app = Genever()

    @app.get("/items/{item_id}")
    def read_item(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    @app.get("/fail")
    def fail() -> None:
        raise ValueError("failed")

    @app.get("/handled")
    def handled() -> None:
        raise KeyError("handled")

    @app.exception_handler(KeyError)
    def on_key_error(request: Request, exc: KeyError) -> JSONResponse:
        return JSONResponse({"handled": str(exc)}, status_code=409)

    return app


class Recorder:
    """An ASGI middleware put around the stack: what it saw, in order."""

    def __init__(self, app: Any, events: list[Any]) -> None:
        self.app = app
        self.events = events

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        async def recording_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                self.events.append(("start", message["status"]))
            await send(message)

        self.events.append(("request", scope["path"], scope["app"]))
        try:
            await self.app(scope, receive, recording_send)
        except Exception as exc:
            self.events.append(("raised", exc))
            raise


def replace_stack(app: Genever, events: list[Any]) -> None:
    """What instrument_app does: wrap the stack the original method builds, outside its error middleware."""
    original = app.build_middleware_stack

    def build_middleware_stack(self: Genever) -> Any:
        inner = original()
        assert isinstance(inner, ServerErrorMiddleware)
        wrapped = ServerErrorMiddleware(Recorder(inner.app, events), handler=inner.handler, debug=inner.debug)
        return Recorder(wrapped, events)

    app.build_middleware_stack = types.MethodType(build_middleware_stack, app)  # type: ignore[method-assign]


def test_an_app_left_alone_keeps_its_fast_path() -> None:
    app = make_app()
    server = app.freeze()
    assert server.asgi_app is server.asgi_inner and not server.has_asgi_middleware
    assert app.middleware_stack is server.asgi_app
    stack = app.build_middleware_stack()  # Starlette's shape, built on demand, never served
    assert isinstance(stack, ServerErrorMiddleware) and stack.app is server.asgi_inner and stack.handler is None


def test_a_replaced_stack_serves_every_request(client_factory: Any) -> None:
    app = make_app()
    events: list[Any] = []
    replace_stack(app, events)
    client = client_factory(app)
    assert client.get("/items/3").json() == {"item_id": 3}
    # the outer recorder, then the inner one, each with the app in the scope
    assert events == [("request", "/items/3", app), ("request", "/items/3", app), ("start", 200), ("start", 200)]
    assert app.middleware_stack is app.server.asgi_app and isinstance(app.middleware_stack, Recorder)


def test_the_stack_sees_an_unhandled_exception_before_the_500(client_factory: Any) -> None:
    app = make_app()
    events: list[Any] = []
    replace_stack(app, events)
    client = client_factory(app, raise_server_exceptions=False)
    answer = client.get("/fail")
    assert (answer.status_code, answer.text) == (500, "Internal Server Error")
    kinds = [event[0] for event in events]
    # the inner recorder saw the exception with no response started; the error middleware answered it
    assert kinds == ["request", "request", "raised", "start", "raised"], events
    assert isinstance(events[2][1], ValueError) and events[3] == ("start", 500)


def test_a_handled_exception_is_answered_inside(client_factory: Any) -> None:
    app = make_app()
    events: list[Any] = []
    replace_stack(app, events)
    answer = client_factory(app).get("/handled")
    assert (answer.status_code, answer.json()) == (409, {"handled": "'handled'"})
    assert [event[0] for event in events] == ["request", "request", "start", "start"]


def test_an_unhandled_exception_reaches_the_test_client() -> None:
    from genever.testclient import TestClient

    app = make_app()
    replace_stack(app, [])
    with pytest.raises(ValueError, match="failed"):
        TestClient(app).get("/fail")


def test_a_subclass_may_override_it(client_factory: Any) -> None:
    events: list[Any] = []

    class Traced(Genever):
        def build_middleware_stack(self) -> Any:
            return Recorder(super().build_middleware_stack(), events)

    app = Traced()

    @app.get("/")
    def root() -> dict[str, bool]:
        return {"ok": True}

    assert client_factory(app).get("/").json() == {"ok": True}
    assert events == [("request", "/", app), ("start", 200)]


def test_restoring_the_method_restores_the_fast_path(client_factory: Any) -> None:
    app = make_app()
    events: list[Any] = []
    original = app.build_middleware_stack
    replace_stack(app, events)
    client = client_factory(app)
    assert client.get("/items/1").status_code == 200
    app.build_middleware_stack = original  # type: ignore[method-assign]
    app.middleware_stack = None  # Starlette's way to have the stack rebuilt
    assert client.get("/items/2").json() == {"item_id": 2}
    assert len(events) == 4  # the second request went around the recorders
    assert app.server is not None and app.server.asgi_app is app.server.asgi_inner


def test_setting_the_stack_serves_it(client_factory: Any) -> None:
    app = make_app()
    events: list[Any] = []
    app.middleware_stack = Recorder(app.build_middleware_stack(), events)
    assert client_factory(app).get("/items/5").json() == {"item_id": 5}
    assert events == [("request", "/items/5", app), ("start", 200)]
