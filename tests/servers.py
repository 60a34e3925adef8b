"""Start a real server on a loopback port for a test, and always stop it."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

# how each real server is started for an app target ("module:attribute") on a port
_COMMANDS: dict[str, Callable[[str, int], list[str]]] = {
    "genever-run": lambda app, port: [str(BIN / "genever"), "run", app, "--port", str(port)],
    "uvicorn": lambda app, port: [sys.executable, "-m", "uvicorn", app, "--port", str(port)],
    "granian-rsgi": lambda app, port: [sys.executable, "-m", "granian", "--interface=rsgi", f"--port={port}", app],
    "granian-asgi": lambda app, port: [sys.executable, "-m", "granian", "--interface=asgi", f"--port={port}", app],
}


def server_commands(app: str, *names: str) -> dict[str, Callable[[int], list[str]]]:
    """The command line of each named server (default: ``genever run`` and uvicorn) serving ``app``, by port."""
    return {name: (lambda port, name=name: _COMMANDS[name](app, port)) for name in names or ("genever-run", "uvicorn")}


def served_by_each(commands: Mapping[str, Callable[[int], list[str]]], name: str = "base_url") -> Any:
    """A module-scoped fixture ``name``: the base URL of the app served by each of ``commands`` in turn."""

    @pytest.fixture(scope="module", params=sorted(commands), name=name)
    def fixture(request: pytest.FixtureRequest) -> Iterator[str]:
        port = free_port()
        with serve(commands[request.param](port), port) as base:
            yield base

    return fixture


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serve(argv: list[str], port: int, env: dict[str, str] | None = None) -> Iterator[str]:
    with started(argv, port, env) as (base, _):
        yield base


@contextlib.contextmanager
def started(
    argv: list[str], port: int, env: dict[str, str] | None = None, *, probe: str | None = None,
    cwd: Path = ROOT,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Start ``argv`` and wait until ``probe`` (default: ``http://127.0.0.1:{port}/health``) answers;
    yields the base URL and the process, whose output is in ``proc.log`` (a file)."""
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    proc = subprocess.Popen(
        argv, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env={**os.environ, **(env or {})}
    )
    proc.log = log  # type: ignore[attr-defined]
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if probe is None:
                    httpx.get(base + "/health", timeout=1)
                elif probe == "tcp":  # the port accepts connections (a server that speaks only HTTP/2)
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                elif probe.startswith("unix:"):
                    with socket.socket(socket.AF_UNIX) as unix:
                        unix.connect(probe[5:])
                else:
                    httpx.get(probe, timeout=1, verify=False)
                break
            except (httpx.TransportError, OSError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    out = log.read().decode(errors="replace")
                    raise RuntimeError(f"server did not start: {out}") from None
                time.sleep(0.1)
        yield base, proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def output(proc: subprocess.Popen[bytes]) -> str:
    """What a process started by ``started`` has written so far."""
    log = proc.log  # type: ignore[attr-defined]
    log.seek(0)
    text: str = log.read().decode(errors="replace")
    return text
