#!/usr/bin/env python3
"""What observability costs per request: genever's metrics, tracing and request-id log context
beside FastAPI + prometheus-fastapi-instrumentator and FastAPI + opentelemetry-instrumentation-fastapi.

    .venv/bin/pip install prometheus-fastapi-instrumentator opentelemetry-instrumentation-fastapi
    .venv/bin/python benchmarks/bench_observability.py [--requests 20000] [--rounds 5]
    .venv/bin/python benchmarks/bench_observability.py --instructions   # under valgrind, slower

Each app serves one ``GET /items/{item_id}`` route and is driven in process,
without sockets, so that only the framework's CPU is measured: genever through
its RSGI entry point with stand-ins for Granian's scope and protocol objects
(its fast path under ``genever run``), FastAPI through its ASGI entry point
with a minimal ``receive``/``send`` (what uvicorn hands it). The cost of a
signal is the difference with the same framework's app without it; the figure
is the best of ``--rounds`` runs of ``--requests`` requests each (the minimum
is the least disturbed by other processes on a shared machine).
``--instructions`` counts CPU instructions per request instead (valgrind's
callgrind, each row in its own process run twice with different request
counts, the difference divided): insensitive to the machine's load.

Tracing runs against the OpenTelemetry SDK with a span processor that exports
to a no-op exporter (``SimpleSpanProcessor``: export runs inline, so no
background thread competes for the GIL), the same for both frameworks; a
second genever row uses the OpenTelemetry API with no SDK installed (its
no-op tracer), which isolates genever's own share. The request-id context is
genever's ``genever.logging.instrument`` (access log off, as a production
access log is sampled or shipped by the server) against the middleware
FastAPI's documentation shows (``@app.middleware("http")``) setting a
``ContextVar``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


# -- the apps -----------------------------------------------------------------------------------------
def _noop_provider() -> Any:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

    class NoopExporter(SpanExporter):
        def export(self, spans: Any) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(NoopExporter()))
    return provider


def genever_app(signal: str) -> Any:
    from genever import Genever, metrics, tracing
    from genever import logging as genever_logging

    app = Genever(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    if signal in ("metrics", "all"):
        metrics.instrument(app)
    if signal in ("request id", "all"):
        genever_logging.instrument(app, access_log=False)
    if signal in ("tracing", "all"):
        tracing.instrument(app, tracer_provider=_noop_provider())
    if signal == "tracing, API only":
        from opentelemetry.trace import NoOpTracerProvider

        tracing.instrument(app, tracer_provider=NoOpTracerProvider())
    if signal == "tracing, FastAPI's instrumentor":  # its ASGI stack around genever's (the RSGI bridge)
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(app, tracer_provider=_noop_provider())
    app.freeze()
    return app


REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


def fastapi_app(signal: str) -> Any:
    from fastapi import FastAPI, Request

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    if signal == "metrics":
        from prometheus_fastapi_instrumentator import Instrumentator

        Instrumentator().instrument(app).expose(app)
    if signal == "tracing":
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(app, tracer_provider=_noop_provider())
    if signal == "request id":

        @app.middleware("http")
        async def request_id(request: Request, call_next: Any) -> Any:
            rid = request.headers.get("x-request-id") or uuid.uuid4().hex
            token = REQUEST_ID.set(rid)
            try:
                response = await call_next(request)
            finally:
                REQUEST_ID.reset(token)
            response.headers["x-request-id"] = rid
            return response

    return app


# -- the drivers ---------------------------------------------------------------------------------------
class _Headers(dict[str, str]):
    def get_all(self, key: str) -> list[str]:
        value = self.get(key)
        return [] if value is None else [value]


class _Scope:
    proto = "http"
    http_version = "1.1"
    rsgi_version = "1.5"
    server = "127.0.0.1:8000"
    client = "127.0.0.1:50000"
    scheme = "http"
    method = "GET"
    path = "/items/42"
    query_string = ""
    authority = None
    headers = _Headers({"host": "127.0.0.1:8000", "user-agent": "bench"})


class _Proto:
    def response_bytes(self, status: int, headers: Any, body: bytes) -> None:
        pass

    def response_str(self, status: int, headers: Any, body: str) -> None:
        pass

    def response_empty(self, status: int, headers: Any) -> None:
        pass

    def __aiter__(self) -> Any:  # the request body, read by the ASGI bridge (an empty GET body)
        return self

    async def __anext__(self) -> bytes:
        raise StopAsyncIteration


async def drive_rsgi(app: Any, n: int) -> float:
    scope, proto, handle = _Scope(), _Proto(), app.__rsgi__
    start = time.perf_counter()
    for _ in range(n):
        await handle(scope, proto)
    return (time.perf_counter() - start) / n


async def drive_asgi(app: Any, n: int) -> float:
    base = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": "/items/42", "raw_path": b"/items/42", "root_path": "", "query_string": b"",
        "headers": [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"bench")],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
    }  # fmt: skip
    request = {"type": "http.request", "body": b"", "more_body": False}

    async def receive() -> dict[str, Any]:
        return request

    async def send(message: dict[str, Any]) -> None:
        pass

    start = time.perf_counter()
    for _ in range(n):
        await app(dict(base), receive, send)
    return (time.perf_counter() - start) / n


ROWS: list[tuple[str, str, Callable[[str], Any], Any]] = [
    ("genever", "none", genever_app, drive_rsgi),
    ("genever", "metrics", genever_app, drive_rsgi),
    ("genever", "request id", genever_app, drive_rsgi),
    ("genever", "tracing", genever_app, drive_rsgi),
    ("genever", "tracing, API only", genever_app, drive_rsgi),
    ("genever", "all", genever_app, drive_rsgi),
    ("genever", "tracing, FastAPI's instrumentor", genever_app, drive_rsgi),
    ("fastapi", "none", fastapi_app, drive_asgi),
    ("fastapi", "metrics", fastapi_app, drive_asgi),
    ("fastapi", "request id", fastapi_app, drive_asgi),
    ("fastapi", "tracing", fastapi_app, drive_asgi),
]
WHAT = {
    ("genever", "metrics"): "genever.metrics",
    ("genever", "request id"): "genever.logging (request id context)",
    ("genever", "tracing"): "genever.tracing, SDK + no-op exporter",
    ("genever", "tracing, API only"): "genever.tracing, OTel API, no SDK",
    ("genever", "all"): "metrics + request id + tracing (SDK)",
    ("genever", "tracing, FastAPI's instrumentor"): "opentelemetry-instrumentation-fastapi, SDK + no-op exporter",
    ("fastapi", "metrics"): "prometheus-fastapi-instrumentator",
    ("fastapi", "request id"): '`@app.middleware("http")` + ContextVar',
    ("fastapi", "tracing"): "opentelemetry-instrumentation-fastapi, SDK + no-op exporter",
}


def _instructions(framework: str, signal: str, n: int) -> int:
    import re
    import subprocess

    argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__,
            "--row", f"{framework}:{signal}", "--requests", str(n)]  # fmt: skip
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stderr
    match = re.search(r"Collected : (\d+)", out)
    if match is None:
        raise RuntimeError(out)
    return int(match.group(1))


def count_instructions(only: str | None) -> int:
    print("| framework | observability | instructions/request | cost instructions/request |")
    print("|---|---|---|---|")
    base: dict[str, int] = {}
    for framework, signal, _, _ in ROWS:
        if only and framework != only:
            continue
        per_request = (_instructions(framework, signal, 700) - _instructions(framework, signal, 200)) // 500
        base.setdefault(framework, per_request)
        cost = "-" if signal == "none" else f"+{per_request - base[framework]:,}"
        print(f"| {framework} | {WHAT.get((framework, signal), 'none')} | {per_request:,} | {cost} |", flush=True)
    return 0


async def run_row(row: str, n: int) -> int:
    framework, _, signal = row.partition(":")
    for name, sig, make, drive in ROWS:
        if (name, sig) == (framework, signal):
            app = make(signal)
            await drive(app, 100)  # what both runs share: imports, start-up, first requests
            await drive(app, n)
            return 0
    raise SystemExit(f"no row {row!r}")


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--instructions", action="store_true", help="count instructions under valgrind")
    parser.add_argument("--only", choices=["genever", "fastapi"], help="only this framework's rows")
    parser.add_argument("--row", help=argparse.SUPPRESS)  # framework:signal, run once (for --instructions)
    args = parser.parse_args()
    if args.row:
        return await run_row(args.row, args.requests)
    if args.instructions:
        return count_instructions(args.only)
    rows = [row for row in ROWS if not args.only or row[0] == args.only]
    apps = [(framework, signal, make(signal), drive) for framework, signal, make, drive in rows]
    best: dict[tuple[str, str], float] = {}
    for _ in range(args.rounds):
        for framework, signal, app, drive in apps:  # interleaved: load changes hit every row alike
            await drive(app, 500)  # warm-up
            seconds = await drive(app, args.requests)
            key = (framework, signal)
            best[key] = min(best.get(key, seconds), seconds)
    print("| framework | observability | us/request | cost us/request |")
    print("|---|---|---|---|")
    for framework, signal, _, _ in apps:
        us = best[(framework, signal)] * 1e6
        base = best[(framework, "none")] * 1e6
        cost = "-" if signal == "none" else f"+{us - base:.1f}"
        print(f"| {framework} | {WHAT.get((framework, signal), 'none')} | {us:.1f} | {cost} |")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
