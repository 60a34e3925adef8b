"""``requests``: one ``Request`` over ASGI and RSGI — the same answers from both adapters,
everything parsed lazily and at most once."""

from __future__ import annotations

from typing import Any

import pytest

from genever import Genever, Request
from genever.requests import parse_cookies


def echo_app() -> Genever:
    app = Genever()

    @app.get("/items/{item_id}", name="item")
    async def item(request: Request, item_id: int) -> dict[str, Any]:
        return {
            "method": request.method,
            "path": request.path,
            "path_params": request.path_params,
            "query_string": request.query_string,
            "query_pairs": request.query_pairs(),
            "query_dict": request.query_dict(),
            "query_params": request.query_params.multi_items(),
            "header": request.header("x-one"),
            "missing": request.header("x-missing"),
            "header_list": request.header_list("x-many"),
            "cookies": request.cookies,
            "url": str(request.url),
            "base_url": str(request.base_url),
            "url_for": str(request.url_for("item", item_id=9)),
            "scheme": request.scheme,
            "scope_path": request.scope["path"],
            "scope_type": request.scope["type"],
        }

    @app.post("/body")
    async def body(request: Request) -> dict[str, Any]:
        raw = await request.body()
        return {"raw": raw.decode(), "again": (await request.body()).decode(), "json": await request.json()}

    @app.post("/stream")
    async def stream(request: Request) -> dict[str, Any]:
        chunks = [chunk async for chunk in request.stream()]
        return {"size": sum(map(len, chunks))}

    @app.post("/form")
    async def form(request: Request) -> dict[str, Any]:
        data = await request.form()
        return {"items": data.multi_items(), "same": data is await request.form()}

    return app


def test_the_request_reads_the_same_on_both_adapters(client_factory: Any) -> None:
    client = client_factory(echo_app())
    response = client.get(
        "/items/3?a=1&b=2&a=3",
        headers=[("X-One", "1"), ("X-Many", "a"), ("X-Many", "b"), ("Cookie", 'session=abc; theme="dark"')],
    )
    assert response.status_code == 200
    data = response.json()
    assert data == {
        "method": "GET",
        "path": "/items/3",
        "path_params": {"item_id": "3"},
        "query_string": "a=1&b=2&a=3",
        "query_pairs": [["a", "1"], ["b", "2"], ["a", "3"]],
        "query_dict": {"a": "3", "b": "2"},
        "query_params": [["a", "1"], ["b", "2"], ["a", "3"]],
        "header": "1",
        "missing": None,
        "header_list": ["a", "b"],
        "cookies": {"session": "abc", "theme": "dark"},
        "url": "http://testserver/items/3?a=1&b=2&a=3",
        "base_url": "http://testserver/",
        "url_for": "http://testserver/items/9",
        "scheme": "http",
        "scope_path": "/items/3",
        "scope_type": "http",
    }


def test_the_body_is_read_once_and_kept(client_factory: Any) -> None:
    client = client_factory(echo_app())
    response = client.post("/body", content=b'{"a": [1, 2]}')
    assert response.json() == {"raw": '{"a": [1, 2]}', "again": '{"a": [1, 2]}', "json": {"a": [1, 2]}}


def test_the_body_streams(client_factory: Any) -> None:
    client = client_factory(echo_app())
    assert client.post("/stream", content=b"x" * 100_000).json() == {"size": 100_000}


def test_the_form_is_parsed_once(client_factory: Any) -> None:
    client = client_factory(echo_app())
    response = client.post("/form", data={"a": "1", "b": "two words"})
    assert response.json() == {"items": [["a", "1"], ["b", "two words"]], "same": True}


def test_max_body_size_is_a_413_on_both_adapters(client_factory: Any) -> None:
    app = Genever(max_body_size=10)

    @app.post("/body")
    async def body(request: Request) -> int:
        return len(await request.body())

    client = client_factory(app)
    assert client.post("/body", content=b"x" * 10).json() == 10
    assert client.post("/body", content=b"x" * 11).status_code == 413


def test_root_path_is_part_of_the_url(client_factory: Any) -> None:
    app = Genever(root_path="/api")

    @app.get("/where")
    async def where(request: Request) -> dict[str, str]:
        return {"root_path": request.root_path, "url": str(request.url), "base_url": str(request.base_url)}

    assert client_factory(app).get("/where").json() == {
        "root_path": "/api",
        "url": "http://testserver/api/where",
        "base_url": "http://testserver/api/",
    }


@pytest.mark.parametrize(
    ("header", "cookies"),
    [
        ("a=1; b=2", {"a": "1", "b": "2"}),
        ("a=1; a=2", {"a": "2"}),  # the last duplicate wins
        ('q="x y"', {"q": "x y"}),
        ("flag", {"": "flag"}),  # a value without a name, as browsers send it
        (" ; ;", {}),
    ],
)
def test_parse_cookies_is_lenient(header: str, cookies: dict[str, str]) -> None:
    assert parse_cookies(header) == cookies


def test_the_rsgi_request_starts_as_every_request_does() -> None:
    """``_RSGIRequest.__init__`` writes ``Request._init``'s stores out (one call less per request):
    both must leave every lazily parsed slot alike."""
    import httpx

    from genever.requests import _ASGIRequest, _RSGIRequest
    from tests.rsgi_client import FakeProto, FakeScope

    blank = _ASGIRequest.__new__(_ASGIRequest)
    blank._init()
    initial = {name: getattr(blank, name) for name in Request.__slots__ if hasattr(blank, name)}
    assert len(initial) > 10
    app = Genever()
    request = _RSGIRequest(FakeScope(httpx.Request("GET", "http://testserver/")), FakeProto(b""), app, {})
    assert {name: getattr(request, name) for name in initial} == initial
