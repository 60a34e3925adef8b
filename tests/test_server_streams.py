"""Long-lived responses on real servers: when the client goes away, the stream's
generator and the route's ``yield`` dependencies are closed promptly — also when
the stream is quiet (nothing to send that would reveal the broken connection).
And ``genever run --workers 2`` starts two processes that each run lifespan.
"""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.servers import free_port, serve, server_commands

BIN = Path(sys.executable).parent
APP = "tests.server_apps.streams:app"

SERVERS = server_commands(APP, "genever-run", "uvicorn", "granian-asgi")


@pytest.fixture(scope="module", params=sorted(SERVERS))
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    markers = tmp_path_factory.mktemp(f"markers-{request.param}")
    port = free_port()
    with serve(SERVERS[request.param](port), port, env={"GENEVER_TEST_MARKERS": str(markers)}):
        yield port, markers


def open_stream(port: int, path: str, until: bytes) -> socket.socket:
    """Send a GET on a raw socket and read until ``until`` arrives; the caller closes it."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: test\r\nAccept: text/event-stream\r\n\r\n".encode())
    received = b""
    while until not in received:
        chunk = sock.recv(4096)
        assert chunk, f"connection closed before {until!r}: {received!r}"
        received += chunk
    assert received.startswith(b"HTTP/1.1 200"), received
    return sock


def wait_for(path: Path, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists():
            return True
        time.sleep(0.05)
    return False


def test_quiet_sse_stream_is_closed_when_the_client_leaves(server: tuple[int, Path]) -> None:
    port, markers = server
    sock = open_stream(port, "/sse/quiet", b'data: {"hello":"quiet"}\nid: 1\n\n')
    time.sleep(0.2)
    assert not (markers / "sse-closed-quiet").exists()  # still open while the client listens
    sock.close()
    assert wait_for(markers / "sse-closed-quiet"), "the SSE generator was not closed after the client left"


def test_stream_and_its_dependency_are_closed_when_the_client_leaves(server: tuple[int, Path]) -> None:
    port, markers = server
    sock = open_stream(port, "/stream/busy", b"busy\n")
    assert not (markers / "dependency-closed-busy").exists()  # the dependency lives as long as the stream
    sock.close()
    assert wait_for(markers / "stream-closed-busy")
    assert wait_for(markers / "dependency-closed-busy")


def test_a_server_keeps_serving_after_clients_leave(server: tuple[int, Path]) -> None:
    port, _ = server
    for name in ("a", "b", "c"):
        open_stream(port, f"/sse/{name}", b"event: greeting").close()
    assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200


def test_genever_run_with_two_workers_runs_lifespan_in_each(tmp_path: Path) -> None:
    port = free_port()
    argv = [str(BIN / "genever"), "run", APP, "--port", str(port), "--workers", "2"]
    with serve(argv, port, env={"GENEVER_TEST_MARKERS": str(tmp_path)}) as base:
        deadline = time.monotonic() + 15
        while len(list(tmp_path.glob("started-*"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        started = {p.name.removeprefix("started-") for p in tmp_path.glob("started-*")}
        assert len(started) == 2, started
        served = httpx.get(base + "/health", timeout=5).json()["pid"]
        assert str(served) in started
