"""``validation_alias=AliasChoices(...)`` (and ``AliasPath``) on parameters, differential: Query,
Header, Cookie, Path and Body parameters and parameter models read the first choice the request
holds, report errors under the choice read (missing ones under the first), keep unused choices as
extras of a model, and are documented as FastAPI documents them."""

from typing import Annotated, Any

import fastapi
import fastapi.testclient
import httpx
import pytest
from pydantic import AliasChoices, AliasPath, BaseModel, ConfigDict, Field

import genever
import genever.testclient
from tests.compat import answers
from tests.servers import served_by_each, server_commands

SERVERS = server_commands("tests.server_apps.alias_choices:app", "genever-run", "granian-rsgi", "uvicorn")


class QueryModel(BaseModel):
    value: Annotated[int, Field(alias="ignored", validation_alias=AliasChoices("first", "second"))]
    items: Annotated[list[str], Field(validation_alias=AliasChoices("item", "tag"))] = ["default"]


class HeaderModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    x_value: Annotated[int, Field(validation_alias=AliasChoices("X-First", "X-Second"))]
    item_values: Annotated[list[str], Field(validation_alias=AliasChoices("item_values", "X-Tag"))] = ["d"]


class CookieModel(BaseModel):
    model_config = ConfigDict(extra="allow")
    value: Annotated[int, Field(validation_alias=AliasChoices("session", "legacy_session"))]


class ByName(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    item_count: Annotated[int, Field(alias="count")]


def build(fw: Any) -> Any:
    app = (getattr(fw, "Genever", None) or fw.FastAPI)()
    Query, Header, Cookie, Path, Body = fw.Query, fw.Header, fw.Cookie, fw.Path, fw.Body

    @app.get("/query")
    def query(
        value: Annotated[int, Query(alias="ignored", validation_alias=AliasChoices("first", "second"))],
        items: Annotated[list[str], Query(validation_alias=AliasChoices("item", "tag"))] = ["default"],  # noqa: B006
        inferred: Annotated[int, Field(validation_alias=AliasChoices("third", "fourth"))] = 0,
        path_alias: Annotated[int, Query(validation_alias=AliasPath("nested", 0))] = 0,
    ) -> dict[str, Any]:
        return {"value": value, "items": items, "inferred": inferred, "path_alias": path_alias}

    @app.get("/query-model")
    def query_model(data: Annotated[QueryModel, Query()]) -> dict[str, Any]:
        return data.model_dump()

    @app.get("/by-name")
    def by_name(data: Annotated[ByName, Query()]) -> dict[str, Any]:
        return data.model_dump()

    @app.get("/header")
    def header(
        x_value: Annotated[int, Header(alias="ignored", validation_alias=AliasChoices("X-First", "X-Second"))],
        item_values: Annotated[list[str], Header(validation_alias=AliasChoices("item_values", "X-Tag"))] = ["d"],  # noqa: B006
    ) -> dict[str, Any]:
        return {"x_value": x_value, "item_values": item_values}

    @app.get("/header-model")
    def header_model(data: Annotated[HeaderModel, Header()]) -> dict[str, Any]:
        return data.model_dump()

    @app.get("/cookie")
    def cookie(value: Annotated[int, Cookie(validation_alias=AliasChoices("session", "legacy_session"))]) -> int:
        return value

    @app.get("/cookie-model")
    def cookie_model(data: Annotated[CookieModel, Cookie()]) -> dict[str, Any]:
        return data.model_dump()

    @app.post("/body")
    def body(
        items: Annotated[list[int], Body(default_factory=list, validation_alias=AliasChoices("items", "tags"))],
        value: Annotated[int | None, Body(alias="ignored", validation_alias=AliasChoices("first", "second"))] = 10,
    ) -> dict[str, Any]:
        return {"value": value, "items": items}

    identifier = Path(alias="unused", validation_alias=AliasChoices("item_id", "id"), ge=1)

    def get_identifier(value: Annotated[int, identifier]) -> int:
        return value

    router = fw.APIRouter()

    @router.get("/")
    def read_item(value: Annotated[int, fw.Depends(get_identifier)]) -> int:
        return value

    app.include_router(router, prefix="/items/{item_id}")
    app.include_router(router, prefix="/legacy/{id}")
    return app


CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/query?second=1", {}),
    ("GET", "/query?second=2&first=1&tag=x&item=a&item=b", {}),
    ("GET", "/query?second=1&second=2&tag=a&tag=b&fourth=4", {}),
    ("GET", "/query?first=&second=2", {}),
    ("GET", "/query?second=bad", {}),
    ("GET", "/query?ignored=1&value=1", {}),
    ("GET", "/query?first=1&path_alias=3&nested=4", {}),
    ("GET", "/query-model?second=1&tag=a&tag=b", {}),
    ("GET", "/query-model?first=1&second=x", {}),
    ("GET", "/query-model?second=bad", {}),
    ("GET", "/query-model", {}),
    ("GET", "/by-name?count=1", {}),
    ("GET", "/by-name?item_count=2", {}),
    ("GET", "/header", {"headers": [("x-second", "1"), ("X-SECOND", "2"), ("ITEM_VALUES", "a")]}),
    ("GET", "/header", {"headers": [("x-second", "2"), ("x-first", "1"), ("x-tag", "t1"), ("x-tag", "t2")]}),
    ("GET", "/header", {"headers": {"x-first": "bad", "x-second": "2"}}),
    ("GET", "/header", {"headers": {"x-value": "1", "ignored": "1"}}),
    ("GET", "/header-model", {"headers": {"x-second": "1", "x-tag": "t"}}),
    ("GET", "/header-model", {"headers": {"x-first": "1", "x-second": "2"}}),
    ("GET", "/header-model", {"headers": {"x-second": "bad"}}),
    ("GET", "/cookie", {"headers": {"cookie": "legacy_session=2; session=1"}}),
    ("GET", "/cookie", {"headers": {"cookie": "legacy_session=1; legacy_session=2"}}),
    ("GET", "/cookie", {"headers": {"cookie": "legacy_session=bad"}}),
    ("GET", "/cookie", {"headers": {"cookie": "Session=1"}}),
    ("GET", "/cookie-model", {"headers": {"cookie": "session=1; legacy_session=2"}}),
    ("GET", "/cookie-model", {"headers": {"cookie": "other=1"}}),
    ("POST", "/body", {"json": {"second": 2, "tags": [3, 4]}}),
    ("POST", "/body", {"json": {"second": 2, "first": 0, "tags": [3], "items": []}}),
    ("POST", "/body", {"json": {"first": None, "second": 2}}),
    ("POST", "/body", {"json": {"tags": [1, "bad"], "second": "bad"}}),
    ("POST", "/body", {"json": {"value": 1, "ignored": 2}}),
    ("POST", "/body", {"content": b"[]", "headers": {"content-type": "application/json"}}),
    ("GET", "/items/1/", {}),
    ("GET", "/legacy/2/", {}),
    ("GET", "/items/0/", {}),
    ("GET", "/legacy/bad/", {}),
]


