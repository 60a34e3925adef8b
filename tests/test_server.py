"""The real servers: ``genever run`` (Granian, RSGI) and uvicorn (ASGI) on a loopback socket.

The in-process clients fake the protocol objects; this checks the app against
the real Granian RSGI implementation (path decoding, bodies, HEAD, lifespan).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def _serve(argv: list[str], port: int) -> Iterator[str]:
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(base + "/health", timeout=1)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    out = log.read().decode(errors="replace")
                    raise RuntimeError(f"server did not start: {out}") from None
                time.sleep(0.1)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


SERVERS = {
    "genever-run": lambda port: [str(BIN / "genever"), "run", "examples.service:app", "--port", str(port)],
    "uvicorn": lambda port: [sys.executable, "-m", "uvicorn", "examples.service:app", "--port", str(port)],
    "granian-asgi": lambda port: [
        sys.executable, "-m", "granian", "--interface", "asgi", "--port", str(port), "examples.service:app"
    ],
}


@pytest.fixture(scope="module", params=sorted(SERVERS))
def base_url(request: pytest.FixtureRequest) -> Iterator[str]:
    port = _free_port()
    with _serve(SERVERS[request.param](port), port) as base:
        yield base


def test_example_service_on_a_real_server(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        assert client.get("/health").json() == {"status": "ok"}
        assert client.get("/items/1").json()["name"] == "widget"
        assert client.get("/items/%31").json()["id"] == 1  # the path is percent-decoded, as in ASGI
        assert client.get("/items/0").status_code == 422
        assert client.get("/items/abc").json()["detail"][0]["type"] == "int_parsing"
        assert client.get("/items?tag=tools&limit=5").json()[0]["id"] == 1
        created = client.post("/items", json={"name": "gadget", "price": 3}, headers={"X-Token": "secret"})
        assert created.status_code == 201
        assert created.json()["name"] == "gadget"
        assert client.post("/items", json={"name": "x", "price": 3}, headers={"X-Token": "no"}).status_code == 401
        json_headers = {"X-Token": "secret", "Content-Type": "application/json"}
        bad = client.post("/items", content=b'{"name": ', headers=json_headers)
        assert bad.status_code == 422
        assert bad.json()["detail"][0]["type"] == "json_invalid"
        head = client.head("/health")
        assert head.status_code == 200
        assert head.content == b""
        assert client.delete("/health").headers["allow"] == "GET, HEAD"
        assert client.get("/nowhere").status_code == 404
