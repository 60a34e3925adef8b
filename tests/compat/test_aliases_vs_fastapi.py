"""Parameter names, differential: ``alias`` and ``validation_alias`` on Query, Header, Cookie,
Form and embedded Body parameters are read, reported in errors and documented as FastAPI does."""

from typing import Annotated, Any

import fastapi
import fastapi.testclient
import pytest

import genever
import genever.testclient
from tests.compat import answers


def build(fw: Any) -> Any:
    app = (getattr(fw, "Genever", None) or fw.FastAPI)()

    @app.get("/query")
    def query(
        p: Annotated[str, fw.Query(validation_alias="p_val")],
        q: Annotated[int, fw.Query(alias="q-alias")] = 0,
        r: Annotated[list[str] | None, fw.Query(alias="r_alias", validation_alias="r_val")] = None,
    ) -> dict[str, Any]:
        return {"p": p, "q": q, "r": r}

    @app.get("/header")
    def header(
        x_token: Annotated[str, fw.Header(validation_alias="x_raw_token")],
        x_other: Annotated[str | None, fw.Header()] = None,
    ) -> dict[str, Any]:
        return {"x_token": x_token, "x_other": x_other}

    @app.get("/cookie")
    def cookie(session: Annotated[str, fw.Cookie(validation_alias="sid")]) -> str:
        return session

    @app.post("/form")
    def form(name: Annotated[str, fw.Form(validation_alias="user_name")]) -> str:
        return name

    @app.post("/body")
    def body(
        a: Annotated[int, fw.Body(validation_alias="a_val")],
        b: Annotated[int, fw.Body(alias="b-alias")],
    ) -> int:
        return a + b

    return app


CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/query?p_val=x&q-alias=2&r_val=a&r_val=b", {}),
    ("GET", "/query?p=x&q=2&r_alias=a", {}),
    ("GET", "/query?p_val=x&q-alias=no", {}),
    ("GET", "/header", {"headers": {"x_raw_token": "t", "x-other": "o"}}),
    ("GET", "/header", {"headers": {"x-raw-token": "t", "x-token": "t"}}),
    ("GET", "/cookie", {"cookies": {"sid": "s"}}),
    ("GET", "/cookie", {"cookies": {"session": "s"}}),
    ("POST", "/form", {"data": {"user_name": "ann"}}),
    ("POST", "/form", {"data": {"name": "ann"}}),
    ("POST", "/body", {"json": {"a_val": 1, "b-alias": 2}}),
    ("POST", "/body", {"json": {"a": 1, "b": 2}}),
]


@pytest.fixture(scope="module")
def apps() -> dict[str, Any]:
    return {"fastapi": build(fastapi), "genever": build(genever)}


@pytest.mark.parametrize("adapter", ["asgi", "rsgi"])
@pytest.mark.parametrize(("method", "url", "kwargs"), CASES, ids=[f"{m} {u} {sorted(k)}" for m, u, k in CASES])
def test_same_answer(apps: dict[str, Any], adapter: str, method: str, url: str, kwargs: dict[str, Any]) -> None:
    kwargs = dict(kwargs)
    client = {"cookies": kwargs.pop("cookies", None)}
    expected, got = answers(apps["fastapi"], apps["genever"], adapter, method, url, client, **kwargs)
    assert (got.status_code, got.json()) == (expected.status_code, expected.json())


def test_same_document(apps: dict[str, Any]) -> None:
    expected, got = apps["fastapi"].openapi(), apps["genever"].openapi()
    assert got["paths"] == expected["paths"]
    assert got["components"] == expected["components"]
