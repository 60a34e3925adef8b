"""WebSockets on the real servers, spoken by hand on a socket: the connection ends
promptly when the endpoint returns or the client closes cleanly, dropped upgrades
leave no descriptor behind, and a message past the limit closes the connection.

Granian (2.8) sends its close frame without a status code whatever code the app
passes to ``proto.close()``; uvicorn sends the code. The tests say which.
"""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.hostile.wire import WS, close_code, connect, tcp_fds, ws_close_frame, ws_frame
from tests.servers import free_port, serve, server_commands

APP = "tests.server_apps.hostile:app"

SERVERS = server_commands(APP)


@pytest.fixture(scope="module", params=sorted(SERVERS))
def server(request: pytest.FixtureRequest) -> Iterator[tuple[str, int, int]]:
    port = free_port()
    with serve(SERVERS[request.param](port), port) as base:
        pid = httpx.get(base + "/health").json()["pid"]
        yield request.param, port, pid


def test_the_connection_ends_when_the_endpoint_returns(server: tuple[str, int, int]) -> None:
    _, port, _ = server
    with WS(port, "/ws/bye") as ws:
        assert ws.answer.status == 101
        assert ws.read() == (0x1, b"bye")
        started = time.monotonic()
        # Granian sends a close frame (answered here, as a client does); uvicorn, as for
        # FastAPI, ends the TCP connection without one
        if ws.read_close(timeout=2) is not None:
            ws.send(ws_close_frame(1000))
        assert ws.wait_eof(timeout=3)
        assert time.monotonic() - started < 2


def test_a_clean_close_from_the_client_completes_promptly(server: tuple[str, int, int]) -> None:
    _, port, _ = server
    with WS(port, "/ws/echo") as ws:
        ws.send(ws_frame(0x1, b"hello"))
        assert ws.read() == (0x1, b"hello")
        started = time.monotonic()
        ws.send(ws_close_frame(1000))
        reply = ws.read_close(timeout=2)
        assert reply is not None and close_code(reply[1]) == 1000
        assert ws.wait_eof(timeout=3)
        assert time.monotonic() - started < 2


def _settle(pid: int, baseline: int, seconds: float = 10) -> int:
    deadline = time.monotonic() + seconds
    count = tcp_fds(pid)
    while count > baseline and time.monotonic() < deadline:
        time.sleep(0.2)
        count = tcp_fds(pid)
    return count


def test_dropped_upgrades_leave_no_descriptor(server: tuple[str, int, int]) -> None:
    _, port, pid = server
    httpx.get(f"http://127.0.0.1:{port}/health")
    baseline = _settle(pid, 0, 0)
    linger = struct.pack("ii", 1, 0)  # close with a RST, as a crashed client would
    for i in range(150):
        ws = WS(port, "/ws/echo")
        if i % 2:
            ws.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        ws.close()
    for _ in range(150):  # gone before the handshake's answer
        sock = connect(port)
        sock.sendall(
            b"GET /ws/echo HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        sock.close()
    with WS(port, "/ws/echo") as ws:  # still serving
        ws.send(ws_frame(0x1, b"still"))
        assert ws.read() == (0x1, b"still")
    assert _settle(pid, baseline) <= baseline


def test_a_message_past_the_limit_closes_the_connection(server: tuple[str, int, int]) -> None:
    name, port, _ = server
    for frames in ([ws_frame(0x2, b"x" * (20 << 20))], [ws_frame(0x2, b"x" * (1 << 20), fin=False)]
                   + [ws_frame(0x0, b"x" * (1 << 20), fin=False)] * 18 + [ws_frame(0x0, b"x")]):
        with WS(port, "/ws/echo") as ws:
            for frame in frames:
                if not ws.send(frame):
                    break
            reply = ws.read_close(timeout=10)
            if name == "uvicorn":
                assert reply is not None and close_code(reply[1]) == 1009
            else:  # Granian closes (tungstenite's frame limit, or genever's message limit) with no code
                assert reply is not None or ws.wait_eof(timeout=2)
    assert httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200


def test_an_http_exception_before_accept_refuses_with_an_http_answer(server: tuple[str, int, int]) -> None:
    """uvicorn offers ASGI's ``websocket.http.response``: the app's 401 goes out whole, as from FastAPI.
    Granian's RSGI can only close a pending WebSocket with a status: the 401, without headers or body."""
    name, port, _ = server
    with WS(port, "/ws/denied") as ws:
        assert ws.answer.status == 401
        if name == "uvicorn":
            assert ws.answer.headers["www-authenticate"] == "Ticket"
            assert ws.answer.headers["content-type"] == "application/json"
            assert ws.answer.body == b'{"detail":"Not authenticated"}'
        else:
            assert ws.answer.body == b""
    with WS(port, "/ws/denied?ticket=valid") as ws:
        assert ws.answer.status == 101
        assert ws.read() == (0x1, b"valid")
