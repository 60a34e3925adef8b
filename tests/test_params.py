"""``params``: the parameter declarations (``Query``, ``Path``, ``Header``, ``Cookie``,
``Body``, ``Form``, ``File``, ``Depends``, ``Security``) — what each records, and what it
does to a route, on both adapters."""

from __future__ import annotations

from typing import Annotated, Any

import pytest

from genever import Body, Cookie, Depends, Form, Genever, Header, Path, Query, Security
from genever.params import Param, ParamTypes, Unset
from genever.security import SecurityScopes


def test_unset_is_a_falsy_singleton() -> None:
    assert not Unset
    assert repr(Unset) == "Unset"
    assert type(Unset)() is Unset


def test_required_is_no_default_and_no_factory() -> None:
    assert Query().required
    assert Query(...).required
    assert not Query(None).required
    assert not Query(default_factory=list).required
    with pytest.raises(TypeError, match="cannot set both 'default' and 'default_factory'"):
        Query(1, default_factory=list)


def test_constraints_and_schema_keywords_keep_only_what_was_set() -> None:
    param = Query(
        3, ge=1, le=10, regex="^a", title="T", description="D", examples=[1], deprecated=True,
        json_schema_extra={"x": 1},
    )  # fmt: skip
    assert param.constraints() == {"ge": 1, "le": 10, "pattern": "^a"}
    assert param.schema_keywords() == {
        "title": "T",
        "description": "D",
        "examples": [1],
        "json_schema_extra": {"x": 1, "deprecated": True},
    }
    assert Query().constraints() == {} and Query().schema_keywords() == {}
    assert repr(Query(3)) == "Query(3)"


def test_where_each_declaration_reads_from() -> None:
    assert [cls.source for cls in (Path, Query, Header, Cookie, Body, Form)] == [
        "path", "query", "header", "cookie", "body", "form"
    ]  # fmt: skip
    assert (Path.in_, Query.in_, Header.in_, Cookie.in_) == (
        ParamTypes.path, ParamTypes.query, ParamTypes.header, ParamTypes.cookie
    )  # fmt: skip
    assert isinstance(Form(), Body) and Form().embed is True
    assert Form().media_type == "application/x-www-form-urlencoded"
    assert Body().media_type == "application/json" and Body(embed=True).embed is True
    assert Header().convert_underscores and not Header(convert_underscores=False).convert_underscores
    assert issubclass(Path, Param)


def test_a_path_parameter_cannot_have_a_default() -> None:
    assert Path().required
    with pytest.raises(TypeError, match="Path parameters cannot have a default value"):
        Path(1)


def test_depends_and_security_record_cache_scope_and_scopes() -> None:
    def dep() -> None: ...

    assert repr(Depends(dep)) == "Depends(dep)"
    assert repr(Depends(dep, use_cache=False)) == "Depends(dep, use_cache=False)"
    assert Depends(dep, scope="function").scope == "function"
    security = Security(dep, scopes=("read", "write"))
    assert isinstance(security, Depends) and security.scopes == ["read", "write"]


def test_declarations_drive_validation(client_factory: Any) -> None:
    app = Genever()

    @app.get("/items/{item_id}")
    async def read(
        item_id: Annotated[int, Path(ge=1)],
        q: Annotated[str | None, Query(max_length=3)] = None,
        x_token: Annotated[str, Header()] = "none",
        session: Annotated[str | None, Cookie()] = None,
        size: Annotated[int, Query(alias="page-size")] = 10,
    ) -> dict[str, Any]:
        return {"item_id": item_id, "q": q, "x_token": x_token, "session": session, "size": size}

    client = client_factory(app)
    response = client.get("/items/2?q=abc&page-size=5", headers={"x-token": "t", "cookie": "session=s"})
    assert response.json() == {"item_id": 2, "q": "abc", "x_token": "t", "session": "s", "size": 5}
    assert client.get("/items/2").json() == {"item_id": 2, "q": None, "x_token": "none", "session": None, "size": 10}
    bad = client.get("/items/0?q=abcd")
    assert bad.status_code == 422
    assert [(e["loc"], e["type"]) for e in bad.json()["detail"]] == [
        (["path", "item_id"], "greater_than_equal"),
        (["query", "q"], "string_too_long"),
    ]


def scopes(security_scopes: SecurityScopes) -> list[str]:
    return security_scopes.scopes


def test_embedded_body_and_security_scopes(client_factory: Any) -> None:
    app = Genever()

    @app.post("/items")
    async def create(
        name: Annotated[str, Body(embed=True)], granted: Annotated[list[str], Security(scopes, scopes=["items"])]
    ) -> dict[str, Any]:
        return {"name": name, "granted": granted}

    client = client_factory(app)
    assert client.post("/items", json={"name": "n"}).json() == {"name": "n", "granted": ["items"]}
    missing = client.post("/items", json={})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "name"]
