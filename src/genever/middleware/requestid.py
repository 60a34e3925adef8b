"""``X-Request-ID``: propagate the client's request id or generate one, and echo it in the response.

The id is on ``request.state.request_id`` for handlers and logs.
"""

from __future__ import annotations

import os
import re

from ..requests import Request
from ..responses import Response
from . import BaseMiddleware, CallNext

_VALID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


class RequestIDMiddleware(BaseMiddleware):
    def __init__(self, header_name: str = "X-Request-ID", trust_incoming: bool = True) -> None:
        self.header = header_name.lower()
        self.trust_incoming = trust_incoming

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        incoming = request.header(self.header) if self.trust_incoming else None
        # an incoming id that is not a plain token is replaced, so it cannot inject into logs
        # PERF: 16 random bytes as hex, what uuid4().hex gives minus the version bits and the UUID object
        request_id = incoming if incoming is not None and _VALID.match(incoming) else os.urandom(16).hex()
        request.state.request_id = request_id
        response = await call_next(request)
        response.raw_headers = [*response.raw_headers, (self.header, request_id)]
        return response