@pytest.fixture(scope="module")
def apps() -> dict[str, Any]:
    return {"fastapi": build(fastapi), "genever": build(genever)}


@pytest.mark.parametrize("adapter", ["asgi", "rsgi"])
@pytest.mark.parametrize(("method", "url", "kwargs"), CASES, ids=[f"{m} {u} {k}" for m, u, k in CASES])
def test_same_answer(apps: dict[str, Any], adapter: str, method: str, url: str, kwargs: dict[str, Any]) -> None:
    expected, got = answers(apps["fastapi"], apps["genever"], adapter, method, url, **kwargs)
    assert (got.status_code, got.json()) == (expected.status_code, expected.json())


def test_same_document(apps: dict[str, Any]) -> None:
    expected, got = apps["fastapi"].openapi(), apps["genever"].openapi()
    assert got["paths"] == expected["paths"]
    assert got["components"] == expected["components"]


def test_a_path_parameter_no_route_captures_fails_at_startup() -> None:
    # a router's route may get its {id} from the prefix; the app checks the served path when it starts
    router = genever.APIRouter()

    @router.get("/")
    def read(value: Annotated[int, genever.Path(validation_alias=AliasChoices("item_id", "id"))]) -> int:
        return value  # pragma: no cover - never served

    app = genever.Genever()
    app.include_router(router, prefix="/things/{thing_id}")
    message = r"GET /things/\{thing_id\}/: parameter 'value'"
    error = genever.exceptions.ConfigurationError
    with pytest.raises(error, match=message), genever.testclient.TestClient(app) as client:
        client.get("/things/1/")


server = served_by_each(SERVERS, name="server")


def test_choices_through_real_servers(server: str) -> None:
    with httpx.Client(base_url=server, timeout=10) as client:
        legacy = client.get("/read?p=3", headers={"X-LEGACY-TOKEN": "old", "Cookie": "session=s1"})
        assert (legacy.status_code, legacy.json()) == (200, {"token": "old", "page": 3, "session": "s1"})
        both = client.get("/read?p=3&page=2", headers=[("x-legacy-token", "old"), ("x-token", "new")])
        assert both.json() == {"token": "new", "page": 2, "session": None}
        bad = client.get("/read?p=x", headers={"x-token": "t"})
        assert bad.status_code == 422
        assert [(e["type"], e["loc"]) for e in bad.json()["detail"]] == [("int_parsing", ["query", "p"])]
        missing = client.get("/read")
        assert [(e["type"], e["loc"]) for e in missing.json()["detail"]] == [("missing", ["header", "X-Token"])]
        assert client.get("/filters?label=a&label=b").json() == {"tags": ["a", "b"]}
