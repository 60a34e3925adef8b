"""Logs that carry the request id: a context variable, an access log, JSON or text output.

One line turns it on::

    from genever import logging as genever_logging

    genever_logging.instrument(app)              # request ids, X-Request-ID echoed, access log
    genever_logging.configure(format="json")     # optional: a handler on the root logger

While a request is handled, ``get_request_id()`` is its id: the client's
``X-Request-ID`` when it is trusted (``trust_incoming``) and a plain token,
else 32 random hex digits. Every log record created meanwhile, by any logger
and in the thread pool too (``run_in_threadpool`` copies the context), gets
``record.request_id`` (``"-"`` outside a request) and ``record.route`` (the
route template), so a format string or the JSON formatter can show them.
The access log is one record per request on the ``genever.access`` logger
with structured fields (method, route, path, status, duration_ms, client,
request_id). An unhandled exception is logged once, on ``genever.error``,
with its traceback, route and request id.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
import sys
import time
from collections.abc import Sequence
from contextvars import ContextVar, Token
from typing import IO, Any

from ._observe import Instrument, Runner, route_template
from ._observe import add as add_instrument
from .requests import Request
from .responses import Response

# (request id, request) of the request being handled in this context; one variable, set once per request
_current: ContextVar[tuple[str, Request] | None] = ContextVar("genever.request", default=None)


def get_request_id() -> str | None:
    """The id of the request being handled in this context (None outside a request)."""
    current = _current.get()
    return current[0] if current is not None else None


def current_request() -> Request | None:
    """The request being handled in this context (None outside a request)."""
    current = _current.get()
    return current[1] if current is not None else None


def bind(rid: str, request: Request) -> Token[tuple[str, Request] | None]:
    """Make ``rid`` the current request id (``reset(token)`` when the request is done)."""
    return _current.set((rid, request))


def reset(token: Token[tuple[str, Request] | None]) -> None:
    _current.reset(token)

access_logger = logging.getLogger("genever.access")

_VALID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")


def new_request_id() -> str:
    """32 random hex digits (what ``uuid4().hex`` carries, without building a UUID)."""
    return os.urandom(16).hex()


def accept_request_id(incoming: str | None) -> str:
    """``incoming`` when it is a plain token (it cannot inject into logs), else a new id."""
    if incoming is not None and _VALID.fullmatch(incoming):
        return incoming
    return new_request_id()


class RequestContext(Instrument):
    """Request ids and the access log; made by ``instrument(app)``."""

    order = 10  # outermost: everything inside, the other instruments included, logs with the id

    def __init__(
        self,
        header: str,
        trust_incoming: bool | Sequence[str],
        access_log: bool,
        logger: logging.Logger,
        level: int,
    ) -> None:
        self.header = header.lower()
        self.trust_all = trust_incoming is True
        self.trusted = (
            [] if isinstance(trust_incoming, bool) else [ipaddress.ip_network(n, strict=False) for n in trust_incoming]
        )
        self.access_log = access_log
        self.logger = logger
        self.level = level

    def _trusts(self, request: Request) -> bool:
        if self.trust_all:
            return True
        client = request.client
        if not self.trusted or client is None:
            return False
        try:
            address = ipaddress.ip_address(client.host)
        except ValueError:
            return False
        return any(address in network for network in self.trusted)

    def wrap_app(self, app: Any, inner: Runner) -> Runner:
        header = self.header
        trust_all = self.trust_all
        trusts = self._trusts
        access_log = self.access_log
        logger = self.logger
        level = self.level
        set_current = _current.set
        reset_current = _current.reset

        async def with_request_id(request: Request) -> Response:
            incoming = request.header(header) if trust_all or trusts(request) else None
            # PERF: an incoming id is checked by one compiled regex; otherwise 16 random bytes as hex
            rid = incoming if incoming is not None and _VALID.fullmatch(incoming) else os.urandom(16).hex()
            token = set_current((rid, request))
            start = time.perf_counter()
            response: Response | None = None
            try:
                response = await inner(request)
                response.raw_headers = [*response.raw_headers, (header, rid)]
                return response
            finally:
                if access_log and logger.isEnabledFor(level):  # while the id is bound: the record carries it
                    _log_access(logger, level, request, response, time.perf_counter() - start)
                reset_current(token)

        return with_request_id


def _log_access(
    logger: logging.Logger, level: int, request: Request, response: Response | None, elapsed: float
) -> None:
    # request_id and route are set on every record by the record factory
    client = request.client
    status = response.status_code if response is not None else 500
    duration = round(elapsed * 1000, 3)
    fields = {
        "method": request.method,
        "path": request.path,
        "query": request.query_string,
        "status": status,
        "duration_ms": duration,
        "client": f"{client.host}:{client.port}" if client else None,
    }
    logger.log(level, "%s %s %s %.3fms", request.method, request.path, status, duration, extra=fields)


def instrument(
    app: Any,
    *,
    header: str = "X-Request-ID",
    trust_incoming: bool | Sequence[str] = True,
    access_log: bool = True,
    logger: logging.Logger | None = None,
    level: int = logging.INFO,
) -> RequestContext:
    """Give every request of ``app`` an id (echoed in ``header``) that every log record carries.

    ``trust_incoming``: True to take the client's id when it is a plain token,
    False to always make one, or the addresses/networks of the proxies whose
    id is taken (``["10.0.0.0/8"]``). ``access_log``: one record per request on
    ``logger`` (default ``genever.access``) at ``level``.
    """
    context = RequestContext(header, trust_incoming, access_log, logger or access_logger, level)
    add_instrument(app, context)
    install_record_factory()
    return context


# -- every record carries the request id ----------------------------------------------------------
_factory_installed = False


def record_factory_installed() -> bool:
    """Whether records carry ``request_id`` and ``route`` (then they cannot be passed as ``extra``)."""
    return _factory_installed


def install_record_factory() -> None:
    """Make every ``LogRecord`` carry ``request_id`` and ``route`` (once per process; chains the previous factory)."""
    global _factory_installed
    if _factory_installed:
        return
    _factory_installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        current = _current.get()
        if current is None:
            record.request_id = record.route = "-"
        else:
            record.request_id = current[0]
            record.route = route_template(current[1])
        return record

    logging.setLogRecordFactory(factory)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"

# LogRecord attributes that are not "extra" fields of the JSON output
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request_id", "route"}


class JSONFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, route, the record's
    ``extra`` fields, and ``exception`` (the formatted traceback) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        route = getattr(record, "route", "-")
        if route != "-":
            data["route"] = route
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                data[key] = value
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            data["exception"] = record.exc_text
        return json.dumps(data, default=str)


def configure(
    *, format: str = "text", level: int | str = logging.INFO, stream: IO[str] | None = None
) -> logging.Handler:
    """Log to ``stream`` (stderr) from the root logger, as ``"text"`` (with the request id) or ``"json"``.

    Returns the handler it added; call it once, at start-up.
    """
    if format not in ("text", "json"):
        raise ValueError(f"format must be 'text' or 'json', not {format!r}")
    install_record_factory()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JSONFormatter() if format == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    return handler


__all__ = [
    "TEXT_FORMAT",
    "JSONFormatter",
    "RequestContext",
    "accept_request_id",
    "access_logger",
    "bind",
    "configure",
    "current_request",
    "get_request_id",
    "install_record_factory",
    "instrument",
    "new_request_id",
    "record_factory_installed",
    "reset",
]
