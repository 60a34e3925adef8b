"""Signature analysis: FastAPI's inference rules and startup errors naming the route."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Annotated, Any, TypedDict

import msgspec
import pytest
from pydantic import BaseModel

from genever import Body, ConfigurationError, Cookie, Depends, Genever, Header, Path, Query, Request
from genever._analysis import get_dependant


class Model(BaseModel):
    a: int


class Struct(msgspec.Struct):
    a: int


@dataclasses.dataclass
class DC:
    a: int


class TD(TypedDict):
    a: int


def _sources(func: Any, path: str = "/x/{item_id}") -> dict[str, tuple[str, str]]:
    app = Genever()
    route = app.add_api_route(path, func)
    return {
        spec.name: (spec.source, spec.alias)
        for node in route.dependant.walk()
        for spec in node.own_params + node.body_params
    }


def test_inference_follows_fastapi() -> None:
    def handler(
        item_id: int,
        q: str,
        opt: int | None,
        model: Model,
        struct: Struct,
        dc: DC,
        td: TD,
        x_token: Annotated[str, Header()],
        raw: Annotated[str, Header(convert_underscores=False)],
        session: Annotated[str, Cookie()],
        listed: Annotated[list[int], Query()],
        request: Request,
    ) -> None: ...

    assert _sources(handler) == {
        "item_id": ("path", "item_id"),
        "q": ("query", "q"),
        "opt": ("query", "opt"),
        "model": ("body", "model"),
        "struct": ("body", "struct"),
        "dc": ("body", "dc"),
        "td": ("body", "td"),
        "x_token": ("header", "x-token"),
        "raw": ("header", "raw"),
        "session": ("cookie", "session"),
        "listed": ("query", "listed"),
    }


def test_default_value_style_and_alias() -> None:
    def handler(q: str = Query("x", alias="item-q"), b: int = Body(1)) -> None: ...

    assert _sources(handler, "/x") == {"q": ("query", "item-q"), "b": ("body", "b")}


def test_unannotated_list_is_body_as_in_fastapi() -> None:
    def handler(values: list[int]) -> None: ...

    assert _sources(handler, "/x") == {"values": ("body", "values")}


@pytest.mark.parametrize(
    ("path", "func", "message"),
    [
        ("/x", lambda item_id=Path(): None, "parameter 'item_id'"),
        ("/x/{item_id}", lambda item_id=Query(1): None, "declared as Query but the path captures {item_id}"),
    ],
)
def test_startup_errors_name_route_and_parameter(path: str, func: Any, message: str) -> None:
    app = Genever()
    with pytest.raises(ConfigurationError) as info:
        app.add_api_route(path, func)
    assert "GET " + path in str(info.value)
    assert message in str(info.value)


def _dict_header(q: Annotated[dict[str, int], Header()]) -> None: ...


def _model_list_query(q: Annotated[list[Model], Query()]) -> None: ...


@pytest.mark.parametrize("handler", [_dict_header, _model_list_query])
def test_non_scalar_query_is_rejected(handler: Any) -> None:
    with pytest.raises(ConfigurationError, match=r"GET /x: parameter 'q' of .*\(\) has the non-scalar type"):
        Genever().add_api_route("/x", handler)


def test_a_pydantic_model_in_query_header_or_cookie_is_a_parameter_model() -> None:
    def handler(q: Annotated[Model, Query()], h: Annotated[Model | None, Header()] = None) -> None: ...

    dependant = get_dependant(path="/x", call=handler, route="GET /x")
    assert [(spec.source, spec.model) for spec in dependant.own_params] == [("query", Model), ("header", Model)]


def test_default_inside_annotated_is_rejected() -> None:
    def handler(q: Annotated[int, Query(5)]) -> None: ...

    with pytest.raises(ConfigurationError, match="put the default after '='"):
        Genever().add_api_route("/x", handler)


def _cycle_a(x: Any = None) -> None: ...


def _cycle_b(y: Annotated[None, Depends(_cycle_a)]) -> None: ...


_cycle_a.__defaults__ = (Depends(_cycle_b),)


def test_dependency_cycle_is_reported() -> None:
    def handler(v: Annotated[None, Depends(_cycle_a)]) -> None: ...

    cycle = r"GET /x: dependency cycle: .*_cycle_a\(\) -> .*_cycle_b\(\) -> .*_cycle_a\(\)"
    with pytest.raises(ConfigurationError, match=cycle):
        Genever().add_api_route("/x", handler)


def test_generator_endpoints_stream_by_response_class() -> None:
    from genever.responses import StreamingResponse
    from genever.sse import EventSourceResponse

    async def items() -> AsyncIterator[Model]:
        yield Model(a=1)

    def chunks():  # type: ignore[no-untyped-def]
        yield b"x"

    app = Genever()
    app.add_api_route("/jsonl", items)
    app.add_api_route("/sse", items, response_class=EventSourceResponse)
    app.add_api_route("/raw", chunks, response_class=StreamingResponse)
    app.add_api_route("/plain", chunks)
    streams = {"/jsonl": ("jsonl", Model), "/sse": ("sse", Model), "/raw": ("raw", None), "/plain": ("jsonl", None)}
    assert {r.path: (r.stream_mode, r.stream_item_type) for r in app.routes if r.path in streams} == streams


def test_conflicting_routes_are_named_at_startup() -> None:
    app = Genever()

    @app.get("/users/{id}")
    def one(id: int) -> None: ...

    @app.get("/users/{user_id}")
    def two(user_id: int) -> None: ...

    with pytest.raises(ConfigurationError) as info:
        app.freeze()
    assert "/users/{id}" in str(info.value)
    assert "/users/{user_id}" in str(info.value)


def test_same_method_and_path_twice_is_a_conflict() -> None:
    app = Genever()

    @app.get("/a")
    def one() -> None: ...

    @app.get("/a")
    def two() -> None: ...

    with pytest.raises(ConfigurationError, match=r"GET /a \(two\) conflicts with GET /a \(one\)"):
        app.freeze()


def test_a_decorated_generator_endpoint_streams_too() -> None:
    import functools

    from genever.testclient import TestClient

    def logged(func: Any) -> Any:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return func(*args, **kwargs)

        return wrapper

    app = Genever()

    @app.get("/numbers")
    @logged
    def numbers(n: int = 2) -> Any:
        yield from ({"n": i} for i in range(n))

    assert TestClient(app).get("/numbers?n=3").text == '{"n":0}\n{"n":1}\n{"n":2}\n'
