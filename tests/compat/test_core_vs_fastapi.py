"""Differential tests: the same app written once, built with FastAPI and with
genever, answers the same requests with the same status and body.

``build(fw)`` takes the framework's namespace (``fastapi`` or ``genever``) so
that the app text is literally shared. FastAPI is the oracle.
"""


import enum
import json
from types import SimpleNamespace
from typing import Annotated, Any

import fastapi
import fastapi.responses
import fastapi.testclient
import pytest
from pydantic import BaseModel, Field

import genever
import genever.responses
import genever.testclient
from tests.rsgi_client import RSGITestClient


class Dims(BaseModel):
    w: float
    h: float


class Item(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    price: float = Field(gt=0)
    tags: list[str] = Field(default_factory=list, max_length=10)
    dims: Dims | None = None


class ItemOut(Item):
    id: int


class UserIn(BaseModel):
    name: str
    password: str


class UserOut(BaseModel):
    name: str


class Color(str, enum.Enum):  # noqa: UP042 - the FastAPI tutorial's spelling
    red = "red"
    green = "green"


def _ns(mod: Any, responses: Any) -> SimpleNamespace:
    return SimpleNamespace(
        App=getattr(mod, "Genever", None) or mod.FastAPI,
        Query=mod.Query,
        Path=mod.Path,
        Header=mod.Header,
        Cookie=mod.Cookie,
        Body=mod.Body,
        HTTPException=mod.HTTPException,
        Request=mod.Request,
        APIRouter=mod.APIRouter,
        PlainTextResponse=responses.PlainTextResponse,
        JSONResponse=responses.JSONResponse,
        HTMLResponse=responses.HTMLResponse,
    )


FRAMEWORKS = {
    "fastapi": _ns(fastapi, fastapi.responses),
    "genever": _ns(genever, genever.responses),
}


def build(fw: SimpleNamespace) -> Any:
    app = fw.App()

    @app.get("/plain", response_class=fw.PlainTextResponse)
    async def plain() -> str:
        return "Hello, World!"

    @app.get("/json")
    async def json_() -> dict[str, str]:
        return {"message": "Hello"}

    @app.get("/users/{user_id}")
    async def read_user(user_id: Annotated[int, fw.Path(ge=1)], verbose: bool = False) -> dict[str, Any]:
        return {"id": user_id, "verbose": verbose}

    @app.get("/users/me/profile")
    def me() -> dict[str, str]:
        return {"me": "yes"}

    @app.get("/q")
    def query(
        q: str | None = fw.Query(None, max_length=5),
        n: Annotated[int, fw.Query(gt=0, le=100)] = 10,
        f: float = 1.5,
        color: Color = Color.red,
        tags: Annotated[list[str] | None, fw.Query()] = None,
        ids: Annotated[list[int], fw.Query()] = [],  # noqa: B006
        alias_q: Annotated[str | None, fw.Query(alias="item-query")] = None,
        pat: Annotated[str | None, fw.Query(pattern="^[a-z]+$")] = None,
    ) -> dict[str, Any]:
        return {"q": q, "n": n, "f": f, "color": color, "tags": tags, "ids": ids, "alias": alias_q, "pat": pat}

    @app.get("/required")
    def required(needed: int, also: Annotated[str, fw.Query(min_length=2)]) -> dict[str, Any]:
        return {"needed": needed, "also": also}

    @app.get("/headers")
    def headers(
        user_agent: Annotated[str | None, fw.Header()] = None,
        x_token: Annotated[list[str] | None, fw.Header()] = None,
        x_num: Annotated[int | None, fw.Header()] = None,
        session: Annotated[str | None, fw.Cookie()] = None,
    ) -> dict[str, Any]:
        return {"ua": user_agent, "tokens": x_token, "num": x_num, "session": session}

    @app.post("/items", status_code=201, response_model=ItemOut)
    async def create_item(item: Item) -> Any:
        return ItemOut(id=1, **item.model_dump())

    @app.put("/items/{item_id}")
    async def update_item(
        item_id: int,
        item: Item,
        importance: Annotated[int, fw.Body(gt=0)],
        q: str | None = None,
    ) -> dict[str, Any]:
        return {"item_id": item_id, "item": item, "importance": importance, "q": q}

    @app.post("/embed")
    async def embed(item: Annotated[Item, fw.Body(embed=True)]) -> Item:
        return item

    @app.post("/raw-list")
    async def raw_list(values: list[int]) -> dict[str, int]:
        return {"sum": sum(values)}

    @app.post("/users", response_model=UserOut)
    async def create_user(user: UserIn) -> Any:
        return user

    @app.get("/error/{code}")
    async def error(code: int) -> None:
        raise fw.HTTPException(status_code=code, detail={"code": code}, headers={"X-Error": "yes"})

    @app.get("/request")
    async def request_info(request: fw.Request) -> dict[str, Any]:
        return {"path": request.url.path, "q": dict(request.query_params), "method": request.method}

    @app.get("/html", response_class=fw.HTMLResponse)
    async def html() -> str:
        return "<h1>hi</h1>"

    @app.get("/status", status_code=204)
    async def no_content() -> None:
        return None

    @app.get("/custom")
    async def custom() -> Any:
        return fw.JSONResponse({"custom": True}, status_code=202, headers={"X-Custom": "1"})

    router = fw.APIRouter(prefix="/r", tags=["r"])

    @router.get("/items/{name}")
    async def router_item(name: str) -> dict[str, str]:
        return {"name": name}

    outer = fw.APIRouter(prefix="/v1")
    outer.include_router(router)
    app.include_router(outer)

    @app.get("/slash/")
    async def slash() -> dict[str, bool]:
        return {"slash": True}

    @app.get("/noslash")
    async def noslash() -> dict[str, bool]:
        return {"slash": False}

    return app


ITEM = {"name": "widget", "price": 9.5, "tags": ["a", "b"], "dims": {"w": 1.0, "h": 2.0}}

CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/plain", {}),
    ("GET", "/json", {}),
    ("GET", "/users/42?verbose=true", {}),
    ("GET", "/users/42?verbose=yes", {}),
    ("GET", "/users/42?verbose=maybe", {}),
    ("GET", "/users/abc", {}),
    ("GET", "/users/0", {}),
    ("GET", "/users/1.5", {}),
    ("GET", "/users/me/profile", {}),
    ("GET", "/q", {}),
    ("GET", "/q?q=abc&n=5&f=2&color=green&tags=a&tags=b&ids=1&ids=2&item-query=x&pat=abc", {}),
    ("GET", "/q?q=toolong", {}),
    ("GET", "/q?n=0", {}),
    ("GET", "/q?n=101", {}),
    ("GET", "/q?n=abc&f=x&color=blue&ids=1&ids=z&pat=ABC", {}),
    ("GET", "/q?n=", {}),
    ("GET", "/q?q=%20spaced+plus%26", {}),
    ("GET", "/required", {}),
    ("GET", "/required?needed=1&also=x", {}),
    ("GET", "/required?needed=1&also=xy", {}),
    ("GET", "/headers", {"headers": {"User-Agent": "agent"}}),
    ("GET", "/headers", {"headers": {"User-Agent": "ua/1", "X-Num": "5", "Cookie": "session=abc; other=1"}}),
    ("GET", "/headers", {"headers": [("X-Token", "a"), ("X-Token", "b"), ("X-Num", "no")]}),
    ("POST", "/items", {"json": ITEM}),
    ("POST", "/items", {"json": {"name": "w", "price": 1}}),
    ("POST", "/items", {"json": {**ITEM, "price": -1}}),
    ("POST", "/items", {"json": {**ITEM, "name": ""}}),
    ("POST", "/items", {"json": {**ITEM, "name": "x" * 65}}),
    ("POST", "/items", {"json": {**ITEM, "tags": ["t"] * 11}}),
    ("POST", "/items", {"json": {**ITEM, "dims": {"w": 1.0}}}),
    ("POST", "/items", {"json": {"price": "abc"}}),
    ("POST", "/items", {"json": [1, 2]}),
    ("POST", "/items", {"content": b'{"name": "x", ', "headers": {"content-type": "application/json"}}),
    ("POST", "/items", {"content": b"", "headers": {"content-type": "application/json"}}),
    ("POST", "/items", {}),
    ("POST", "/items", {"content": json.dumps(ITEM).encode(), "headers": {"content-type": "text/plain"}}),
    ("POST", "/items", {"content": json.dumps(ITEM).encode()}),
    ("POST", "/items", {"content": json.dumps(ITEM).encode(), "headers": {"content-type": "application/vnd.x+json"}}),
    ("PUT", "/items/5?q=z", {"json": {"item": ITEM, "importance": 3}}),
    ("PUT", "/items/5", {"json": {"item": ITEM}}),
    ("PUT", "/items/5", {"json": {"item": {"name": ""}, "importance": 0}}),
    ("PUT", "/items/x", {"json": {"importance": 1}}),
    ("POST", "/embed", {"json": {"item": ITEM}}),
    ("POST", "/embed", {"json": ITEM}),
    ("PUT", "/items/5", {"json": []}),
    ("PUT", "/items/5", {"json": "text"}),
    ("POST", "/embed", {"json": [1]}),
    ("POST", "/raw-list", {"json": [1, 2, 3]}),
    ("POST", "/raw-list", {"json": [1, "x"]}),
    ("POST", "/users", {"json": {"name": "n", "password": "secret"}}),
    ("GET", "/error/418", {}),
    ("GET", "/error/404", {}),
    ("GET", "/request?a=1&b=2", {}),
    ("GET", "/html", {}),
    ("GET", "/status", {}),
    ("GET", "/custom", {}),
    ("GET", "/v1/r/items/thing", {}),
    ("GET", "/nothing-here", {}),
    ("POST", "/json", {}),
    ("DELETE", "/users/1", {}),
    ("GET", "/slash", {}),
    ("GET", "/noslash/", {}),
]


