"""On the real servers (Granian through ``genever run``, uvicorn): a WSGI app mounted through
``WSGIMiddleware``, Starlette responses returned by handlers, WebSockets served by a mounted
Starlette router (under Granian through genever's RSGI → ASGI bridge)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.server_apps.interop import app
from tests.servers import served_by_each, server_commands

APP = "tests.server_apps.interop:app"
SERVERS = server_commands(APP)


base_url = served_by_each(SERVERS)


def test_mounted_wsgi_app_on_a_real_server(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        answer = client.post("/legacy/path/x?a=1", content=b"payload")
        assert answer.status_code == 200
        assert answer.headers["x-script"] == "/legacy"
        assert answer.text.splitlines() == [
            "POST /path/x?a=1", f"host={base_url.removeprefix('http://')} body=payload", "chunk 0", "chunk 1",
            "chunk 2",
        ]  # fmt: skip
        assert client.get("/legacy/boom").status_code == 500


def test_starlette_responses_on_a_real_server(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        plain = client.get("/starlette/plain")
        assert (plain.status_code, plain.text, plain.headers["x-from"]) == (203, "plain", "starlette")
        with client.stream("GET", "/starlette/stream") as streamed:
            assert list(streamed.iter_lines()) == ["part 0", "part 1", "part 2"]


def test_websocket_to_a_mounted_asgi_app_on_a_real_server(base_url: str) -> None:
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    url = base_url.replace("http://", "ws://")
    with connect(url + "/live/echo", open_timeout=10) as ws:
        for text in ("one", "two"):
            ws.send(text)
            assert ws.recv(timeout=10) == f"{text}|/live/echo|/live|True"
    with pytest.raises(InvalidStatus) as refused:  # no WebSocket route there: refused before the handshake
        connect(url + "/live/nowhere", open_timeout=10)
    assert refused.value.response.status_code == 403


def test_websocket_to_a_mounted_asgi_app_in_process() -> None:
    from genever.testclient import TestClient

    with TestClient(app).websocket_connect("/live/echo") as ws:
        ws.send_text("in process")
        assert ws.receive_text() == "in process|/live/echo|/live|True"


def test_a_mounted_app_failing_on_a_websocket_is_logged_and_raised(caplog: pytest.LogCaptureFixture) -> None:
    from genever import Genever
    from genever.testclient import TestClient

    async def failing(scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert (await receive())["type"] == "websocket.connect"
        raise RuntimeError("the mounted app failed")

    failing_app = Genever()
    failing_app.mount("/sub", failing)
    client = TestClient(failing_app)
    with pytest.raises(RuntimeError, match="the mounted app failed"), client.websocket_connect("/sub/x"):
        pass
    assert "Exception in the app mounted at /sub (websocket /sub/x)" in caplog.text


def test_mounted_wsgi_app_in_process(client_factory: Any) -> None:
    client = client_factory(app)
    answer = client.get("/legacy/?q=%C3%A9")
    assert answer.status_code == 200
    assert answer.text.startswith("GET /?q=%C3%A9\n")
