"""Redirect plain-HTTP requests to HTTPS (307; ``ws`` to ``wss``)."""

from __future__ import annotations

from ..requests import Request
from ..responses import RedirectResponse, Response
from . import BaseMiddleware, CallNext


class HTTPSRedirectMiddleware(BaseMiddleware):
    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        if request.scheme in ("https", "wss"):
            return await call_next(request)
        url = request.url
        scheme = "https"
        netloc = url.netloc
        if url.port in (80, 443):
            netloc = url.hostname or netloc
        return RedirectResponse(str(url.replace(scheme=scheme, netloc=netloc)), status_code=307)
