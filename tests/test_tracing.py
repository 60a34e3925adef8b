"""``genever.tracing``: a SERVER span per request named ``METHOD /template`` with the semantic-
convention attributes, W3C traceparent in and out, ``@traced`` child spans for dependencies,
exceptions recorded; in process on both adapters (OTel SDK, in-memory exporter) and on real servers."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from genever import Depends, Genever, HTTPException, tracing
from tests.servers import free_port, serve, server_commands

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_ID}-01"


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    yield exporter
    exporter.clear()


def make_app(exporter: InMemorySpanExporter, **options: Any) -> Genever:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = Genever()

    @tracing.traced
    async def load_user() -> str:
        return "ada"

    @tracing.traced(name="db session")
    def session() -> Iterator[str]:
        yield "session"

    @app.get("/users/{user_id}")
    async def user(user_id: int, name: str = Depends(load_user), db: str = Depends(session)) -> dict[str, Any]:
        if user_id == 0:
            raise HTTPException(404)
        return {"id": user_id, "name": name, "outgoing": tracing.inject({})}

    @app.get("/fail")
    async def fail() -> None:
        raise RuntimeError("boom")

    tracing.instrument(app, tracer_provider=provider, **options)
    return app


def spans(exporter: InMemorySpanExporter, kind: SpanKind = SpanKind.SERVER) -> list[ReadableSpan]:
    return [span for span in exporter.get_finished_spans() if span.kind == kind]


def test_a_server_span_per_request(client_factory: Callable[..., Any], exporter: InMemorySpanExporter) -> None:
    client = client_factory(make_app(exporter))
    response = client.get("/users/7?verbose=1", headers={"traceparent": TRACEPARENT, "user-agent": "probe/1"})
    assert response.status_code == 200
    (span,) = spans(exporter)
    assert span.name == "GET /users/{user_id}"
    attributes = dict(span.attributes or {})
    assert attributes["http.request.method"] == "GET"
    assert attributes["http.route"] == "/users/{user_id}"
    assert attributes["http.response.status_code"] == 200
    assert attributes["url.path"] == "/users/7"
    assert attributes["url.query"] == "verbose=1"
    assert attributes["url.scheme"] == "http"
    assert attributes["server.address"] == "testserver"
    assert attributes["user_agent.original"] == "probe/1"
    assert "client.address" in attributes
    assert span.status.status_code == StatusCode.UNSET
    # W3C traceparent in: the span continues the caller's trace
    assert f"{span.context.trace_id:032x}" == TRACE_ID
    assert span.parent is not None and f"{span.parent.span_id:016x}" == PARENT_ID
    # ... and out: an outgoing request from the handler carries the server span as its parent
    outgoing = response.json()["outgoing"]["traceparent"]
    assert outgoing == f"00-{TRACE_ID}-{span.context.span_id:016x}-01"


def test_child_spans_for_dependencies(client_factory: Callable[..., Any], exporter: InMemorySpanExporter) -> None:
    client = client_factory(make_app(exporter))
    assert client.get("/users/3").json()["name"] == "ada"
    (server,) = spans(exporter)
    children = {span.name: span for span in spans(exporter, SpanKind.INTERNAL)}
    assert set(children) == {"make_app.<locals>.load_user", "db session"}
    for child in children.values():
        assert child.parent is not None and child.parent.span_id == server.context.span_id
        assert child.context.trace_id == server.context.trace_id


def test_a_new_trace_without_traceparent(client_factory: Callable[..., Any], exporter: InMemorySpanExporter) -> None:
    client = client_factory(make_app(exporter))
    client.get("/users/1")
    client.get("/users/2")
    first, second = spans(exporter)
    assert first.parent is None and second.parent is None
    assert first.context.trace_id != second.context.trace_id


def test_errors_and_unmatched(client_factory: Callable[..., Any], exporter: InMemorySpanExporter) -> None:
    client = client_factory(make_app(exporter), raise_server_exceptions=False)
    assert client.get("/fail").status_code == 500
    assert client.get("/users/0").status_code == 404
    assert client.get("/nowhere/42").status_code == 404
    assert client.request("BREW", "/users/1").status_code == 405
    failed, not_found, unmatched, brew = spans(exporter)
    assert failed.name == "GET /fail"
    assert failed.status.status_code == StatusCode.ERROR
    assert dict(failed.attributes or {})["error.type"] == "RuntimeError"
    (event,) = failed.events
    assert event.name == "exception"
    assert dict(event.attributes or {})["exception.message"] == "boom"
    # a 4xx is the client's error, not the server's
    assert not_found.status.status_code == StatusCode.UNSET
    assert dict(not_found.attributes or {})["http.response.status_code"] == 404
    # no route: the span is named after the method alone, no http.route
    assert unmatched.name == "GET"
    assert "http.route" not in dict(unmatched.attributes or {})
    assert dict(brew.attributes or {})["http.request.method"] == "_OTHER"
    assert dict(brew.attributes or {})["http.request.method_original"] == "BREW"


def test_traceresponse_header(client_factory: Callable[..., Any], exporter: InMemorySpanExporter) -> None:
    client = client_factory(make_app(exporter, response_header="traceresponse"))
    header = client.get("/users/5", headers={"traceparent": TRACEPARENT}).headers["traceresponse"]
    (span,) = spans(exporter)
    assert header == f"00-{TRACE_ID}-{span.context.span_id:016x}-01"


def test_metrics_and_tracing_together(client_factory: Callable[..., Any], exporter: InMemorySpanExporter) -> None:
    from genever import metrics

    app = make_app(exporter)
    metrics.instrument(app)
    client = client_factory(app)
    client.get("/users/5")
    assert spans(exporter)[0].name == "GET /users/{user_id}"
    assert 'route="/users/{user_id}",status="2xx"} 1.0' in client.get("/metrics").text


@pytest.mark.parametrize("server", ["genever-run", "uvicorn"])
def test_spans_from_a_real_server(server: str, tmp_path: Path) -> None:
    port = free_port()
    argv = server_commands("tests.server_apps.observed:app")[server](port)
    spans_file = tmp_path / "spans.jsonl"
    with serve(argv, port, env={"OBSERVED_SPANS": str(spans_file)}) as base:
        response = httpx.get(base + "/items/4", headers={"traceparent": TRACEPARENT}, timeout=10)
        assert response.status_code == 200
        deadline = time.monotonic() + 5
        while "/items/{item_id}" not in (spans_file.read_text() if spans_file.exists() else ""):
            assert time.monotonic() < deadline
            time.sleep(0.05)
    recorded = [json.loads(line) for line in spans_file.read_text().splitlines()]
    span = next(s for s in recorded if s["name"] == "GET /items/{item_id}")
    assert span["context"]["trace_id"] == "0x" + TRACE_ID
    assert span["parent_id"] == "0x" + PARENT_ID
    assert span["attributes"]["http.response.status_code"] == 200
    assert span["attributes"]["server.address"] == "127.0.0.1"
    assert response.headers["traceresponse"] == f"00-{TRACE_ID}-{span['context']['span_id'][2:]}-01"
