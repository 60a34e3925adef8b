"""App-level behaviour that FastAPI apps rely on, differential: exception handlers
registered for Starlette's ``HTTPException``, what a ``RequestValidationError``
handler sees (``loc`` tuples, the parsed body), a response class's own default
status, and ``root_path`` (set on the app, or by a proxy through the server).
"""

from typing import Any

import fastapi
import fastapi.testclient
import pytest
import starlette.exceptions
from pydantic import BaseModel

import genever
import genever.testclient
from tests.compat import answers
from tests.rsgi_client import RSGITestClient


class Item(BaseModel):
    title: str
    size: int


def build(fw: Any, root_path: str = "") -> Any:
    app = (getattr(fw, "Genever", None) or fw.FastAPI)(**({"root_path": root_path} if root_path else {}))
    responses = fw.responses

    @app.exception_handler(starlette.exceptions.HTTPException)
    async def http_handler(request: Any, exc: Any) -> Any:
        return responses.PlainTextResponse(f"handled {exc.status_code}: {exc.detail}", status_code=exc.status_code)

    @app.exception_handler(fw.exceptions.RequestValidationError)
    async def validation_handler(request: Any, exc: Any) -> Any:
        fields = "; ".join(f"{err['loc']!s} {err['type']}" for err in exc.errors())
        return responses.JSONResponse({"fields": fields, "body": exc.body}, status_code=400)

    @app.get("/items/{item_id}")
    def read(item_id: int) -> dict[str, int]:
        if item_id == 3:
            raise fw.HTTPException(status_code=418, detail="no 3")
        if item_id == 4:
            raise starlette.exceptions.HTTPException(status_code=409, detail="starlette's own")
        return {"item_id": item_id}

    @app.post("/items")
    def create(item: Item) -> Item:
        return item

    @app.get("/go", response_class=responses.RedirectResponse)
    def go() -> str:
        return "https://example.com/"

    @app.get("/files/{rest:path}")
    def files(rest: str) -> dict[str, str]:
        return {"rest": rest}

    @app.get("/where")
    def where(request: fw.Request) -> dict[str, Any]:
        return {"root_path": request.scope.get("root_path"), "type": request.scope["type"]}

    return app


CASES: list[tuple[str, str, Any]] = [
    ("GET", "/items/1", None),
    ("GET", "/items/3", None),
    ("GET", "/items/4", None),
    ("GET", "/nowhere", None),
    ("GET", "/items/x", None),
    ("POST", "/items", {"title": "towel", "size": "XL"}),
    ("POST", "/items", [1, 2]),
    ("GET", "/go", None),
    ("GET", "/where", None),
    ("GET", "/files/a/b", None),
    ("GET", "/files/", None),
]


@pytest.mark.filterwarnings("ignore:The `root_path` parameter is deprecated")  # FastAPI's, not genever's
@pytest.mark.parametrize("root_path", ["", "/api/v1"])
@pytest.mark.parametrize("adapter", ["asgi", "rsgi"])
@pytest.mark.parametrize(("method", "url", "body"), CASES, ids=[f"{m} {u} {b}" for m, u, b in CASES])
def test_same_answer(root_path: str, adapter: str, method: str, url: str, body: Any) -> None:
    no_redirects = {"follow_redirects": False}
    expected, got = answers(build(fastapi, root_path), build(genever, root_path), adapter, method, url, no_redirects,
                            json=body)  # fmt: skip
    assert (got.status_code, got.text) == (expected.status_code, expected.text)
    assert got.headers.get("location") == expected.headers.get("location")


@pytest.mark.parametrize("adapter", ["asgi", "rsgi"])
def test_a_catch_all_needs_its_slash(adapter: str) -> None:
    """``/files/{rest:path}`` does not match ``/files``: redirected to ``/files/`` (found by fuzzing)."""
    expected, got = answers(build(fastapi), build(genever), adapter, "GET", "/files", {"follow_redirects": False})
    assert (got.status_code, got.headers.get("location")) == (expected.status_code, expected.headers["location"])
    assert got.status_code == 307


def test_same_documented_status_and_servers() -> None:
    for root_path in ("", "/api/v1"):
        expected = fastapi.testclient.TestClient(build(fastapi), root_path=root_path).get("/openapi.json").json()
        got = genever.testclient.TestClient(build(genever), root_path=root_path).get("/openapi.json").json()
        assert got.get("servers") == expected.get("servers"), root_path
        assert got["paths"]["/go"] == expected["paths"]["/go"]


def build_lax(fw: Any, app_strict: bool, router_strict: bool | None) -> Any:
    app = (getattr(fw, "Genever", None) or fw.FastAPI)(strict_content_type=app_strict)
    router = fw.APIRouter() if router_strict is None else fw.APIRouter(strict_content_type=router_strict)

    @app.post("/app")
    def on_app(item: Item) -> Item:
        return item

    @router.post("/router")
    def on_router(item: Item) -> Item:
        return item

    app.include_router(router)
    return app


