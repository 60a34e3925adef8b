"""An app with every observability signal on, served by the real-server tests of
``tests/test_metrics.py``, ``tests/test_logging.py`` and the other observability tests.

``OBSERVED_LOG=<file>`` writes the app's logs there as JSON lines, ``OBSERVED_SPANS=<file>``
turns tracing on and writes the finished spans there (OpenTelemetry SDK's JSON, one per line).
"""

from __future__ import annotations

import logging
import os

from genever import Genever, HTTPException, metrics
from genever import logging as genever_logging

app = Genever(title="observed")
log = logging.getLogger("observed")


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/pid")
async def pid() -> dict[str, int]:
    return {"pid": os.getpid()}


@app.get("/items/{item_id}")
async def item(item_id: int) -> dict[str, int]:
    if item_id == 0:
        raise HTTPException(404, "no such item")
    log.info("item %s read", item_id)
    return {"id": item_id}


@app.get("/sync-log")
def sync_log() -> dict[str, str]:
    log.info("from the thread pool")
    return {"ok": "yes"}


@app.post("/echo")
async def echo(data: dict[str, object]) -> dict[str, object]:
    return data


@app.get("/fail")
async def fail() -> None:
    raise RuntimeError("boom")


metrics.instrument(app)
genever_logging.instrument(app)
if os.environ.get("OBSERVED_LOG"):
    genever_logging.configure(format="json", stream=open(os.environ["OBSERVED_LOG"], "a", buffering=1))  # noqa: SIM115

checks = app.add_health_routes()


@checks.check("dependency")
def dependency() -> bool:
    # OBSERVED_DOWN_FILE: the dependency is down while that file exists
    down = os.environ.get("OBSERVED_DOWN_FILE")
    return not (down and os.path.exists(down))


if os.environ.get("OBSERVED_SPANS"):
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor

    from genever import tracing

    spans_out = open(os.environ["OBSERVED_SPANS"], "a", buffering=1)  # noqa: SIM115
    provider = TracerProvider()
    provider.add_span_processor(
        SimpleSpanProcessor(ConsoleSpanExporter(out=spans_out, formatter=lambda span: span.to_json(indent=None) + "\n"))
    )
    tracing.instrument(app, tracer_provider=provider, response_header="traceresponse")
