"""GZip compression of responses for clients that accept it.

Bodies shorter than ``minimum_size`` go out as they are; streaming responses
(those with a ``body_iterator``) are compressed chunk by chunk as they stream.
Server-sent events are never compressed (buffering would delay the events).
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import AsyncIterator
from typing import Any

from ..requests import Request
from ..responses import Response
from . import BaseMiddleware, CallNext

_SKIP_TYPES = ("text/event-stream",)


class GZipMiddleware(BaseMiddleware):
    def __init__(self, minimum_size: int = 500, compresslevel: int = 9) -> None:
        self.minimum_size = minimum_size
        self.compresslevel = compresslevel

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        accepts = "gzip" in (request.header("accept-encoding") or "")
        response = await call_next(request)
        headers = dict(response.raw_headers)
        media_type = headers.get("content-type", "").partition(";")[0].strip().lower()
        if "content-encoding" in headers or response.status_code == 206 or media_type in _SKIP_TYPES:
            return response
        iterator = getattr(response, "body_iterator", None)
        if iterator is None and len(response.body) < self.minimum_size:
            return response
        # the answer depends on Accept-Encoding from here on, compressed or not
        if not accepts:
            response.raw_headers = _vary(response.raw_headers)
            return response
        if iterator is not None:
            response.body_iterator = self._compress_stream(iterator)  # type: ignore[attr-defined]
        else:
            response.body = gzip.compress(response.body, compresslevel=self.compresslevel, mtime=0)
        raw = [(k, v) for k, v in response.raw_headers if k != "content-length"]
        response.raw_headers = _vary([*raw, ("content-encoding", "gzip")])
        return response

    async def _compress_stream(self, iterator: AsyncIterator[Any]) -> AsyncIterator[bytes]:
        compressor = zlib.compressobj(self.compresslevel, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        async for chunk in iterator:
            data = chunk.encode() if isinstance(chunk, str) else bytes(chunk)
            out = compressor.compress(data)
            if out:
                yield out
        yield compressor.flush()


def _vary(raw: list[tuple[str, str]]) -> list[tuple[str, str]]:
    vary = [v for k, v in raw if k == "vary"]
    if any("accept-encoding" in v.lower() for v in vary):
        return raw
    return [(k, v) for k, v in raw if k != "vary"] + [("vary", ", ".join([*vary, "Accept-Encoding"]))]


def decompress(data: bytes) -> bytes:
    """Helper for tests and clients: gunzip ``data``."""
    return gzip.GzipFile(fileobj=io.BytesIO(data)).read()
