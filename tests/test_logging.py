"""``genever.logging``: request ids in every log record (async and thread-pool handlers), the
access log, the 500 path logged once with route and request id, JSON output, real servers."""

from __future__ import annotations

import io
import json
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from genever import Genever
from genever import logging as genever_logging
from genever.middleware import Middleware
from genever.middleware.requestid import RequestIDMiddleware
from tests.servers import free_port, serve, server_commands

HEX32 = re.compile(r"[0-9a-f]{32}")
log = logging.getLogger("tests.handler")


def make_app(**options: Any) -> Genever:
    app = Genever()

    @app.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, Any]:
        log.info("reading %s", item_id)
        return {"id": item_id, "request_id": genever_logging.get_request_id()}

    @app.get("/sync")
    def sync() -> dict[str, Any]:
        log.info("in a thread")
        return {"request_id": genever_logging.get_request_id()}

    @app.get("/fail")
    async def fail() -> None:
        log.info("about to fail")
        raise RuntimeError("boom")

    genever_logging.instrument(app, **options)
    return app


def records(caplog: pytest.LogCaptureFixture, name: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == name]


def test_every_record_of_a_request_carries_its_id(
    client_factory: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    client = client_factory(make_app())
    with caplog.at_level(logging.INFO):
        response = client.get("/items/3", headers={"X-Request-ID": "req-42"})
        threaded = client.get("/sync", headers={"X-Request-ID": "req-43"})
    assert response.headers["x-request-id"] == "req-42"
    assert response.json()["request_id"] == "req-42"
    assert threaded.json()["request_id"] == "req-43"
    handler_records = records(caplog, "tests.handler")
    assert [(r.getMessage(), r.request_id, r.route) for r in handler_records] == [  # type: ignore[attr-defined]
        ("reading 3", "req-42", "/items/{item_id}"),
        ("in a thread", "req-43", "/sync"),
    ]
    outside = logging.getLogger("tests.outside").makeRecord("x", logging.INFO, "f", 1, "m", None, None)
    assert outside.request_id == "-"  # type: ignore[attr-defined]
    assert genever_logging.get_request_id() is None


def test_ids_are_generated_when_missing_invalid_or_untrusted(client_factory: Callable[..., Any]) -> None:
    client = client_factory(make_app())
    generated = client.get("/items/1").headers["x-request-id"]
    assert HEX32.fullmatch(generated)
    assert client.get("/items/1").headers["x-request-id"] != generated
    injected = client.get("/items/1", headers={"X-Request-ID": "evil id; with=spaces"}).headers["x-request-id"]
    assert HEX32.fullmatch(injected)
    untrusting = client_factory(make_app(trust_incoming=False))
    assert HEX32.fullmatch(untrusting.get("/items/1", headers={"X-Request-ID": "req-1"}).headers["x-request-id"])
    # trusted proxies by network: neither test client connects from 10.0.0.0/8
    proxies = client_factory(make_app(trust_incoming=["10.0.0.0/8"]))
    assert HEX32.fullmatch(proxies.get("/items/1", headers={"X-Request-ID": "req-1"}).headers["x-request-id"])


def test_trusted_proxy_network() -> None:
    from genever.testclient import TestClient

    client = TestClient(make_app(trust_incoming=["127.0.0.0/8"]), client=("127.0.0.1", 4000))
    assert client.get("/items/1", headers={"X-Request-ID": "req-7"}).headers["x-request-id"] == "req-7"
    outsider = TestClient(make_app(trust_incoming=["127.0.0.0/8"]), client=("192.0.2.1", 4000))
    assert HEX32.fullmatch(outsider.get("/items/1", headers={"X-Request-ID": "req-7"}).headers["x-request-id"])


def test_access_log(client_factory: Callable[..., Any], caplog: pytest.LogCaptureFixture) -> None:
    client = client_factory(make_app())
    with caplog.at_level(logging.INFO, logger="genever.access"):
        client.get("/items/9?x=1", headers={"X-Request-ID": "acc-1"})
        client.get("/nowhere")
    first, second = records(caplog, "genever.access")
    assert first.getMessage().startswith("GET /items/9 200 ")
    assert (first.method, first.route, first.path, first.query, first.status) == (  # type: ignore[attr-defined]
        "GET", "/items/{item_id}", "/items/9", "x=1", 200
    )  # fmt: skip
    assert first.request_id == "acc-1"  # type: ignore[attr-defined]
    assert first.duration_ms >= 0  # type: ignore[attr-defined]
    assert (second.route, second.status) == ("<unmatched>", 404)  # type: ignore[attr-defined]


def test_no_access_log_when_asked(client_factory: Callable[..., Any], caplog: pytest.LogCaptureFixture) -> None:
    client = client_factory(make_app(access_log=False))
    with caplog.at_level(logging.INFO):
        client.get("/items/9")
    assert not records(caplog, "genever.access")


def test_the_500_path_logs_the_traceback_once_with_route_and_request_id(
    client_factory: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    client = client_factory(make_app(), raise_server_exceptions=False)
    with caplog.at_level(logging.INFO):
        assert client.get("/fail", headers={"X-Request-ID": "err-1"}).status_code == 500
    with_traceback = [r for r in caplog.records if r.exc_info]
    assert len(with_traceback) == 1
    (error,) = with_traceback
    assert error.name == "genever.error"
    assert "GET /fail" in error.getMessage()
    assert "err-1" in error.getMessage()
    assert error.request_id == "err-1"  # type: ignore[attr-defined]
    assert error.route == "/fail"  # type: ignore[attr-defined]
    assert error.exc_info is not None and isinstance(error.exc_info[1], RuntimeError)
    assert records(caplog, "tests.handler")[0].request_id == "err-1"  # type: ignore[attr-defined]


def test_request_id_middleware_sets_the_log_context(
    client_factory: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    app = Genever(middleware=[Middleware(RequestIDMiddleware)])

    @app.get("/")
    async def root() -> dict[str, Any]:
        log.info("hello")
        return {"id": genever_logging.get_request_id()}

    genever_logging.install_record_factory()
    client = client_factory(app)
    with caplog.at_level(logging.INFO):
        assert client.get("/", headers={"X-Request-ID": "mw-1"}).json() == {"id": "mw-1"}
    assert records(caplog, "tests.handler")[0].request_id == "mw-1"  # type: ignore[attr-defined]


def test_json_and_text_formats(client_factory: Callable[..., Any]) -> None:
    stream = io.StringIO()
    handler = genever_logging.configure(format="json", stream=stream)
    try:
        client = client_factory(make_app(), raise_server_exceptions=False)
        client.get("/items/5", headers={"X-Request-ID": "json-1"})
        client.get("/fail", headers={"X-Request-ID": "json-2"})
    finally:
        logging.getLogger().removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    reading = next(line for line in lines if line["message"] == "reading 5")
    assert reading["request_id"] == "json-1"
    assert reading["route"] == "/items/{item_id}"
    assert reading["logger"] == "tests.handler"
    access = next(line for line in lines if line["logger"] == "genever.access" and line["request_id"] == "json-1")
    assert access["status"] == 200 and access["route"] == "/items/{item_id}"
    (error,) = [line for line in lines if "exception" in line]
    assert error["request_id"] == "json-2"
    assert "RuntimeError: boom" in error["exception"]
    stream = io.StringIO()
    handler = genever_logging.configure(format="text", stream=stream)
    try:
        client.get("/items/6", headers={"X-Request-ID": "text-1"})
    finally:
        logging.getLogger().removeHandler(handler)
    assert "[text-1] reading 6" in stream.getvalue()
    with pytest.raises(ValueError, match="format"):
        genever_logging.configure(format="xml")


# -- the real servers ------------------------------------------------------------------------------
@pytest.mark.parametrize("server", ["genever-run", "uvicorn"])
def test_request_ids_in_the_logs_of_a_real_server(server: str, tmp_path: Path) -> None:
    port = free_port()
    argv = server_commands("tests.server_apps.observed:app")[server](port)
    log_file = tmp_path / "app.log"
    with serve(argv, port, env={"OBSERVED_LOG": str(log_file)}) as base:
        with httpx.Client(base_url=base, timeout=10) as client:
            assert client.get("/items/4", headers={"X-Request-ID": "real-1"}).headers["x-request-id"] == "real-1"
            assert client.get("/sync-log", headers={"X-Request-ID": "real-2"}).status_code == 200
            assert client.get("/fail", headers={"X-Request-ID": "real-3"}).status_code == 500
        deadline = time.monotonic() + 5
        while "real-3" not in log_file.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
    lines = [json.loads(line) for line in log_file.read_text().splitlines()]
    by_message = {line["message"]: line for line in lines}
    assert by_message["item 4 read"]["request_id"] == "real-1"
    assert by_message["from the thread pool"]["request_id"] == "real-2"
    tracebacks = [line for line in lines if "exception" in line]
    assert len(tracebacks) == 1
    assert tracebacks[0]["request_id"] == "real-3"
    assert tracebacks[0]["route"] == "/fail"
    assert any(line["logger"] == "genever.access" and line["request_id"] == "real-1" for line in lines)
