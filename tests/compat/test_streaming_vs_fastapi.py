"""Generator endpoints, differential: FastAPI and genever stream the same items.

A path operation that ``yield``s streams JSON Lines by default and server-sent
events with ``response_class=EventSourceResponse`` (``fastapi.sse``); items are
validated against the return annotation's item type. Lines and events are
compared parsed (FastAPI writes untyped JSON with spaces, genever without).
"""

import json
from collections.abc import AsyncIterable, Iterable
from typing import Annotated, Any

import fastapi
import fastapi.sse
import fastapi.testclient
import pytest
from pydantic import BaseModel

import genever
import genever.sse
import genever.testclient
from tests.compat import answers


class Item(BaseModel):
    name: str
    price: float = 1.0


class Prompt(BaseModel):
    text: str


def build(fw: Any, sse: Any) -> tuple[Any, list[str]]:
    app = (getattr(fw, "Genever", None) or fw.FastAPI)()
    log: list[str] = []
    EventSourceResponse, ServerSentEvent = sse.EventSourceResponse, sse.ServerSentEvent

    async def session() -> Any:
        log.append("open")
        yield "db"
        log.append("close")

    @app.get("/jsonl")
    async def jsonl(db: Annotated[str, fw.Depends(session)], n: int = 2) -> AsyncIterable[Item]:
        for i in range(n):
            log.append(f"item-{i}")
            yield Item(name=f"{db}-{i}", price=i)
        yield {"name": "from a dict"}

    @app.get("/jsonl-sync")
    def jsonl_sync() -> Iterable[Item]:
        yield Item(name="a")
        yield Item(name="b", price=2)

    @app.get("/jsonl-untyped")
    async def jsonl_untyped(response: fw.Response) -> Any:
        response.headers["x-stream"] = "yes"
        yield {"n": 1}
        yield [1, 2]
        yield "text"

    @app.get("/sse", response_class=EventSourceResponse)
    async def events() -> AsyncIterable[ServerSentEvent]:
        yield ServerSentEvent(comment="hello")
        yield ServerSentEvent(data=Item(name="x"), event="item", id="1", retry=100)
        yield ServerSentEvent(data="quoted")
        yield ServerSentEvent(raw_data="line one\nline two", event="raw")

    @app.get("/sse-typed", response_class=EventSourceResponse)
    def events_typed() -> Iterable[Item]:
        yield Item(name="a")
        yield Item(name="b")

    @app.post("/chat", response_class=EventSourceResponse)
    async def chat(prompt: Prompt) -> AsyncIterable[ServerSentEvent]:
        for word in prompt.text.split():
            yield ServerSentEvent(data=word, event="token")
        yield ServerSentEvent(raw_data="[DONE]", event="done")

    @app.get("/raw", response_class=fw.responses.StreamingResponse)
    async def raw() -> AsyncIterable[bytes]:
        yield b"chunk-1;"
        yield b"chunk-2"

    return app, log


def parse_sse(text: str) -> list[dict[str, Any]]:
    events = []
    for block in text.strip("\n").split("\n\n"):
        event: dict[str, Any] = {}
        for line in block.split("\n"):
            field, _, value = line.partition(": ")
            event.setdefault(field, []).append(value)
        if "data" in event:
            joined = "\n".join(event["data"])
            try:
                event["data"] = json.loads(joined)
            except json.JSONDecodeError:
                event["data"] = joined
        events.append(event)
    return events


def parsed(response: Any) -> Any:
    content_type = response.headers.get("content-type", "")
    if content_type.startswith("application/jsonl"):
        return [json.loads(line) for line in response.text.splitlines()]
    if content_type.startswith("text/event-stream"):
        return parse_sse(response.text)
    return response.text


CASES = [
    ("GET", "/jsonl", None),
    ("GET", "/jsonl?n=0", None),
    ("GET", "/jsonl?n=x", None),
    ("GET", "/jsonl-sync", None),
    ("GET", "/jsonl-untyped", None),
    ("GET", "/sse", None),
    ("GET", "/sse-typed", None),
    ("POST", "/chat", {"text": "hello streaming world"}),
    ("POST", "/chat", {"nope": 1}),
    ("GET", "/raw", None),
]


@pytest.fixture(scope="module")
def apps() -> dict[str, Any]:
    return {"fastapi": build(fastapi, fastapi.sse), "genever": build(genever, genever.sse)}


@pytest.mark.parametrize("adapter", ["asgi", "rsgi"])
@pytest.mark.parametrize(("method", "url", "body"), CASES, ids=[f"{m} {u}" for m, u, _ in CASES])
def test_same_stream(apps: dict[str, Any], adapter: str, method: str, url: str, body: Any) -> None:
    fast_app, fast_log = apps["fastapi"]
    gen_app, gen_log = apps["genever"]
    fast_log.clear()
    gen_log.clear()
    expected, got = answers(fast_app, gen_app, adapter, method, url, json=body)
    assert got.status_code == expected.status_code
    assert got.headers.get("content-type") == expected.headers.get("content-type")
    for name in ("cache-control", "x-accel-buffering", "x-stream"):
        assert got.headers.get(name) == expected.headers.get(name), name
    assert parsed(got) == parsed(expected)
    assert gen_log == fast_log  # the dependency is closed after the last item, in both


def test_same_documented_responses(apps: dict[str, Any]) -> None:
    expected = apps["fastapi"][0].openapi()
    got = apps["genever"][0].openapi()
    for path, operations in expected["paths"].items():
        for method, operation in operations.items():
            assert got["paths"][path][method]["responses"] == operation["responses"], (method, path)
    assert got["components"]["schemas"]["Item"] == expected["components"]["schemas"]["Item"]
