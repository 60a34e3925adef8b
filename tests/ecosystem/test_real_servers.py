"""opentelemetry-instrumentation-fastapi on the real servers (Granian through ``genever run``, and
uvicorn): its ``instrument_app`` replaces the app's middleware stack, which genever then serves every
request through, over RSGI (through the ASGI bridge) and over ASGI."""

from __future__ import annotations

import time

import httpx

from tests.servers import served_by_each, server_commands

COMMANDS = server_commands("tests.server_apps.otel_instrumented:app")
# one worker process: the spans are kept in that process's memory
SERVERS = {"genever-run": lambda port: [*COMMANDS["genever-run"](port), "--workers", "1"],
           "uvicorn": COMMANDS["uvicorn"]}  # fmt: skip


base_url = served_by_each(SERVERS)


def test_spans_named_by_route_on_a_real_server(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        assert client.get("/items/5").json() == {"item_id": 5}
        assert client.post("/echo", json={"a": [1, 2]}).json() == {"a": [1, 2]}
    # as under FastAPI, the exception goes back to the server after the 500 (uvicorn then closes the
    # connection): a connection of its own
    failed = httpx.get(base_url + "/fail", timeout=10)
    assert (failed.status_code, failed.text) == (500, "Internal Server Error")
    with httpx.Client(base_url=base_url, timeout=10) as client:
        # a span ends after its response went out (the failed one when the exception is back from the
        # error middleware): wait until the three are finished
        deadline = time.monotonic() + 10
        while True:
            spans = [span for span in client.get("/spans").json() if span["name"] not in ("GET /health", "GET /spans")]
            if len(spans) >= 3 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    assert spans == [
        {"name": "GET /items/{item_id}", "status": "UNSET", "events": [], "http.route": "/items/{item_id}",
         "http.status_code": 200, "http.method": "GET"},
        {"name": "POST /echo", "status": "UNSET", "events": [], "http.route": "/echo", "http.status_code": 200,
         "http.method": "POST"},
        {"name": "GET /fail", "status": "ERROR", "events": ["exception"], "http.route": "/fail",
         "http.status_code": 500, "http.method": "GET"},
    ]  # fmt: skip
