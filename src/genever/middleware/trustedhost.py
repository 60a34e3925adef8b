"""Reject requests whose ``Host`` header is not one of the allowed hosts (400)."""

from __future__ import annotations

from collections.abc import Sequence

from ..requests import Request
from ..responses import PlainTextResponse, RedirectResponse, Response
from . import BaseMiddleware, CallNext


class TrustedHostMiddleware(BaseMiddleware):
    def __init__(self, allowed_hosts: Sequence[str] = ("*",), www_redirect: bool = True) -> None:
        for pattern in allowed_hosts:
            if "*" in pattern[1:]:
                raise ValueError(f"{pattern!r}: a wildcard is only allowed as the first character ('*.example.com')")
        self.allow_any = "*" in allowed_hosts
        self.exact = frozenset(h for h in allowed_hosts if not h.startswith("*"))
        self.suffixes = tuple(h[1:] for h in allowed_hosts if h.startswith("*") and h != "*")
        self.www_redirect = www_redirect

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        if self.allow_any:
            return await call_next(request)
        host = (request.header("host") or "").split(":")[0]
        if host in self.exact or (self.suffixes and host.endswith(self.suffixes)):
            return await call_next(request)
        if self.www_redirect and f"www.{host}" in self.exact:
            url = request.url
            netloc = url.netloc.replace(host, f"www.{host}", 1)
            return RedirectResponse(str(url.replace(netloc=netloc)))
        return PlainTextResponse("Invalid host header", status_code=400)
