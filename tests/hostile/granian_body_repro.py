"""A minimal reproduction against Granian alone (no genever): how Granian's RSGI protocol
reports a request body it could not read. Run ``python -m tests.hostile.granian_body_repro``.

With Granian 2.8.9, ``async for chunk in proto`` raises nothing for malformed chunked
encoding or a client gone before its Content-Length: the stream ends with one more
empty chunk than a good body's (a good body ends ``[..., 0]``, a broken one
``[..., 0, 0]``), so an app cannot tell a truncated body from a whole one unless it
counts empty chunks. genever works around it (``requests.py``, ``stream()``): an empty
chunk that is not the last is a 400. Output on 2.8.9::

    good chunked: {"chunks": [3, 0], "error": null}
    bad chunk size: {"chunks": [0, 0], "error": null}
    short chunk: {"chunks": [5, 0, 0], "error": null}
    half-closed before Content-Length: {"chunks": [3, 0, 0], "error": null}
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any

from tests.servers import ROOT, free_port


async def app(scope: Any, proto: Any) -> None:
    chunks: list[int] = []
    error = None
    try:
        async for chunk in proto:
            chunks.append(len(chunk))
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
    proto.response_str(200, [("content-type", "application/json")], json.dumps({"chunks": chunks, "error": error}))


HEAD = b"POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
CASES = {
    "good chunked": HEAD + b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    "bad chunk size": HEAD + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
    "short chunk": HEAD + b"Transfer-Encoding: chunked\r\n\r\n5\r\nabc\r\n0\r\n\r\n",
    "half-closed before Content-Length": HEAD + b"Content-Length: 10\r\n\r\nabc",
}


def observe() -> dict[str, dict[str, Any]]:
    """Each case's report from the app, as Granian served it."""
    port = free_port()
    seen: dict[str, dict[str, Any]] = {}
    argv = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "rsgi",
        "--port",
        str(port),
        "tests.hostile.granian_body_repro:app",
    ]
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        for name, raw in CASES.items():
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.sendall(raw)
                if name.startswith("half"):
                    sock.shutdown(socket.SHUT_WR)
                data = b""
                while chunk := sock.recv(65536):
                    data += chunk
            seen[name] = json.loads(data.partition(b"\r\n\r\n")[2])
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait()
    return seen


def main() -> None:
    for name, report in observe().items():
        print(f"{name}: {json.dumps(report)}")


if __name__ == "__main__":
    main()
