"""Responses built by other frameworks (Starlette's, so FastAPI's too), sent as they are.

A handler, a Starlette-style endpoint or an exception handler may return a
``starlette.responses.Response`` (ariadne, authlib, prometheus exporters do).
A response whose body is in memory becomes a genever ``Response`` with the
same status, headers and background task (so genever middleware can still
change it); any other (streaming, file) is run as the ASGI app it is, under
ASGI and, through the bridge, under RSGI. Nothing here runs for genever's own
responses: foreign ones are noticed where encoding them as JSON would fail.
"""

from __future__ import annotations

from typing import Any

from ._bridge import run_asgi
from .responses import Response


def is_foreign_response(obj: Any) -> bool:
    """A Starlette ``Response`` (or subclass): an ASGI app with a status code."""
    return callable(obj) and any(c.__module__ == "starlette.responses" for c in type(obj).__mro__)


class ASGIAppResponse(Response):
    """Answer with an ASGI app (a streaming Starlette response, a mounted-style endpoint)."""

    _needs_request = True

    def __init__(self, app: Any, status_code: int = 200) -> None:
        self.app = app
        self.status_code = getattr(app, "status_code", status_code)
        self.background = None  # a Starlette response runs its own background task
        self.body = b""
        self.raw_headers = []
        self._request: Any = None

    def _prepare(self, request: Any) -> None:
        self._request = request

    async def _send_asgi(self, send: Any, head_only: bool = False) -> None:
        request = self._request
        await self.app(request.scope, request._receive, send)

    async def _send_rsgi(self, proto: Any, head_only: bool = False) -> None:
        request = self._request
        await run_asgi(self.app, request._rsgi, proto, root_path=request.root_path)


def adopt_response(obj: Any) -> Response:
    """``obj`` (a Starlette ``Response``) as a genever ``Response``."""
    body = getattr(obj, "body", None)
    if isinstance(body, bytes) and not hasattr(obj, "body_iterator") and not hasattr(obj, "path"):
        response = Response(body, status_code=obj.status_code, background=obj.background)
        # genever adds Content-Length itself (and Granian computes it)
        response.raw_headers = [
            (k.decode("latin-1"), v.decode("latin-1")) for k, v in obj.raw_headers if k.lower() != b"content-length"
        ]
        return response
    return ASGIAppResponse(obj)
