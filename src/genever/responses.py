"""Response classes, with FastAPI's names and constructor signatures.

A response is status + header pairs + body bytes (+ optional background
task). Headers are kept as a list of ``(name, value)`` string pairs, the form
RSGI takes directly; the ASGI adapter encodes them. Each class knows how to
send itself over both protocols (``_send_rsgi`` / ``_send_asgi``), so
streaming and file responses override just those two methods.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import http.cookies
import mimetypes
import os
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from datetime import datetime
from email.utils import format_datetime, formatdate, parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from ._utils import NO_BODY, encode_headers
from .concurrency import iterate_in_threadpool, run_in_threadpool
from .datastructures import MutableHeaders
from .encoders import encode_json

if TYPE_CHECKING:
    from .background import BackgroundTask


class Response:
    """A response with a body of bytes (or str, encoded with ``charset``)."""

    media_type: str | None = None
    charset = "utf-8"
    # PERF: only response classes that read the request (FileResponse) are given it before sending
    _needs_request = False
    _headers_for: tuple[Any, Any, tuple[tuple[str, str], ...]]  # set below and by __init_subclass__

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
        # PERF: without headers, the class's own content type (computed once per class) when its
        # media_type and charset are still the ones it was computed from
        cached = self._headers_for
        if headers is None and self.media_type is cached[0] and self.charset is cached[1]:
            self.raw_headers: list[tuple[str, str]] = [*cached[2]]
        else:
            self.raw_headers = self._initial_headers(headers)

    def _prepare(self, request: Any) -> None:
        """Adjust the response to the request before sending (only called when ``_needs_request``)."""

    def render(self, content: Any) -> bytes:
        if type(content) is str:  # PERF: the common case first, without isinstance over a union
            return content.encode(self.charset)
        if content is None:
            return b""
        if isinstance(content, bytes | memoryview):
            return bytes(content)
        return str(content).encode(self.charset)

    def _initial_headers(self, headers: Mapping[str, str] | None) -> list[tuple[str, str]]:
        raw = [(k.lower(), v) for k, v in headers.items()] if headers else []
        if self.media_type is not None and not (raw and any(k == "content-type" for k, _ in raw)):
            raw.append(("content-type", _content_type(self.media_type, self.charset)))
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
    # True when the class sends with ``_send_rsgi_now`` (no await needed): every response whose
    # body is in memory. Classes that stream (their own ``_send_rsgi``) are awaited instead.
    _sends_at_once = True
    # PERF: the RSGI adapter sends a response of such a class itself, with one native call and no
    # method call: its body is in memory, it is sent as Response sends it and it needs no request
    _rsgi_plain = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._headers_for = _headers_for(cls)
        cls._sends_at_once = cls._send_rsgi is Response._send_rsgi
        cls._rsgi_plain = (
            cls._sends_at_once and cls._send_rsgi_now is Response._send_rsgi_now and not cls._needs_request
        )

    def _send_rsgi_now(self, proto: Any, head_only: bool = False) -> None:
        if head_only:
            headers = [*self.raw_headers, ("content-length", str(len(self.body)))]
            proto.response_empty(self.status_code, headers)
        else:
            proto.response_bytes(self.status_code, self.raw_headers, self.body)

    async def _send_rsgi(self, proto: Any, head_only: bool = False) -> None:
        self._send_rsgi_now(proto, head_only)

    async def _send_asgi(self, send: Any, head_only: bool = False) -> None:
        body = self.body
        headers = encode_headers(self.raw_headers)
        if self.status_code not in NO_BODY:
            headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": self.status_code, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head_only else body})

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.status_code}>"


def _content_type(media_type: str, charset: str) -> str:
    if media_type.startswith("text/") and "charset=" not in media_type:
        return f"{media_type}; charset={charset}"
    return media_type


_NOT_CACHED = object()


def _headers_for(cls: type[Response]) -> tuple[Any, Any, tuple[tuple[str, str], ...]]:
    """``(media_type, charset, headers)``: the headers ``cls`` starts with when given none, and the
    class attributes they were computed from (a class with its own ``_initial_headers``: none cached)."""
    if cls._initial_headers is not Response._initial_headers:
        return (_NOT_CACHED, _NOT_CACHED, ())
    media_type, charset = cls.media_type, cls.charset
    if media_type is None:
        return (None, charset, ())
    return (media_type, charset, (("content-type", _content_type(media_type, charset)),))


Response._headers_for = _headers_for(Response)


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


class StreamingResponse(Response):
    """A body produced piece by piece by an (async or sync) iterator of bytes or str.

    Sync iterators run in the thread pool. When the client goes away the
    iteration stops (the iterator is closed, so its ``finally`` runs).
    """

    def __init__(
        self,
        content: Any,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        if hasattr(content, "__aiter__"):
            self.body_iterator = content
        else:
            self.body_iterator = iterate_in_threadpool(iter(content))
        self.status_code = status_code
        if media_type is not None:
            self.media_type = media_type
        self.background = background
        self.body = b""
        self.raw_headers = self._initial_headers(headers)

    _needs_request = True
    _receive: Any = None

    def _prepare(self, request: Any) -> None:
        # under ASGI, watch ``receive`` for http.disconnect while streaming
        self._receive = getattr(request, "_receive", None)

    async def _chunks(self) -> Any:
        async for chunk in self.body_iterator:
            yield chunk if isinstance(chunk, bytes | bytearray | memoryview) else str(chunk).encode(self.charset)

    async def _send_rsgi(self, proto: Any, head_only: bool = False) -> None:
        if head_only:
            proto.response_empty(self.status_code, self.raw_headers)
            await _close(self.body_iterator)
            return
        transport = proto.response_stream(self.status_code, self.raw_headers)
        chunks = self._chunks()
        try:
            await _until_disconnect(_pump(chunks, transport.send_bytes), proto.client_disconnect())
        finally:
            await _close(chunks)
            await _close(self.body_iterator)

    async def _send_asgi(self, send: Any, head_only: bool = False) -> None:
        headers = encode_headers(self.raw_headers)
        await send({"type": "http.response.start", "status": self.status_code, "headers": headers})
        if head_only:
            await send({"type": "http.response.body", "body": b""})
            await _close(self.body_iterator)
            return
        chunks = self._chunks()

        async def send_chunk(chunk: bytes) -> None:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})

        try:
            if await _until_disconnect(_pump(chunks, send_chunk), _wait_disconnect(self._receive)):
                await send({"type": "http.response.body", "body": b""})
        except OSError:  # the client went away (servers raise on send after a disconnect)
            pass
        finally:
            await _close(chunks)
            await _close(self.body_iterator)


async def _pump(chunks: Any, send: Callable[[bytes], Awaitable[None]]) -> None:
    sent = 0
    async for chunk in chunks:
        await send(bytes(chunk))
        sent += 1
        if not sent & 15:
            # PERF/correctness: a generator that never awaits, sent to a server whose send does not
            # wait either, would hold the event loop (and every cancellation) for good; the loop
            # runs every 16 chunks, not at every one
            await asyncio.sleep(0)


async def _until_disconnect(pump: Coroutine[Any, Any, None], disconnect: Coroutine[Any, Any, Any]) -> bool:
    """Run ``pump`` until it finishes (True) or the client disconnects first (False).

    The pump runs as its own task and is cancelled the moment the disconnect
    arrives, so a quiet stream (an SSE source waiting for its next event) is
    closed promptly instead of at its next write. One task per streamed
    response, none per chunk.
    """
    sending = asyncio.ensure_future(pump)
    watching = asyncio.ensure_future(disconnect)
    try:
        await asyncio.wait((sending, watching), return_when=asyncio.FIRST_COMPLETED)
        if sending.done():
            sending.result()  # a failure of the stream propagates
            return True
        return False
    finally:
        for task in (sending, watching):
            if not task.done():
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task


async def _wait_disconnect(receive: Any) -> None:
    if receive is None:  # no way to tell: stream until the iterator ends
        await asyncio.Event().wait()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


async def _close(iterator: Any) -> None:
    aclose = getattr(iterator, "aclose", None)
    if aclose is not None:
        with contextlib.suppress(RuntimeError):  # already running elsewhere or closed
            await aclose()


class FileResponse(Response):
    """A file from disk, with ``Content-Length``, ``Last-Modified``, ``ETag``, ranges (206) and 304s.

    The file is streamed in chunks under ASGI and handed to Granian (which
    reads it natively) under RSGI; it is never read into memory whole.
    """

    chunk_size = 64 * 1024

    def __init__(
        self,
        path: str | os.PathLike[str],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
        filename: str | None = None,
        stat_result: os.stat_result | None = None,
        method: str | None = None,
        content_disposition_type: str = "attachment",
    ) -> None:
        self.path = os.fspath(path)
        self.status_code = status_code
        self.filename = filename
        self.background = background
        self.body = b""
        if media_type is None:
            media_type = mimetypes.guess_type(filename or self.path)[0] or "text/plain"
        self.media_type = media_type
        self.raw_headers = self._initial_headers(headers)
        if filename is not None:
            quoted = quote(filename)
            if quoted != filename:
                disposition = f"{content_disposition_type}; filename*=utf-8''{quoted}"
            else:
                disposition = f'{content_disposition_type}; filename="{filename}"'
            self.raw_headers.append(("content-disposition", disposition))
        self.stat_result = stat_result
        self.range: tuple[int, int] | None = None
        self._checked = False

    def _stat(self) -> os.stat_result:
        if self.stat_result is None:
            self.stat_result = os.stat(self.path)
        return self.stat_result

    def prepare(self, request_headers: Any) -> None:
        """Set the file headers and decide 200 / 206 / 304 / 416 from the request's conditional headers."""
        if self._checked:
            return
        self._checked = True
        try:
            stat = self._stat()
        except FileNotFoundError:
            raise RuntimeError(f"File at path {self.path} does not exist.") from None
        size = stat.st_size
        last_modified = formatdate(stat.st_mtime, usegmt=True)
        etag = '"' + hashlib.md5(f"{stat.st_mtime}-{size}".encode(), usedforsecurity=False).hexdigest() + '"'
        self.raw_headers += [("last-modified", last_modified), ("etag", etag), ("accept-ranges", "bytes")]
        if_none_match = request_headers.get("if-none-match")
        if if_none_match is not None:
            if etag in [t.strip() for t in if_none_match.split(",")] or if_none_match.strip() == "*":
                self._not_modified()
                return
        elif request_headers.get("if-modified-since") is not None:
            since = parsedate_to_datetime_safe(request_headers.get("if-modified-since"))
            if since is not None and int(stat.st_mtime) <= since:
                self._not_modified()
                return
        range_header = request_headers.get("range")
        if_range = request_headers.get("if-range")
        if range_header and self.status_code == 200 and (if_range is None or if_range in (etag, last_modified)):
            parsed = _parse_range(range_header, size)
            if parsed is None:
                self.status_code = 416
                self.raw_headers = [(k, v) for k, v in self.raw_headers if k != "content-type"]
                self.raw_headers += [("content-range", f"bytes */{size}"), ("content-type", "text/plain")]
                self.body = b"Range Not Satisfiable"
                self.range = (0, 0)
                return
            if parsed != (0, size):
                start, end = parsed
                self.status_code = 206
                self.range = (start, end)
                self.raw_headers += [("content-range", f"bytes {start}-{end - 1}/{size}"),
                                     ("content-length", str(end - start))]  # fmt: skip
                return
        self.raw_headers.append(("content-length", str(size)))

    _needs_request = True

    def _prepare(self, request: Any) -> None:
        self.prepare(request.headers)

    def _not_modified(self) -> None:
        self.status_code = 304
        keep = {"etag", "last-modified", "cache-control", "content-location", "date", "expires", "vary"}
        self.raw_headers = [(k, v) for k, v in self.raw_headers if k in keep]
        self.range = (0, 0)

    async def _send_rsgi(self, proto: Any, head_only: bool = False) -> None:
        self.prepare({})
        if head_only or self.status_code == 304:
            proto.response_empty(self.status_code, self.raw_headers)
        elif self.status_code == 416:
            proto.response_bytes(416, self.raw_headers, self.body)
        elif self.range is not None:
            start, end = self.range
            proto.response_file_range(self.status_code, self.raw_headers, self.path, start, end)
        else:
            proto.response_file(self.status_code, self.raw_headers, self.path)

    async def _send_asgi(self, send: Any, head_only: bool = False) -> None:
        self.prepare({})
        headers = encode_headers(self.raw_headers)
        await send({"type": "http.response.start", "status": self.status_code, "headers": headers})
        if head_only or self.status_code == 304:
            await send({"type": "http.response.body", "body": b""})
            return
        if self.status_code == 416:
            await send({"type": "http.response.body", "body": self.body})
            return
        start, end = self.range or (0, self._stat().st_size)
        handle = await run_in_threadpool(open, self.path, "rb")
        try:
            await run_in_threadpool(handle.seek, start)
            remaining = end - start
            while remaining > 0:
                chunk = await run_in_threadpool(handle.read, min(self.chunk_size, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": remaining > 0})
            if remaining > 0:
                await send({"type": "http.response.body", "body": b""})
        finally:
            await run_in_threadpool(handle.close)


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """The first byte range of a ``Range`` header as (start, end-exclusive), or None if unsatisfiable."""
    unit, _, ranges = header.partition("=")
    if unit.strip().lower() != "bytes":
        return (0, size)
    first = ranges.split(",")[0].strip()
    start_text, _, end_text = first.partition("-")
    try:
        if start_text == "":
            length = int(end_text)
            if length <= 0:
                return None
            return (max(size - length, 0), size)
        start = int(start_text)
        end = int(end_text) + 1 if end_text else size
    except ValueError:
        return (0, size)
    if start >= size or start >= end:
        return None
    return (start, min(end, size))


def parsedate_to_datetime_safe(value: str) -> int | None:
    try:
        return int(parsedate_to_datetime(value).timestamp())
    except (TypeError, ValueError, IndexError):
        return None
