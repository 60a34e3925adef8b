"""Response classes, with FastAPI's names and constructor signatures.

A response is status + header pairs + body bytes (+ optional background
task). Headers are kept as a list of ``(name, value)`` string pairs, the form
RSGI takes directly; the ASGI adapter encodes them. Each class knows how to
send itself over both protocols (``_send_rsgi`` / ``_send_asgi``), so
streaming and file responses override just those two methods.
"""

from __future__ import annotations

import http.cookies
import time
from collections.abc import Mapping
from datetime import datetime
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from .datastructures import MutableHeaders
from .encoders import encode_json

if TYPE_CHECKING:
    from .background import BackgroundTask


class Response:
    """A response with a body of bytes (or str, encoded with ``charset``)."""

    media_type: str | None = None
    charset = "utf-8"

    def __init__(
        self,
        content: Any = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        self.status_code = status_code
        if media_type is not None:
            self.media_type = media_type
        self.background = background
        self.body = self.render(content)
        self.raw_headers: list[tuple[str, str]] = self._initial_headers(headers)

    def render(self, content: Any) -> bytes:
        if content is None:
            return b""
        if isinstance(content, bytes | memoryview):
            return bytes(content)
        return str(content).encode(self.charset)

    def _initial_headers(self, headers: Mapping[str, str] | None) -> list[tuple[str, str]]:
        raw = [(k.lower(), v) for k, v in headers.items()] if headers else []
        if self.media_type is not None and not any(k == "content-type" for k, _ in raw):
            content_type = self.media_type
            if content_type.startswith("text/") and "charset=" not in content_type:
                content_type += f"; charset={self.charset}"
            raw.append(("content-type", content_type))
        return raw

    @property
    def headers(self) -> MutableHeaders:
        """Mutable view over the response headers (changes apply to the response)."""
        view = MutableHeaders()
        # PERF: compiled routes may hand us a shared precomputed header list;
        # copy it the first time someone may change it.
        self.raw_headers = view._list = list(self.raw_headers)
        return _BoundHeaders(self, view)

    def init_headers(self, headers: Mapping[str, str] | None = None) -> None:
        self.raw_headers = self._initial_headers(headers)

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: int | None = None,
        expires: datetime | str | int | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: Literal["lax", "strict", "none"] | None = "lax",
        partitioned: bool = False,
    ) -> None:
        cookie: http.cookies.SimpleCookie = http.cookies.SimpleCookie()
        cookie[key] = value
        morsel = cookie[key]
        if max_age is not None:
            morsel["max-age"] = max_age
        if expires is not None:
            if isinstance(expires, datetime):
                morsel["expires"] = format_datetime(expires, usegmt=True)
            elif isinstance(expires, int):
                morsel["expires"] = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + expires))
            else:
                morsel["expires"] = expires
        if path is not None:
            morsel["path"] = path
        if domain is not None:
            morsel["domain"] = domain
        if secure:
            morsel["secure"] = True
        if httponly:
            morsel["httponly"] = True
        if samesite is not None:
            if samesite.lower() not in ("strict", "lax", "none"):
                raise ValueError("samesite must be 'strict', 'lax' or 'none'")
            morsel["samesite"] = samesite
        header = cookie.output(header="").strip()
        if partitioned:
            header += "; Partitioned"
        self.raw_headers = [*self.raw_headers, ("set-cookie", header)]

    def delete_cookie(
        self,
        key: str,
        path: str = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: Literal["lax", "strict", "none"] | None = "lax",
    ) -> None:
        self.set_cookie(
            key, max_age=0, expires=0, path=path, domain=domain, secure=secure, httponly=httponly, samesite=samesite
        )

    # -- sending ---------------------------------------------------------------------------
    async def _send_rsgi(self, proto: Any, head_only: bool = False) -> None:
        if head_only:
            headers = [*self.raw_headers, ("content-length", str(len(self.body)))]
            proto.response_empty(self.status_code, headers)
        else:
            proto.response_bytes(self.status_code, self.raw_headers, self.body)

    async def _send_asgi(self, send: Any, head_only: bool = False) -> None:
        body = self.body
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in self.raw_headers]
        if self.status_code >= 200 and self.status_code not in (204, 304):
            headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": self.status_code, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head_only else body})

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.status_code}>"


class _BoundHeaders(MutableHeaders):
    """``MutableHeaders`` that writes every change back to its response."""

    __slots__ = ("_response",)

    def __init__(self, response: Response, view: MutableHeaders) -> None:
        super().__init__()
        self._list = view._list
        self._response = response

    def __setitem__(self, key: str, value: str) -> None:
        super().__setitem__(key, value)
        self._response.raw_headers = self._list

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._response.raw_headers = self._list


class HTMLResponse(Response):
    media_type = "text/html"


class PlainTextResponse(Response):
    media_type = "text/plain"


class JSONResponse(Response):
    """JSON from any value msgspec or pydantic can encode."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return encode_json(content)


# FastAPI users import these for speed; genever's JSONResponse is already msgspec.
ORJSONResponse = JSONResponse
UJSONResponse = JSONResponse


class RedirectResponse(Response):
    def __init__(
        self,
        url: str,
        status_code: int = 307,
        headers: Mapping[str, str] | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        super().__init__(content=b"", status_code=status_code, headers=headers, background=background)
        self.raw_headers.append(("location", quote(str(url), safe=":/%#?=@[]!$&'()*+,;")))


def raw_response(cls: type[Response], status_code: int, headers: list[tuple[str, str]], body: bytes) -> Response:
    """Build a response without running ``__init__`` (the compiled routes' fast path).

    PERF: the header list is a shared, precomputed one; ``Response.headers``
    copies it before any change.
    """
    response = cls.__new__(cls)
    response.status_code = status_code
    response.raw_headers = headers
    response.body = body
    response.background = None
    return response
