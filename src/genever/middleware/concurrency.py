"""Cap the requests a worker serves at once: beyond the cap, answer 503 at once (shed load).

A worker that takes every request it is offered, under a load it cannot
serve, makes every request slow; one that refuses the excess quickly lets
the load balancer retry elsewhere and keeps latency flat for the rest.
Granian's ``backpressure`` (``genever run --backpressure``) is the other
half: it stops accepting beyond its own bound, and the excess waits in the
kernel's backlog instead of being refused.
"""

from __future__ import annotations

from ..requests import Request
from ..responses import JSONResponse, Response
from . import BaseMiddleware, CallNext


class ConcurrencyLimitMiddleware(BaseMiddleware):
    """At most ``limit`` requests in flight in this worker; the next ones get 503 with ``Retry-After``."""

    def __init__(self, limit: int, retry_after: int = 1) -> None:
        if limit < 1:
            raise ValueError(f"the concurrency limit must be at least 1, not {limit!r}")
        self.limit = limit
        self.in_flight = 0
        self.headers = {"Retry-After": str(retry_after)}

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        if self.in_flight >= self.limit:
            return JSONResponse({"detail": "Service Unavailable"}, status_code=503, headers=self.headers)
        # one event loop per worker: the counter needs no lock
        self.in_flight += 1
        try:
            return await call_next(request)
        finally:
            self.in_flight -= 1
