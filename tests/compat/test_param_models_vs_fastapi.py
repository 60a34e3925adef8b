"""Parameter models (``Annotated[Model, Query()]``, ``Header()``, ``Cookie()``), differential:
FastAPI and genever read the same fields, answer the same errors (with the same
``loc`` and ``input``) and document the same parameters.
"""

import datetime
from typing import Annotated, Any, Literal

import fastapi
import fastapi.testclient
import pytest
from pydantic import BaseModel, ConfigDict, Field

import genever
import genever.testclient
from tests.compat import answers


class Filters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(100, gt=0, le=100)
    offset: int = Field(0, ge=0, description="rows to skip")
    order_by: Literal["created_at", "updated_at"] = "created_at"
    tags: list[str] = []


class Loose(BaseModel):
    q: str | None = None
    page: int = Field(1, alias="p")


class DateRange(BaseModel):
    start: datetime.date
    end: datetime.date


class CommonHeaders(BaseModel):
    save_data: bool
    if_modified_since: str | None = None
    x_tag: list[str] = []


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    session_id: str
    fatebook_tracker: str | None = None


def build(fw: Any) -> Any:
    app = (getattr(fw, "Genever", None) or fw.FastAPI)()
    Query, Header, Cookie = fw.Query, fw.Header, fw.Cookie

    @app.get("/filters")
    def filters(f: Annotated[Filters, Query()]) -> Filters:
        return f

    @app.get("/loose")
    def loose(f: Annotated[Loose, Query()], extra: int = 0) -> dict[str, Any]:
        return {"f": f.model_dump(), "extra": extra}

    @app.get("/optional")
    def optional(f: Annotated[Loose | None, Query()] = None) -> Any:
        return None if f is None else f.model_dump()

    @app.get("/range")
    def date_range(limit: int = 10, r: Annotated[DateRange | None, Query()] = None) -> Any:
        return {"limit": limit, "r": r}

    @app.get("/headers")
    def headers(h: Annotated[CommonHeaders, Header()]) -> CommonHeaders:
        return h

    @app.get("/raw-headers")
    def raw_headers(h: Annotated[CommonHeaders, Header(convert_underscores=False)]) -> CommonHeaders:
        return h

    @app.get("/cookies")
    def cookies(c: Annotated[Strict, Cookie()]) -> Strict:
        return c

    return app


CASES: list[tuple[str, dict[str, str]]] = [
    ("/filters", {}),
    ("/filters?limit=5&offset=2&order_by=updated_at&tags=a&tags=b", {}),
    ("/filters?limit=150&offset=-1&order_by=nope", {}),
    ("/filters?limit=x", {}),
    ("/filters?tool=plumbus", {}),
    ("/loose?q=x&p=3&extra=4&other=1", {}),
    ("/loose?page=3", {}),
    ("/loose?p=zero", {}),
    ("/optional", {}),
    ("/optional?q=y", {}),
    ("/range", {}),
    ("/range?start=2024-01-01&end=2024-02-01", {}),
    ("/headers", {"save-data": "true", "x-tag": "a", "if-modified-since": "yesterday"}),
    ("/headers", {"save-data": "maybe"}),
    ("/headers", {"save_data": "true"}),
    ("/headers", {}),
    ("/raw-headers", {"save_data": "true", "x_tag": "t"}),
    ("/raw-headers", {"save-data": "true"}),
    ("/cookies", {"cookie": "session_id=abc; fatebook_tracker=xyz"}),
    ("/cookies", {"cookie": "session_id=abc; santa_tracker=good-list"}),
    ("/cookies", {}),
]


@pytest.fixture(scope="module")
def apps() -> dict[str, Any]:
    return {"fastapi": build(fastapi), "genever": build(genever)}


@pytest.mark.parametrize("adapter", ["asgi", "rsgi"])
@pytest.mark.parametrize(("url", "headers"), CASES, ids=[f"{u} {sorted(h)}" for u, h in CASES])
def test_same_answer(apps: dict[str, Any], adapter: str, url: str, headers: dict[str, str]) -> None:
    expected, got = answers(apps["fastapi"], apps["genever"], adapter, "GET", url, headers=headers)
    assert (got.status_code, got.json()) == (expected.status_code, expected.json())


def test_same_documented_parameters(apps: dict[str, Any]) -> None:
    expected = apps["fastapi"].openapi()["paths"]
    got = apps["genever"].openapi()["paths"]
    for path, operations in expected.items():
        assert got[path]["get"].get("parameters") == operations["get"].get("parameters"), path
