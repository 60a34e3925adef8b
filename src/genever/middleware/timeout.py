"""Answer a request that runs longer than a deadline with 504, and stop working on it.

The route's coroutine is cancelled at the deadline: its ``yield`` dependencies
see the cancellation and run their clean-up (the code after ``yield``, their
``finally``), as they do when a client goes away. A sync endpoint already
running in the thread pool finishes in its thread; its answer is discarded.
"""

from __future__ import annotations

import asyncio

from ..requests import Request
from ..responses import JSONResponse, Response
from . import BaseMiddleware, CallNext


class RequestTimeoutMiddleware(BaseMiddleware):
    """``timeout`` seconds per request (middleware and route), then ``{"detail": "Request timed out"}``."""

    def __init__(self, timeout: float, status_code: int = 504) -> None:
        if timeout <= 0:
            raise ValueError(f"the request timeout must be positive, not {timeout!r}")
        if status_code not in (503, 504):
            raise ValueError("a timed-out request is answered 503 or 504")
        self.timeout = timeout
        self.status_code = status_code

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        try:
            async with asyncio.timeout(self.timeout):
                return await call_next(request)
        except TimeoutError:
            # only our deadline gets here: the router turns the route's own exceptions into responses
            return JSONResponse({"detail": "Request timed out"}, status_code=self.status_code)
