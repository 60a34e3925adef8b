"""A replaced ``build_middleware_stack`` (what opentelemetry-instrumentation-fastapi's ``instrument_app``
does): the ASGI middleware put around the stack sees the same requests, exceptions and response
starts, in the same order, on genever as on FastAPI, and the answers are the same."""

from __future__ import annotations

import types
from typing import Any

import fastapi
import fastapi.testclient
import pytest
from starlette.middleware.errors import ServerErrorMiddleware

import genever
import genever.testclient
from tests.rsgi_client import RSGITestClient

PATHS = ["/items/3", "/items/x", "/fail", "/handled", "/nope"]


class Recorder:
    def __init__(self, app: Any, name: str, events: list[Any]) -> None:
        self.app, self.name, self.events = app, name, events

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        async def recording_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                self.events.append((self.name, "start", message["status"]))
            await send(message)

        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.events.append((self.name, "request", scope["path"], scope["app"].title))
        try:
            await self.app(scope, receive, recording_send)
        except Exception as exc:
            self.events.append((self.name, "raised", type(exc).__name__, str(exc)))
            raise


def make_app(fw: Any, events: list[Any]) -> Any:
    app = fw.FastAPI(title="stacked")

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
    def on_key_error(request: Any, exc: KeyError) -> Any:
        return fw.responses.JSONResponse({"handled": str(exc)}, status_code=409)

    original = app.build_middleware_stack

    def build_middleware_stack(self: Any) -> Any:
        inner = original()
        assert isinstance(inner, ServerErrorMiddleware)
        errors = ServerErrorMiddleware(Recorder(inner.app, "inner", events), handler=inner.handler, debug=inner.debug)
        return Recorder(errors, "outer", events)

    app.build_middleware_stack = types.MethodType(build_middleware_stack, app)
    return app


def run(fw: Any, make_client: Any) -> list[Any]:
    events: list[Any] = []
    client = make_client(make_app(fw, events), raise_server_exceptions=False)
    answers = []
    for path in PATHS:
        answer = client.get(path)
        answers.append((path, answer.status_code, answer.text, answer.headers.get("content-type"), events[:]))
        events.clear()
    client.close()
    return answers


@pytest.mark.parametrize("make_client", [genever.testclient.TestClient, RSGITestClient], ids=["asgi", "rsgi"])
def test_a_replaced_stack_sees_what_it_sees_on_fastapi(make_client: Any) -> None:
    expected = run(fastapi, fastapi.testclient.TestClient)
    assert run(genever, make_client) == expected
    assert expected[2][4] == [("outer", "request", "/fail", "stacked"), ("inner", "request", "/fail", "stacked"),
                              ("inner", "raised", "ValueError", "failed"), ("outer", "start", 500),
                              ("outer", "raised", "ValueError", "failed")]  # fmt: skip
