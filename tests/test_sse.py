"""``sse``: Server-Sent Events — the wire form of one event, the checks made when an event
is built, and ``EventSourceResponse`` (keep-alive pings, any item type) on both adapters."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from genever import Genever
from genever.sse import KEEPALIVE_COMMENT, EventSourceResponse, ServerSentEvent, format_event


def test_format_event_orders_fields_and_splits_lines() -> None:
    assert format_event("x") == b"data: x\n\n"
    assert format_event("a\r\nb\rc", event="e", id="7", retry=10, comment="one\ntwo") == (
        b": one\n: two\nevent: e\ndata: a\ndata: b\ndata: c\nid: 7\nretry: 10\n\n"
    )
    assert format_event(None, comment="keep") == b": keep\n\n"


def test_an_event_sends_data_as_json_and_raw_data_as_is() -> None:
    assert ServerSentEvent({"a": [1, "b"]}, event="item").encode() == b'event: item\ndata: {"a":[1,"b"]}\n\n'
    assert ServerSentEvent(raw_data="plain text", id="1").encode() == b"data: plain text\nid: 1\n\n"
    assert ServerSentEvent(comment="only a comment").encode() == b": only a comment\n\n"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"data": 1, "raw_data": "1"}, "not both"),
        ({"event": "a\nb"}, "'event' must be a single line"),
        ({"id": "a\rb"}, "'id' must be a single line"),
        ({"id": "a\0b"}, "must not contain NUL"),
        ({"retry": -1}, "'retry' must be an integer >= 0"),
        ({"retry": 1.5}, "'retry' must be an integer >= 0"),
    ],
)
def test_an_invalid_event_is_refused_when_built(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ServerSentEvent(**kwargs)


def test_event_source_response_sends_any_item_type(client_factory: Any) -> None:
    app = Genever()

    def items() -> Iterator[Any]:
        yield ServerSentEvent(raw_data="first", event="start")
        yield {"n": 1}
        yield "data: already framed\n\n"
        yield b"data: bytes too\n\n"

    @app.get("/events")
    async def events() -> EventSourceResponse:
        return EventSourceResponse(items(), headers={"x-extra": "1"})

    response = client_factory(app).get("/events")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-accel-buffering"] == "no"
    assert response.headers["x-extra"] == "1"
    assert response.text == (
        "event: start\ndata: first\n\n" 'data: {"n":1}\n\n' "data: already framed\n\n" "data: bytes too\n\n"
    )


def test_a_slow_source_gets_keep_alive_pings(client_factory: Any) -> None:
    app = Genever()

    async def slow() -> AsyncIterator[ServerSentEvent]:
        await asyncio.sleep(0.4)
        yield ServerSentEvent(raw_data="late")

    @app.get("/slow")
    async def events() -> EventSourceResponse:
        return EventSourceResponse(slow(), ping=0.05)

    body = client_factory(app).get("/slow").content
    assert body.endswith(b"data: late\n\n")
    pings = body[: -len(b"data: late\n\n")]
    count = len(pings) // len(KEEPALIVE_COMMENT)
    assert count >= 1 and pings == KEEPALIVE_COMMENT * count


def test_a_generator_endpoint_with_event_source_response_streams_events(client_factory: Any) -> None:
    app = Genever()

    @app.get("/gen", response_class=EventSourceResponse)
    async def gen() -> AsyncIterator[dict[str, int]]:
        for i in range(3):
            yield {"i": i}

    assert client_factory(app).get("/gen").text == 'data: {"i":0}\n\ndata: {"i":1}\n\ndata: {"i":2}\n\n'