@pytest.mark.parametrize(("app_strict", "router_strict"), [(True, None), (False, None), (True, False), (False, True)])
@pytest.mark.parametrize("url", ["/app", "/router"])
def test_strict_content_type(app_strict: bool, router_strict: bool | None, url: str) -> None:
    """A JSON body sent without Content-Type: read as JSON only where strict_content_type is False."""
    content = b'{"title": "towel", "size": 3}'
    expected = fastapi.testclient.TestClient(build_lax(fastapi, app_strict, router_strict)).post(url, content=content)
    got = genever.testclient.TestClient(build_lax(genever, app_strict, router_strict)).post(url, content=content)
    assert (got.status_code, got.json()) == (expected.status_code, expected.json())


def build_route_class(fw: Any) -> Any:
    class TaggedRoute(fw.routing.APIRoute):
        """Wraps every handler: a header on each answer, and validation errors re-raised with the body."""

        def get_route_handler(self) -> Any:
            original = super().get_route_handler()

            async def handler(request: Any) -> Any:
                try:
                    response = await original(request)
                except fw.exceptions.RequestValidationError as exc:
                    body = await request.body()
                    detail = {"errors": [err["type"] for err in exc.errors()], "body": body.decode()}
                    raise fw.HTTPException(status_code=422, detail=detail) from None
                response.headers["x-route-class"] = type(self).__name__
                return response

            return handler

    app = (getattr(fw, "Genever", None) or fw.FastAPI)()
    router = fw.APIRouter(route_class=TaggedRoute)

    @router.post("/sum")
    def total(numbers: list[int]) -> int:
        return sum(numbers)

    @app.get("/plain")
    def plain() -> str:
        return "plain"

    app.include_router(router, prefix="/r")
    return app


@pytest.mark.parametrize(("method", "url", "body"), [("POST", "/r/sum", [1, 2]), ("POST", "/r/sum", [1, "x"]),
                                                     ("GET", "/plain", None)])  # fmt: skip
def test_route_class_wraps_the_handlers_of_its_router(method: str, url: str, body: Any) -> None:
    expected = fastapi.testclient.TestClient(build_route_class(fastapi)).request(method, url, json=body)
    for client_cls in (genever.testclient.TestClient, RSGITestClient):
        got = client_cls(build_route_class(genever)).request(method, url, json=body)
        assert (got.status_code, got.json()) == (expected.status_code, expected.json())
        assert got.headers.get("x-route-class") == expected.headers.get("x-route-class")


@pytest.mark.parametrize("protocol", ["asgi", "rsgi"])
def test_exception_handler_returning_a_starlette_response(protocol: str) -> None:
    """FastAPI's handlers are often written with Starlette's response classes."""
    from starlette.responses import JSONResponse as StarletteJSON
    from starlette.responses import PlainTextResponse as StarlettePlain

    def make(fw: Any) -> Any:
        app = fw.FastAPI() if fw is fastapi else fw.Genever()

        @app.exception_handler(ValueError)
        async def value_error(request: Any, exc: ValueError) -> Any:
            return StarletteJSON({"error": str(exc)}, status_code=418, headers={"x-why": "value"})

        @app.exception_handler(404)
        async def not_found(request: Any, exc: Any) -> Any:
            return StarlettePlain("nothing here", status_code=404)

        @app.get("/boom")
        def boom() -> None:
            raise ValueError("bad value")

        return app

    theirs = fastapi.testclient.TestClient(make(fastapi))
    ours = genever.testclient.TestClient(make(genever)) if protocol == "asgi" else RSGITestClient(make(genever))
    for path in ("/boom", "/missing"):
        mine, expected = ours.get(path), theirs.get(path)
        assert (mine.status_code, mine.headers["content-type"], mine.content) == (
            expected.status_code, expected.headers["content-type"], expected.content
        )
    assert ours.get("/boom").headers["x-why"] == "value"


def test_param_declarations_repr_as_fastapis() -> None:
    for name in ("Path", "Query", "Header", "Cookie", "Body", "Form", "File"):
        for args in ((), ("text",), (3,), (None,)) if name != "Path" else ((), (...,)):
            theirs, ours = getattr(fastapi, name)(*args), getattr(genever, name)(*args)
            assert repr(ours) == repr(theirs)


def _portal(framework: Any) -> Any:
    redirect = framework.responses.RedirectResponse

    async def portal_ok(teleport: bool = False) -> framework.Response | dict:  # type: ignore[name-defined,type-arg]
        if teleport:
            return redirect(url="/elsewhere")
        return {"message": "Here's your interdimensional portal."}

    return portal_ok


def test_a_response_or_data_annotation_as_fastapi() -> None:
    """``-> Response | dict`` cannot give a response model: refused at start-up, as FastAPI does,
    unless the route says ``response_model=None``; then both answers are the same."""
    answers = []
    for framework in (fastapi, genever):
        app = framework.FastAPI() if framework is fastapi else framework.Genever()
        with pytest.raises(framework.exceptions.FastAPIError):

            @app.get("/portal")
            async def portal(teleport: bool = False) -> framework.Response | dict:  # type: ignore[name-defined,type-arg]
                return {}

        app.get("/portal", response_model=None)(_portal(framework))

        client = (fastapi.testclient.TestClient if framework is fastapi else genever.testclient.TestClient)(
            app, follow_redirects=False
        )
        answers.append([(r.status_code, r.content, r.headers.get("location"))
                        for r in (client.get("/portal"), client.get("/portal?teleport=true"))])  # fmt: skip
    assert answers[0] == answers[1]
