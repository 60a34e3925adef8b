"""``Server-Timing`` headers and a structured access log.

``ServerTimingMiddleware`` adds ``Server-Timing: app;dur=<ms>``;
``AccessLogMiddleware`` logs one record per request on the ``genever.access``
logger with structured fields (method, path, status, duration_ms, client,
request_id) in ``extra``, so a JSON log formatter can emit them as is.
"""

from __future__ import annotations

import logging
import time

from .._observe import route_template
from ..logging import get_request_id, record_factory_installed
from ..requests import Request
from ..responses import Response
from . import BaseMiddleware, CallNext

access_logger = logging.getLogger("genever.access")


class ServerTimingMiddleware(BaseMiddleware):
    def __init__(self, metric: str = "app") -> None:
        self.metric = metric

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        start = time.perf_counter()
        response = await call_next(request)
        duration = (time.perf_counter() - start) * 1000
        response.raw_headers = [*response.raw_headers, ("server-timing", f"{self.metric};dur={duration:.3f}")]
        return response


class AccessLogMiddleware(BaseMiddleware):
    def __init__(self, logger: logging.Logger | None = None, level: int = logging.INFO) -> None:
        self.logger = logger or access_logger
        self.level = level

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        if not self.logger.isEnabledFor(self.level):
            return await call_next(request)
        start = time.perf_counter()
        response = await call_next(request)
        duration = (time.perf_counter() - start) * 1000
        client = request.client
        fields: dict[str, object] = {
            "method": request.method,
            "path": request.path,
            "query": request.query_string,
            "status": response.status_code,
            "duration_ms": round(duration, 3),
            "client": f"{client.host}:{client.port}" if client else None,
        }
        if not record_factory_installed():  # otherwise every record carries them already
            fields["route"] = route_template(request)
            fields["request_id"] = _request_id(request)
        self.logger.log(
            self.level, "%s %s %s %.3fms", request.method, request.path, response.status_code, duration, extra=fields
        )
        return response


def _request_id(request: Request) -> str | None:
    rid = get_request_id()
    if rid is None and request._state is not None:
        rid = getattr(request.state, "request_id", None)
    return rid
