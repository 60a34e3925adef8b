"""Differential tests: a validation error carries where it happened (``endpoint_ctx``: the
endpoint's function, file and line, ``"METHOD /mount/path"``), and ``str(exc)`` reads as
FastAPI's, for request and response validation, in an app and in a mounted one."""

from typing import Any

import fastapi
import fastapi.testclient
import pytest
from pydantic import BaseModel

import genever
import genever.exceptions
import genever.testclient
from tests.rsgi_client import RSGITestClient


class Item(BaseModel):
    id: int
    name: str


def build(framework: Any, captured: list[Any]) -> Any:
    exceptions = framework.exceptions

    def make() -> Any:
        return framework.FastAPI() if framework is fastapi else framework.Genever()

    app, sub_app = make(), make()

    async def capture(request: Any, exc: Any) -> Any:
        captured.append(exc)
        return framework.responses.JSONResponse({"captured": True}, status_code=418)

    for each in (app, sub_app):
        each.add_exception_handler(exceptions.RequestValidationError, capture)
        each.add_exception_handler(exceptions.ResponseValidationError, capture)

    @app.get("/users/{user_id}")
    def get_user(user_id: int) -> dict[str, int]:
        return {"user_id": user_id}

    @app.get("/items/", response_model=Item)
    def get_item() -> Any:
        return {"name": "Widget"}

    @sub_app.get("/items/", response_model=Item)
    def get_sub_item() -> Any:
        return {"name": "Widget"}

    app.mount("/sub", sub_app)
    return app


@pytest.mark.parametrize("protocol", ["asgi", "rsgi"])
@pytest.mark.parametrize("path", ["/users/invalid", "/items/", "/sub/items/"])
def test_endpoint_context_as_fastapis(protocol: str, path: str) -> None:
    import fastapi.exceptions
    import fastapi.responses

    import genever.responses

    theirs: list[Any] = []
    ours: list[Any] = []
    fastapi.testclient.TestClient(build(fastapi, theirs)).get(path)
    app = build(genever, ours)
    client = genever.testclient.TestClient(app) if protocol == "asgi" else RSGITestClient(app)
    assert client.get(path).status_code == 418
    assert str(ours[0]) == str(theirs[0])
    assert ours[0].endpoint_ctx == theirs[0].endpoint_ctx


def test_endpoint_context_given_by_hand() -> None:
    errors = [{"type": "missing", "loc": ("body", "name"), "msg": "Field required"}]
    for framework in (fastapi, genever):
        only_path = framework.exceptions.RequestValidationError(errors, endpoint_ctx={"path": "GET /api/test"})
        assert str(only_path).endswith("Endpoint: GET /api/test")
        assert str(framework.exceptions.RequestValidationError(errors, endpoint_ctx={})) == (
            "1 validation error:\n  {'type': 'missing', 'loc': ('body', 'name'), 'msg': 'Field required'}"
        )
