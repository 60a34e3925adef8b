"""``X-Request-ID``: propagate the client's request id or generate one, and echo it in the response.

The id is on ``request.state.request_id`` for handlers, and is the current
request id of ``genever.logging`` (``get_request_id()``, ``record.request_id``)
while the request is handled. ``genever.logging.instrument(app)`` does the same
for the whole app without a middleware, and adds the access log.
"""

from __future__ import annotations

from .. import logging as _logging
from ..requests import Request
from ..responses import Response
from . import BaseMiddleware, CallNext


class RequestIDMiddleware(BaseMiddleware):
    def __init__(self, header_name: str = "X-Request-ID", trust_incoming: bool = True) -> None:
        self.header = header_name.lower()
        self.trust_incoming = trust_incoming

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        incoming = request.header(self.header) if self.trust_incoming else None
        # an incoming id that is not a plain token is replaced, so it cannot inject into logs
        request_id = _logging.accept_request_id(incoming)
        request.state.request_id = request_id
        token = _logging.bind(request_id, request)
        try:
            response = await call_next(request)
        finally:
            _logging.reset(token)
        response.raw_headers = [*response.raw_headers, (self.header, request_id)]
        return response