def _call(client: Any, method: str, url: str, kwargs: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
    response = client.request(method, url, **kwargs)
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    names = ("allow", "x-error", "x-custom", "content-type")
    interesting = {k: response.headers[k] for k in names if k in response.headers}
    if "allow" in interesting:
        # genever answers HEAD on GET routes (FastAPI's APIRoute does not): a deliberate difference
        interesting["allow"] = interesting["allow"].replace(", HEAD", "")
    return response.status_code, body, interesting


@pytest.fixture(scope="module")
def fastapi_client() -> Any:
    return fastapi.testclient.TestClient(build(FRAMEWORKS["fastapi"]))


@pytest.fixture(scope="module", params=["asgi", "rsgi"])
def genever_client(request: pytest.FixtureRequest) -> Any:
    app = build(FRAMEWORKS["genever"])
    if request.param == "asgi":
        return genever.testclient.TestClient(app)
    return RSGITestClient(app)


@pytest.mark.parametrize(("method", "url", "kwargs"), CASES, ids=[f"{m} {u}" for m, u, _ in CASES])
def test_same_answer_as_fastapi(
    fastapi_client: Any, genever_client: Any, method: str, url: str, kwargs: dict[str, Any]
) -> None:
    expected = _call(fastapi_client, method, url, kwargs)
    got = _call(genever_client, method, url, kwargs)
    assert got == expected
