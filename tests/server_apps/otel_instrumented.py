"""An app for the real-server tests of opentelemetry-instrumentation-fastapi (the ``ecosystem`` extra):
``FastAPIInstrumentor.instrument_app(app)`` with an in-memory exporter that ``/spans`` reads back."""

from __future__ import annotations

from typing import Any

from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from genever import Genever

exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
app = Genever()


@app.get("/health")
def health() -> dict[str, bool]:
    return {"ok": True}


@app.get("/items/{item_id}")
def read_item(item_id: int) -> dict[str, int]:
    return {"item_id": item_id}


@app.post("/echo")
async def echo(body: dict[str, Any]) -> dict[str, Any]:
    return body


@app.get("/fail")
def fail() -> None:
    raise ValueError("traced failure")


@app.get("/spans")
def spans() -> list[dict[str, Any]]:
    """The server spans finished so far (this request's own is not finished yet)."""
    return [
        {"name": span.name, "status": span.status.status_code.name, "events": [e.name for e in span.events],
         **{key: span.attributes.get(key) for key in ("http.route", "http.status_code", "http.method")}}
        for span in exporter.get_finished_spans() if span.kind.name == "SERVER"
    ]  # fmt: skip


FastAPIInstrumentor.instrument_app(app, tracer_provider=provider)
