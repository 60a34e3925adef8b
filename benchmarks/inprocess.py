"""The reference API's requests (../shared/bench/SPEC.md), served in process, no sockets.

Each *row* is an app behind one protocol: genever through its RSGI and ASGI
adapters, FastAPI through ASGI, the framework-free raw apps. The app is driven
the way a server drives it: an event loop (uvloop, as ``benchmarks/run.sh``
runs Granian and as uvicorn picks it when installed), the server's start-up
(``__rsgi_init__`` or the ASGI lifespan), then ``await app(scope, proto)`` or
``await app(scope, receive, send)`` per request, with stand-ins for what the
server hands over. ``benchmarks/instructions.py`` runs this under callgrind;
``tests/test_instructions.py`` runs it without.

The stand-ins keep Granian's and uvicorn's rules so that a shortcut cannot
look cheap: the RSGI body is read once (``await proto()`` or ``__aiter__``,
not both), a response starts exactly once, an ASGI response is a start
message then body messages, and every response is checked (status, media
type, body) after the measured requests.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import json
import os
import sys
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def shared_bench() -> Path:
    """The shared benchmark (SPEC.md and the other frameworks' apps): ``$GENEVER_SHARED_BENCH`` or ../shared/bench."""
    return Path(os.environ.get("GENEVER_SHARED_BENCH") or ROOT.parent / "shared" / "bench")


# ---------------------------------------------------------------------------------------------
# The six endpoints of the main suite, and what a correct answer is.

ITEM = {"name": "widget", "price": 9.5, "tags": ["a", "b"], "dims": {"w": 1.0, "h": 2.0}}
JSON_TYPE = "application/json"


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    status: int
    media_type: str
    expected: Any  # the body: bytes compared as they are, anything else compared after json.loads

    def check(self, status: int | None, content_type: str | None, body: bytes) -> str | None:
        """What is wrong with this answer, or None (``content_type``: "" when there were several)."""
        if status != self.status:
            return f"status {status}, expected {self.status} (body {body[:200]!r})"
        if content_type is None or content_type.split(";")[0].strip() != self.media_type:
            return f"content-type {content_type!r} (empty: more than one), expected {self.media_type}"
        if isinstance(self.expected, bytes):
            return None if body == self.expected else f"body {body[:200]!r}, expected {self.expected!r}"
        try:
            value = json.loads(body)
        except ValueError:
            return f"body is not JSON: {body[:200]!r}"
        return None if value == self.expected else f"body {body[:200]!r} is not the expected JSON"


HOST = ("host", "127.0.0.1:8000")
ENDPOINTS = (
    Endpoint("plaintext", "GET", "/plaintext", "", (HOST,), b"", 200, "text/plain", b"Hello, World!"),
    Endpoint("json", "GET", "/json", "", (HOST,), b"", 200, JSON_TYPE, {"message": "Hello, World!"}),
    Endpoint("params", "GET", "/users/42", "verbose=true", (HOST,), b"", 200, JSON_TYPE,
             {"id": 42, "name": "user-42", "verbose": True}),
    Endpoint("body", "POST", "/items", "",
             (HOST, ("content-type", JSON_TYPE), ("content-length", str(len(json.dumps(ITEM).encode())))),
             json.dumps(ITEM).encode(), 201, JSON_TYPE, {**ITEM, "id": 1}),
    Endpoint("deps", "GET", "/deps", "", (HOST, ("x-token", "secret")), b"", 200, JSON_TYPE,
             {"user": "alice", "db": "open"}),
    Endpoint("list", "GET", "/list", "n=100", (HOST,), b"", 200, JSON_TYPE,
             [{"id": i, "name": f"item-{i}", "price": i * 1.5, "tags": ["a", "b"]} for i in range(100)]),
)  # fmt: skip
ENDPOINT_NAMES = tuple(endpoint.name for endpoint in ENDPOINTS)


# ---------------------------------------------------------------------------------------------
# RSGI stand-ins (Granian's RSGI spec: scope attributes, `await proto()`, `__aiter__`, response_*)


class RSGIHeaders(dict[str, str]):
    """Granian's header mapping: lowercase keys, a native ``get`` (so a dict), plus ``get_all``."""

    def get_all(self, key: str) -> list[str]:
        value = self.get(key)
        return [] if value is None else [value]


class RSGIScope:
    __slots__ = ("authority", "client", "headers", "http_version", "method", "path", "proto",
                 "query_string", "rsgi_version", "scheme", "server")  # fmt: skip

    def __init__(self, endpoint: Endpoint) -> None:
        self.proto = "http"
        self.rsgi_version = "1.5"
        self.http_version = "1.1"
        self.server = "127.0.0.1:8000"
        self.client = "127.0.0.1:50000"
        self.scheme = "http"
        self.method = endpoint.method
        self.path = endpoint.path
        self.query_string = endpoint.query
        self.authority = None
        self.headers = RSGIHeaders(endpoint.headers)


class RSGITransport:
    __slots__ = ("proto",)

    def __init__(self, proto: RSGIProto) -> None:
        self.proto = proto

    async def send_bytes(self, data: bytes) -> None:
        self.proto.chunks.append(bytes(data))

    async def send_str(self, data: str) -> None:
        self.proto.chunks.append(data.encode())


async def _once(body: bytes) -> AsyncIterator[bytes]:
    if body:
        yield body


def _content_type(headers: Iterable[tuple[str, str]]) -> str | None:
    """The one content-type among ``headers``; "" if there are several."""
    found = None
    for key, value in headers:
        if key.lower() == "content-type":
            found = value if found is None else ""
    return found


class RSGIProto:
    """One request's protocol object: the body can be read once, the response started once.

    What it keeps of the answer (status, body; the content type when ``full``, for the warm-up
    requests) is not tracked by the cyclic GC, so a thousand kept answers do not cause collections
    that a server would not have.
    """

    __slots__ = ("_body", "_full", "_read", "chunks", "content_type", "status")

    def __init__(self, body: bytes, full: bool) -> None:
        self._body = body
        self._full = full
        self._read = False
        self.status: int | None = None
        self.content_type: str | None = None
        self.chunks: list[bytes] = []

    async def __call__(self) -> bytes:
        if self._read:
            raise RuntimeError("RSGI: the request body was read twice")
        self._read = True
        return self._body

    def __aiter__(self) -> AsyncIterator[bytes]:
        if self._read:
            raise RuntimeError("RSGI: the request body was read twice")
        self._read = True
        return _once(self._body)

    def _start(self, status: int, headers: list[tuple[str, str]]) -> None:
        if self.status is not None:
            raise RuntimeError("RSGI: the response was started twice")
        self.status = status
        if self._full:
            self.content_type = _content_type(headers)

    def response_empty(self, status: int, headers: list[tuple[str, str]]) -> None:
        self._start(status, headers)

    def response_str(self, status: int, headers: list[tuple[str, str]], body: str) -> None:
        self._start(status, headers)
        self.chunks.append(body.encode())

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self._start(status, headers)
        self.chunks.append(bytes(body))

    def response_stream(self, status: int, headers: list[tuple[str, str]]) -> RSGITransport:
        self._start(status, headers)
        return RSGITransport(self)

    def problem(self, endpoint: Endpoint) -> str | None:
        content_type = self.content_type if self._full else endpoint.media_type
        return endpoint.check(self.status, content_type, b"".join(self.chunks))


# ---------------------------------------------------------------------------------------------
# ASGI stand-ins (as uvicorn: the body in one message, then http.disconnect once the response is out)


class ASGICall:
    """One request's ``receive`` and ``send`` (what is kept of the answer: as ``RSGIProto``)."""

    __slots__ = ("_body", "_done", "_full", "_received", "_waiter", "chunks", "content_type", "status")

    def __init__(self, body: bytes, full: bool) -> None:
        self._body = body
        self._full = full
        self._received = False
        self._done = False
        self._waiter: asyncio.Future[None] | None = None
        self.status: int | None = None
        self.content_type: str | None = None
        self.chunks: list[bytes] = []

    async def receive(self) -> dict[str, Any]:
        if not self._received:
            self._received = True
            return {"type": "http.request", "body": self._body, "more_body": False}
        if not self._done:  # as uvicorn: wait until the response is sent (or the client leaves)
            self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            if self.status is not None:
                raise RuntimeError("ASGI: http.response.start sent twice")
            self.status = message["status"]
            if self._full:
                self.content_type = _content_type(
                    (bytes(k).decode("latin-1"), bytes(v).decode("latin-1")) for k, v in message.get("headers", ())
                )
        elif kind == "http.response.body":
            if self.status is None or self._done:
                raise RuntimeError("ASGI: http.response.body out of order")
            self.chunks.append(bytes(message.get("body", b"")))
            if not message.get("more_body", False):
                self._done = True
                if self._waiter is not None and not self._waiter.done():
                    self._waiter.set_result(None)
        else:
            raise RuntimeError(f"ASGI: unexpected message {kind!r}")

    def problem(self, endpoint: Endpoint) -> str | None:
        if not self._done:
            return "ASGI: the response body was not finished"
        content_type = self.content_type if self._full else endpoint.media_type
        return endpoint.check(self.status, content_type, b"".join(self.chunks))


def asgi_scope(endpoint: Endpoint, state: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "scheme": "http",
        "method": endpoint.method,
        "root_path": "",
        "path": endpoint.path,
        "raw_path": endpoint.path.encode(),
        "query_string": endpoint.query.encode(),
        "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in endpoint.headers],
        "state": dict(state),  # uvicorn hands each request a shallow copy of the lifespan state
    }


# ---------------------------------------------------------------------------------------------
# Rows: an app and the protocol it is served through


@dataclass(frozen=True)
class Row:
    name: str
    title: str
    target: str  # "module:attribute"; a module of the shared bench's apps/ directory when shared
    protocol: str  # "rsgi" or "asgi"
    shared: bool = False

    def load(self) -> Any:
        module_name, _, attribute = self.target.partition(":")
        if self.shared:
            apps = str(shared_bench() / "apps")
            if not Path(apps).is_dir():
                raise FileNotFoundError(f"{self.name}: {apps} not found (set GENEVER_SHARED_BENCH)")
            if apps not in sys.path:
                sys.path.append(apps)  # the raw apps import their sibling _raw_core
        elif str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        return getattr(importlib.import_module(module_name), attribute)


ROWS = (
    Row("genever-rsgi", "genever RSGI", "benchmarks.app:app", "rsgi"),
    Row("genever-asgi", "genever ASGI", "benchmarks.app:app", "asgi"),
    Row("genever-pydantic-rsgi", "genever-pydantic RSGI", "benchmarks.app_pydantic:app", "rsgi"),
    Row("fastapi-asgi", "FastAPI ASGI", "fastapi_app:app", "asgi", shared=True),
    Row("raw-rsgi", "raw RSGI", "raw_rsgi:app", "rsgi", shared=True),
    Row("raw-asgi", "raw ASGI", "raw_asgi:app", "asgi", shared=True),
)
ROWS_BY_NAME = {row.name: row for row in ROWS}


async def _null_rsgi(scope: Any, proto: Any) -> None:
    return None


async def _null_asgi(scope: Any, receive: Any, send: Any) -> None:
    return None


class _Lifespan:
    """The ASGI lifespan as a server runs it: startup before the first request, shutdown after the last."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.state: dict[str, Any] = {}
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": self.state}
        try:
            await self.app(scope, self.inbox.get, self.outbox.put)
        except BaseException as exc:
            await self.outbox.put({"type": "lifespan.failed", "message": repr(exc)})

    async def _step(self, phase: str) -> None:
        await self.inbox.put({"type": f"lifespan.{phase}"})
        reply = await self.outbox.get()
        if reply["type"] != f"lifespan.{phase}.complete":
            raise RuntimeError(f"lifespan {phase}: {reply}")

    async def startup(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run())
        await self._step("startup")

    async def shutdown(self) -> None:
        await self._step("shutdown")
        if self.task is not None:
            await self.task


Marker = Callable[[], object]


def _no_marker() -> None:
    return None


def new_loop(kind: str) -> asyncio.AbstractEventLoop:
    if kind == "uvloop":
        import uvloop

        return uvloop.new_event_loop()
    if kind == "asyncio":
        return asyncio.new_event_loop()
    raise ValueError(f"unknown event loop {kind!r} (uvloop or asyncio)")


def dilate_time(factor: float) -> None:
    """Stretch the wall-clock intervals on the request path by ``factor``.

    Under valgrind a program runs ~50-100x slower while timers keep wall-clock
    time, so a timer that fires once per hundred requests at full speed would
    fire during nearly every request, a different number of times on every run.
    Two such intervals exist on the benchmark's paths: the interpreter's GIL
    switch interval (threads: genever's and FastAPI's thread pools for the
    plain ``def`` dependency of /deps) and the watch timer of genever's thread
    pool (``genever.concurrency._WATCH_INTERVAL``, 2 ms).
    """
    sys.setswitchinterval(sys.getswitchinterval() * factor)
    if "genever" in sys.modules:
        from genever import concurrency

        if not isinstance(getattr(concurrency, "_WATCH_INTERVAL", None), float):
            raise RuntimeError("genever.concurrency._WATCH_INTERVAL moved: update dilate_time() in " + __file__)
        concurrency._WATCH_INTERVAL *= factor  # type: ignore[attr-defined]


def serve(
    row: Row,
    endpoints: Iterable[Endpoint],
    n: int,
    warmup: int,
    marker: Marker = _no_marker,
    loop_kind: str = "uvloop",
    time_dilation: float = 1.0,
) -> tuple[list[str], dict[str, str]]:
    """Serve ``warmup`` then ``n`` requests of each endpoint; ``marker()`` is called after each phase.

    Phases, in order: ``startup`` (imports, the app, the server's start-up), then per endpoint
    ``warm:<name>``, ``run:<name>`` and ``-`` (checking the answers, building the next requests: not
    counted), then the same for ``driver`` (the same loop over a do-nothing app: what the driver
    itself costs per request); a marker ends each phase, and the last ``-`` ends with the process.
    A ``run:`` phase thus holds nothing but the calls of the app. Returns the phases and, per
    endpoint, the first problem found in its answers (if any).
    """
    endpoints = list(endpoints)
    app = row.load()
    if time_dilation != 1.0:
        dilate_time(time_dilation)
    loop = new_loop(loop_kind)
    asyncio.set_event_loop(loop)
    phases = ["startup"]
    problems: dict[str, str] = {}
    rsgi = row.protocol == "rsgi"
    entry = getattr(app, "__rsgi__", app) if rsgi else app
    lifespan = None if rsgi else _Lifespan(app)

    def calls(endpoint: Endpoint, count: int, full: bool) -> tuple[list[tuple[Any, ...]], list[Any]]:
        stand_ins: list[Any] = []
        args: list[tuple[Any, ...]] = []
        for _ in range(count):
            if rsgi:
                proto = RSGIProto(endpoint.body, full)
                stand_ins.append(proto)
                args.append((RSGIScope(endpoint), proto))
            else:
                call = ASGICall(endpoint.body, full)
                stand_ins.append(call)
                assert lifespan is not None
                args.append((asgi_scope(endpoint, lifespan.state), call.receive, call.send))
        return args, stand_ins

    async def drive(target: Any, args: list[tuple[Any, ...]]) -> None:
        # each request's scope is dropped once answered, as a server drops it: what the app
        # hangs on it must not pile up for the cyclic GC to find
        pop = args.pop
        while args:
            await target(*pop())

    def check(endpoint: Endpoint, stand_ins: list[Any]) -> None:
        for stand_in in stand_ins:
            problem = stand_in.problem(endpoint)
            if problem is not None:
                problems.setdefault(endpoint.name, problem)
                return

    async def measure(name: str, target: Any, endpoint: Endpoint) -> list[Any]:
        # the warm-up's answers are checked in full, the measured ones for status and body
        warm, warm_stand_ins = calls(endpoint, warmup, True)
        run, run_stand_ins = calls(endpoint, n, False)
        # Each endpoint starts from the same state of the cyclic GC whatever ran before it (a full
        # collection of everything imported, when the app has not gc.freeze()d it, falls to no
        # endpoint by accident of order); the warm-up then refills what the collection emptied
        # (free lists) along with the app's own caches, so the measured requests pay neither.
        gc.collect()
        marker()  # ends the previous phase
        phases.append(f"warm:{name}")
        await drive(target, warm)
        marker()
        phases.append(f"run:{name}")
        await drive(target, run)
        marker()
        phases.append("-")  # checking these requests, building the next ones: not counted
        return warm_stand_ins + run_stand_ins

    async def main() -> None:
        if lifespan is not None:
            await lifespan.startup()
        for endpoint in endpoints:
            check(endpoint, await measure(endpoint.name, entry, endpoint))
        await measure("driver", _null_rsgi if rsgi else _null_asgi, ENDPOINTS[0])
        if lifespan is not None:
            await lifespan.shutdown()

    try:
        if rsgi and hasattr(app, "__rsgi_init__"):
            app.__rsgi_init__(loop)  # Granian: with the worker's loop, before serving
        loop.run_until_complete(main())
        if rsgi and hasattr(app, "__rsgi_del__"):
            app.__rsgi_del__(loop)
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    return phases, problems
