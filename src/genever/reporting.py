"""Where unhandled exceptions go: one log record, then the app's error reporters.

An exception that no exception handler takes (the request is answered 500),
or that an exception handler raises itself, is handed to ``unhandled()`` —
the one place for it. It logs the traceback once, on ``genever.error``, with
the route template and the request id, then calls each function registered
with ``app.add_error_reporter(f)`` with an ``ErrorReport``. That is where a
Sentry-style client plugs in, without any ASGI middleware::

    def to_sentry(report: ErrorReport) -> None:
        with sentry_sdk.new_scope() as scope:
            scope.set_tag("route", report.route)
            scope.set_tag("request_id", report.request_id)
            scope.set_context("app", report.context)
            sentry_sdk.capture_exception(report.exception)

    app.add_error_reporter(to_sentry)

Handlers and dependencies add their own context with
``add_error_context(request, user_id=...)``. A reporter may be sync or async;
one that raises is logged and the others still run. Exceptions that an
exception handler turns into a response (``HTTPException``, validation
errors, your handlers) are answers, not errors, and are not reported.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

from ._observe import UNMATCHED, route_template
from .logging import get_request_id
from .requests import Request

logger = logging.getLogger("genever.error")


class ErrorReport:
    """An unhandled exception and what is known of the request it interrupted."""

    __slots__ = ("context", "exception", "method", "path", "request", "request_id", "route")

    def __init__(self, exception: BaseException, request: Request) -> None:
        self.exception = exception
        self.request = request
        self.method = request.method
        self.path = request.path
        self.route = _route(request)
        """The route template (``/items/{item_id}``), or ``"<unmatched>"``."""
        self.request_id = _request_id(request)
        """The request id (``genever.logging`` or ``RequestIDMiddleware``), or None."""
        self.context: dict[str, Any] = dict(_context(request) or {})
        """What the app added with ``add_error_context``."""

    def __repr__(self) -> str:
        return f"<ErrorReport {type(self.exception).__name__} in {self.method} {self.route}>"


Reporter = Callable[[ErrorReport], Any]


def add_error_context(request: Request, **values: Any) -> None:
    """Attach ``values`` (user id, tenant...) to ``request``'s error report, should one be made."""
    context = _context(request)
    if context is None:
        context = {}
        request.state._error_context = context
    context.update(values)


async def unhandled(app: Any, request: Request, exc: BaseException, what: str = "Unhandled exception") -> None:
    """Log ``exc`` once with its route and request id, then hand it to ``app.error_reporters``."""
    report = ErrorReport(exc, request)
    logger.error(
        "%s in %s %s (path %s, request id %s)",
        what, report.method, report.route, report.path, report.request_id or "-",
        exc_info=exc, extra={"path": report.path, "method": report.method},
    )  # fmt: skip
    for reporter in app.error_reporters:
        try:
            result = reporter(report)
            if inspect.isawaitable(result):
                await result
        except Exception:
            logger.exception("error reporter %r failed", reporter)


def _route(request: Request) -> str:
    """The route template: tagged by observability, else looked up again (this is the error path)."""
    template = route_template(request)
    server = getattr(request.app, "server", None)
    if template == UNMATCHED and server is not None:
        endpoint = server.static.get(request.path)
        if endpoint is None:
            match = server.tree.lookup(request.path)
            endpoint = match.value if match is not None else None
        if endpoint is not None:
            template = endpoint.template
    return template


def _request_id(request: Request) -> str | None:
    rid = get_request_id()
    if rid is None and request._state is not None:
        rid = getattr(request.state, "request_id", None)
    return rid


def _context(request: Request) -> dict[str, Any] | None:
    if request._state is None:
        return None
    context: dict[str, Any] | None = getattr(request.state, "_error_context", None)
    return context


__all__ = ["ErrorReport", "Reporter", "add_error_context", "unhandled"]
