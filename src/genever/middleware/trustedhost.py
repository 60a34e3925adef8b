"""Reject requests whose ``Host`` header is not one of the allowed hosts (400).

Host names are compared case-insensitively (DNS names are), without the port and
without a trailing dot (``EXAMPLE.com.:8000`` is ``example.com``).
"""

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
        hosts = [h.lower().rstrip(".") for h in allowed_hosts]
        self.allow_any = "*" in hosts
        self.exact = frozenset(h for h in hosts if not h.startswith("*"))
        self.suffixes = tuple(h[1:] for h in hosts if h.startswith("*") and h != "*")
        self.www_redirect = www_redirect

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        if self.allow_any:
            return await call_next(request)
        host = _host_name(request.header("host") or "")
        if host in self.exact or (self.suffixes and host.endswith(self.suffixes)):
            return await call_next(request)
        if self.www_redirect and f"www.{host}" in self.exact:
            url = request.url
            return RedirectResponse(str(url.replace(netloc=f"www.{request.header('host')}")))
        return PlainTextResponse("Invalid host header", status_code=400)


def _host_name(header: str) -> str:
    """The host of a ``Host`` header, lowercase, without port or trailing dot (``[::1]`` kept whole)."""
    if header.startswith("["):
        end = header.find("]")
        host = header[: end + 1] if end != -1 else header
    else:
        host = header.partition(":")[0]
    return host.lower().rstrip(".")
