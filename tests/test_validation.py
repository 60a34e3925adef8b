"""Bodies of every supported model kind, and the FastAPI-format error records."""

import dataclasses
from typing import Annotated, Any, TypedDict

import msgspec
import pytest

from genever import Body, Genever


class Point(msgspec.Struct):
    x: int
    y: Annotated[float, msgspec.Meta(gt=0)]
    tags: Annotated[list[str], msgspec.Meta(max_length=2)] = []


@dataclasses.dataclass
class DC:
    name: str
    size: int = 1


class TD(TypedDict):
    name: str
    size: int


def _app() -> Genever:
    app = Genever()

    @app.post("/struct")
    def struct(p: Point) -> Point:
        return p

    @app.post("/structs")
    def structs(ps: list[Point]) -> int:
        return len(ps)

    @app.post("/dc")
    def dc(d: DC) -> DC:
        return d

    @app.post("/td")
    def td(t: TD) -> TD:
        return t

    @app.post("/scalar")
    def scalar(n: Annotated[int, Body(ge=0)]) -> int:
        return n * 2

    return app


JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    ("path", "body", "status", "expected"),
    [
        ("/struct", b'{"x": 1, "y": 2.5}', 200, {"x": 1, "y": 2.5, "tags": []}),
        ("/structs", b'[{"x": 1, "y": 1}, {"x": 2, "y": 2}]', 200, 2),
        ("/dc", b'{"name": "a"}', 200, {"name": "a", "size": 1}),
        ("/td", b'{"name": "a", "size": 3}', 200, {"name": "a", "size": 3}),
        ("/scalar", b"21", 200, 42),
    ],
)
def test_bodies(client_factory: Any, path: str, body: bytes, status: int, expected: Any) -> None:
    response = client_factory(_app()).post(path, content=body, headers=JSON)
    assert (response.status_code, response.json()) == (status, expected)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        # input as pydantic gives it: the object that lacks the field, or the offending value
        (b'{"y": 1}', {"type": "missing", "loc": ["body", "x"], "msg": "Field required", "input": {"y": 1}}),
        (b'{"x": "a", "y": 1}', {"type": "int_type", "loc": ["body", "x"], "input": "a"}),
        (b'{"x": 1, "y": 0}', {"type": "greater_than", "loc": ["body", "y"], "ctx": {"gt": 0.0}, "input": 0}),
        (b'{"x": 1, "y": 1, "tags": ["a", "b", "c"]}', {"type": "list_too_long", "loc": ["body", "tags"]}),
        (b'{"x": 1,', {"type": "json_invalid", "loc": ["body", 8], "msg": "JSON decode error"}),
    ],
)
def test_msgspec_struct_errors_in_fastapi_shape(client_factory: Any, body: bytes, error: dict[str, Any]) -> None:
    response = client_factory(_app()).post("/struct", content=body, headers=JSON)
    assert response.status_code == 422
    (got,) = response.json()["detail"]
    assert {k: got[k] for k in error} == error
    assert set(got) >= {"type", "loc", "msg", "input"}


def test_nested_struct_error_location(client_factory: Any) -> None:
    response = client_factory(_app()).post("/structs", content=b'[{"x": 1, "y": 1}, {"x": 2}]', headers=JSON)
    assert response.json()["detail"][0]["loc"] == ["body", 1, "y"]


def test_dataclass_and_typeddict_errors_are_pydantic_records(client_factory: Any) -> None:
    client = client_factory(_app())
    assert client.post("/dc", content=b'{"size": "x"}', headers=JSON).json()["detail"] == [
        {"type": "missing", "loc": ["body", "name"], "msg": "Field required", "input": {"size": "x"}},
        {"type": "int_parsing", "loc": ["body", "size"],
         "msg": "Input should be a valid integer, unable to parse string as an integer", "input": "x"},
    ]
    assert client.post("/scalar", content=b"-1", headers=JSON).json()["detail"][0]["type"] == "greater_than_equal"


def test_a_struct_body_a_client_broke_is_a_4xx(client_factory: Any) -> None:
    import msgspec

    from genever import Genever

    class Point(msgspec.Struct):
        x: int
        label: Any = None

    app = Genever()

    @app.post("/point")
    async def point(p: Point) -> dict[str, int]:
        return {"x": p.x}

    client = client_factory(app)
    headers = {"content-type": "application/json"}
    cases = {
        b'{"x": 1, "label": "\xff"}': 400,
        b'{"x": 1, "label": ' + b"9" * 5000 + b"}": 400,
        b'{"x": ' + b"9" * 5000 + b"}": 400,
        b'{"x": 1, "label": ' + b"[" * 5000 + b"]" * 5000 + b"}": 400,
        b'\xef\xbb\xbf{"x": 1}': 200,  # taken as FastAPI's json.loads takes it
        b'{"x": 1, "label": ' + b"[" * 600 + b"]" * 600 + b"}": 200,
        b'{"x": "a"}': 422,
        b'{"x": ': 422,
    }
    for body, status in cases.items():
        answer = client.post("/point", content=body, headers=headers)
        assert answer.status_code == status, (body[:40], answer.text[:200])


def test_a_lone_surrogate_echoed_back_is_replaced_not_a_500(client_factory: Any) -> None:
    from pydantic import BaseModel

    from genever import Genever

    class Item(BaseModel):
        name: str
        secret: str = "hidden"

    class Public(BaseModel):
        name: str

    app = Genever()

    @app.post("/echo", response_model=Public)
    async def echo(item: Item) -> Item:
        return item

    @app.post("/raw")
    async def raw(item: Item) -> dict[str, Any]:
        return {"name": item.name, "list": [item.name]}

    client = client_factory(app)
    body = b'{"name": "x\\ud800y"}'  # JSON may carry it; FastAPI's json.loads takes it
    answer = client.post("/echo", content=body, headers={"content-type": "application/json"})
    assert (answer.status_code, answer.json()) == (200, {"name": "x\ufffdy"})  # the response model still filters
    answer = client.post("/raw", content=body, headers={"content-type": "application/json"})
    assert answer.json() == {"name": "x\ufffdy", "list": ["x\ufffdy"]}
