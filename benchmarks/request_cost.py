#!/usr/bin/env python3
"""What building genever's request costs, in microseconds, with and without Starlette's API.

Since the ecosystem work (issue 9) the request handed to handlers passes
``isinstance(request, starlette.requests.Request)`` and has Starlette's ``URL``s,
``session``/``auth``/``user``. This times, with ``timeit`` (best of ``--repeat``
runs of ``--number`` calls), building the request of each adapter from what the
server hands over, alone and then with what Starlette-minded code reads first
(``request.url``, a header, the ``isinstance`` check); Starlette's own
``Request(scope, receive)`` doing the same is the reference.

    .venv/bin/python benchmarks/request_cost.py                       # this checkout
    .venv/bin/python benchmarks/request_cost.py --compare OLD_SRC NEW_SRC [--markdown FILE]

``--compare`` runs itself once per ``src`` directory (``PYTHONPATH=<src>``, so two
checkouts, e.g. ``git archive 3704754 | tar -x -C /tmp/before``) and prints them
side by side. Wall-clock microbenchmarks move with the machine's load: compare
figures from one run.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import subprocess
import sys
import timeit
from pathlib import Path
from typing import Any


class _Scope:
    """What Granian hands an RSGI app (its attributes; the headers as a mapping with lowercase keys)."""

    proto = "http"
    http_version = "1.1"
    rsgi_version = "1.5"
    server = "127.0.0.1:8000"
    client = "127.0.0.1:50000"
    scheme = "http"
    method = "GET"
    path = "/items/42"
    query_string = "q=1&limit=10"

    def __init__(self) -> None:
        self.headers = {"host": "127.0.0.1:8000", "user-agent": "bench", "accept": "*/*"}


def _asgi_scope() -> dict[str, Any]:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": "/items/42", "raw_path": b"/items/42", "query_string": b"q=1&limit=10", "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"bench"), (b"accept", b"*/*")],
        "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 50000),
    }  # fmt: skip


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send(message: dict[str, Any]) -> None:
    return None


def measure(number: int, repeat: int) -> dict[str, Any]:
    """Microseconds per call of each case, in this process's genever."""
    import genever
    from genever.requests import _ASGIRequest, _RSGIRequest

    try:
        from starlette.requests import Request as StarletteRequest
    except ImportError:  # pragma: no cover - Starlette is installed with the test extra
        StarletteRequest = None

    app = genever.Genever()
    register = getattr(genever, "_starlette_interop", None)  # what the app does at startup, when it has it
    if register is not None:
        register.register_with_starlette()
    rsgi_takes_state = len(inspect.signature(_RSGIRequest.__init__).parameters) == 5
    scope, rsgi_scope, proto = _asgi_scope(), _Scope(), object()

    def asgi() -> Any:
        return _ASGIRequest(dict(scope), _receive, _send, app)

    def rsgi() -> Any:
        return _RSGIRequest(rsgi_scope, proto, app, {}) if rsgi_takes_state else _RSGIRequest(rsgi_scope, proto, app)

    def read(request: Any) -> Any:
        return (request.url.path, request.headers["user-agent"], isinstance(request, StarletteRequest))

    cases: dict[str, Any] = {
        "dict(scope) only (the ASGI rows copy the scope too)": lambda: dict(scope),
        "ASGI request, built": asgi,
        "ASGI request, built + url + header + isinstance": lambda: read(asgi()),
        "RSGI request, built": rsgi,
        "RSGI request, built + url + header + isinstance": lambda: read(rsgi()),
    }
    if StarletteRequest is not None:
        cases["Starlette's Request, built"] = lambda: StarletteRequest(dict(scope), _receive)
        cases["Starlette's Request, built + url + header + isinstance"] = lambda: read(
            StarletteRequest(dict(scope), _receive)
        )
    figures = {}
    for name, case in cases.items():
        best = min(timeit.repeat(case, number=number, repeat=repeat))
        figures[name] = best / number * 1e6
    is_starlette = StarletteRequest is not None and isinstance(asgi(), StarletteRequest)
    return {"genever": str(Path(genever.__file__).parent), "is_starlette_request": is_starlette, "us": figures}


def _run(src: str, number: int, repeat: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": src}
    argv = [sys.executable, __file__, "--json", "--number", str(number), "--repeat", str(repeat)]
    out = subprocess.run(argv, env=env, capture_output=True, text=True, check=True).stdout
    result: dict[str, Any] = json.loads(out)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--number", type=int, default=20000, help="calls per timing (default 20000)")
    parser.add_argument("--repeat", type=int, default=7, help="timings per case, the best kept (default 7)")
    parser.add_argument("--json", action="store_true", help="print this checkout's figures as JSON")
    parser.add_argument("--compare", nargs=2, metavar=("OLD_SRC", "NEW_SRC"), help="two checkouts' src dirs")
    parser.add_argument("--markdown", help="also write the table to this file")
    args = parser.parse_args()
    if args.json:
        print(json.dumps(measure(args.number, args.repeat)))
        return 0
    if args.compare:
        old, new = (_run(src, args.number, args.repeat) for src in args.compare)
        lines = [
            "| case | old (us) | new (us) | change (us) |",
            "|---|---|---|---|",
        ]
        for name, value in new["us"].items():
            before = old["us"].get(name)
            change = f"{value - before:+.3f}" if before is not None else "-"
            lines.append(f"| {name} | {before:.3f} | {value:.3f} | {change} |" if before is not None
                         else f"| {name} | - | {value:.3f} | - |")  # fmt: skip
        lines.append("")
        lines.append(f"old: {old['genever']} (a Starlette Request: {old['is_starlette_request']}); "
                     f"new: {new['genever']} (a Starlette Request: {new['is_starlette_request']})")  # fmt: skip
    else:
        result = measure(args.number, args.repeat)
        lines = ["| case | us |", "|---|---|"] + [f"| {k} | {v:.3f} |" for k, v in result["us"].items()]
        lines.append("")
        lines.append(f"{result['genever']} (a Starlette Request: {result['is_starlette_request']})")
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
