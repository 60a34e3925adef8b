"""Form and parameter-model corner cases, differential: ``AliasChoices`` on ``Form()`` parameters
and form models (an empty value counts as absent, so the next choice is read), empty items of a
form list kept, ``populate_by_name``/``validate_by_alias=False`` form models, ``Json[Model]`` query,
header and cookie parameters (one value, not a parameter model), ``Model | None`` parameter models
without a default (required as a whole), ``loc_by_alias=False`` header models, hidden models,
and the media type documented for several form fields."""

from typing import Annotated, Any

import fastapi
import fastapi.testclient
import pytest
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, Json

import genever
import genever.testclient
from tests.compat import answers
from tests.rsgi_client import RSGITestClient


class Choice(BaseModel):
    value: Annotated[int, Field(validation_alias=AliasChoices("first", "second"))] = 10


class ListChoice(BaseModel):
    value: Annotated[list[str], Field(validation_alias=AliasChoices("first", "second"))]


class ByName(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    value: Annotated[int, Field(alias="input")] = 10


class NotByAlias(BaseModel):
    model_config = ConfigDict(validate_by_alias=False)
    value: Annotated[int, Field(alias="input")] = 10


class Payload(BaseModel):
    value: int


class Filters(BaseModel):
    term: str = "default"


class Named(BaseModel):
    display_name: Annotated[str, Field(validation_alias=AliasChoices("display_name", "name"))]
    department: str


class Headers(BaseModel):
    model_config = ConfigDict(loc_by_alias=False)
    int_val: int


def build(fw: Any) -> Any:
    app = (getattr(fw, "Genever", None) or fw.FastAPI)()
    Form, Query, Header, Cookie = fw.Form, fw.Query, fw.Header, fw.Cookie

    @app.post("/form")
    def form(value: Annotated[int, Form(validation_alias=AliasChoices("first", "second"))] = 10) -> int:
        return value

    @app.post("/form-list")
    def form_list(
        value: Annotated[list[str], Form(alias="legacy", validation_alias=AliasChoices("first", "second"))],
    ) -> list[str]:
        return value

    @app.post("/form-model")
    def form_model(data: Annotated[Choice, Form()]) -> dict[str, Any]:
        return {"values": data.model_dump(), "set": sorted(data.model_fields_set)}

    @app.post("/form-list-model")
    def form_list_model(data: Annotated[ListChoice, Form()]) -> dict[str, Any]:
        return data.model_dump()

    @app.post("/by-name")
    def by_name(data: Annotated[ByName, Form()]) -> dict[str, Any]:
        return {"values": data.model_dump(), "set": sorted(data.model_fields_set)}

    @app.post("/not-by-alias")
    def not_by_alias(data: Annotated[NotByAlias, Form()]) -> dict[str, Any]:
        return data.model_dump()

    @app.get("/json")
    def json_params(
        q: Annotated[Json[Payload], Query()],
        h: Annotated[Json[Payload] | None, Header()] = None,
        c: Annotated[Json[list[str]], Cookie()] = [],  # noqa: B006
    ) -> dict[str, Any]:
        return {"q": q.model_dump(), "h": h.model_dump() if h else None, "c": c}

    @app.get("/nullable")
    def nullable(filters: Annotated[Filters | None, Query()]) -> Any:
        return filters

    @app.get("/python-names")
    def python_names(data: Annotated[Headers, Header()]) -> int:
        return data.int_val

    @app.get("/hidden")
    def hidden(filters: Annotated[Filters | None, Query(include_in_schema=False)] = None) -> Any:
        return filters

    class FileModel(BaseModel):
        files: Annotated[list[fw.UploadFile], Field(validation_alias=AliasChoices("files", "legacy"))]
        file: Annotated[fw.UploadFile, Field(validation_alias=AliasChoices("file", "legacy"))]

    @app.post("/file-model")
    def file_model(data: Annotated[FileModel, Form()]) -> dict[str, Any]:
        return {"files": [f.filename for f in data.files], "file": data.file.filename}

    @app.post("/form-models")
    def form_models(named: Annotated[Named, Form()], choice: Annotated[Choice | None, Form()] = None) -> list[Any]:
        return [named.model_dump(), choice.model_dump() if choice else None]

    @app.post("/media")
    def media(
        name: Annotated[str, Form(media_type="application/x-www-form-urlencoded")],
        token: Annotated[str, Form(media_type="multipart/form-data")],
    ) -> list[str]:
        return [name, token]

    @app.post("/charset")
    def charset(
        name: Annotated[str, Form(media_type="application/x-www-form-urlencoded; charset=utf-8")],
        token: Annotated[str, Form(media_type="application/x-www-form-urlencoded; charset=utf-8")],
    ) -> list[str]:
        return [name, token]

    return app


URLENCODED = "application/x-www-form-urlencoded"
CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/form", {"data": {"first": "", "second": "5"}}),
    ("POST", "/form", {"data": {"first": "", "second": ""}}),
    ("POST", "/form", {"data": {"first": "5", "second": "6"}}),
    ("POST", "/form", {"files": {"first": (None, ""), "second": (None, "x")}}),
    ("POST", "/form-list", {"data": {"second": ["", "hello"]}}),
    ("POST", "/form-list", {"data": {"first": [""], "second": ["hello"]}}),
    ("POST", "/form-list", {"data": {"second": ["1", "x"], "legacy": "3"}}),
    ("POST", "/form-list", {"data": {"legacy": "3"}}),
    ("POST", "/form-model", {"data": {"first": "", "second": "5"}}),
    ("POST", "/form-model", {"data": {"first": "", "second": ""}}),
    ("POST", "/form-model", {"data": {"second": "x"}}),
    ("POST", "/form-list-model", {"data": {"first": [""], "second": ["a"]}}),
    ("POST", "/by-name", {"data": {"value": "5"}}),
    ("POST", "/by-name", {"data": {"input": "", "value": "6"}}),
    ("POST", "/by-name", {"data": {"value": ""}}),
    ("POST", "/not-by-alias", {"data": {"value": "5", "input": "6"}}),
    ("GET", "/json?q=%7B%22value%22%3A%202%7D", {"headers": {"h": '{"value": 3}', "cookie": 'c=["a"]'}}),
    ("GET", "/json?q=not-json", {}),
    ("GET", "/json", {}),
    ("GET", "/nullable", {}),
    ("GET", "/nullable?term=", {}),
    ("GET", "/python-names", {"headers": {"int-val": "x"}}),
    ("GET", "/python-names", {}),
    ("GET", "/hidden", {}),
    ("GET", "/hidden?term=t", {}),
    ("POST", "/file-model", {"files": [("legacy", ("1", b"1")), ("legacy", ("2", b"2")), ("file", ("f", b"f"))]}),
    ("POST", "/form-models", {"data": {"name": "Ann", "department": "R&D", "second": "2"}}),
    ("POST", "/form-models", {"data": {"department": "R&D"}}),
    ("POST", "/media", {"files": {"name": (None, "Rick"), "token": (None, "secret")}}),
    ("POST", "/charset", {"content": "name=a&token=b", "headers": {"content-type": URLENCODED + "; charset=utf-8"}}),
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


class First(BaseModel):
    first: int


class Second(BaseModel):
    second: int


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str


def build_shared(fw: Any) -> Any:
    """Body parameters several calls declare: one name for two models, one alias for two files, and
    a form parameter only an override declares."""
    app = (getattr(fw, "Genever", None) or fw.FastAPI)()
    Form, File, Depends = fw.Form, fw.File, fw.Depends

    def first_of(data: Annotated[First, Form()]) -> First:
        return data

    @app.post("/same-name")
    def same_name(data: Annotated[Second, Form()], first: Annotated[First, Depends(first_of)]) -> list[Any]:
        return [first.model_dump(), data.model_dump()]

    def count(files: Annotated[list[bytes], File()]) -> int:
        return len(files)

    @app.post("/same-alias")
    def same_alias(
        n: Annotated[int, Depends(count)],
        files: Annotated[list[bytes], File()],
        last: Annotated[bytes, File(alias="files")],
    ) -> dict[str, Any]:
        return {"n": n, "files": [f.decode() for f in files], "last": last.decode()}

    def token() -> str:
        return "default"

    def replacement(token: Annotated[str, Form()]) -> str:
        return token

    @app.post("/override")
    def override(profile: Annotated[Profile, Form()], value: Annotated[str, Depends(token)]) -> list[Any]:
        return [profile.model_dump(), value]

    app.dependency_overrides[token] = replacement
    return app


SHARED: list[tuple[str, dict[str, Any]]] = [
    ("/same-name", {"data": {"first": "1", "second": "2"}}),
    ("/same-name", {"data": {"first": "x"}}),
    ("/same-alias", {"files": [("files", ("a.txt", b"one")), ("files", ("b.txt", b"two"))]}),
    ("/override", {"data": {"name": "Rick"}}),
    ("/override", {"data": {"name": "Rick", "token": "secret"}}),
]


@pytest.mark.parametrize("adapter", ["asgi", "rsgi"])
@pytest.mark.parametrize(("url", "kwargs"), SHARED, ids=[f"{u} {k}" for u, k in SHARED])
def test_shared_body_parameters(adapter: str, url: str, kwargs: dict[str, Any]) -> None:
    with fastapi.testclient.TestClient(build_shared(fastapi)) as theirs:
        expected = theirs.post(url, **kwargs)
    client_cls = genever.testclient.TestClient if adapter == "asgi" else RSGITestClient
    with client_cls(build_shared(genever)) as ours:
        got = ours.post(url, **kwargs)
    assert (got.status_code, got.json()) == (expected.status_code, expected.json())
