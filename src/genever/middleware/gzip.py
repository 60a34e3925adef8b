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
        accept = request._header("accept-encoding")
        response = await call_next(request)
        if not accept or "gzip" not in accept.lower():
            return response
        headers = dict(response.raw_headers)
        if "content-encoding" in headers or headers.get("content-type", "").startswith(_SKIP_TYPES):
            return response
        iterator = getattr(response, "body_iterator", None)
        if iterator is not None:
            response.body_iterator = self._compress_stream(iterator)  # type: ignore[attr-defined]
            response.raw_headers = _headers(response.raw_headers, drop_length=True)
            return response
        body = response.body
        if len(body) < self.minimum_size:
            return response
        response.body = gzip.compress(body, compresslevel=self.compresslevel, mtime=0)
        response.raw_headers = _headers(response.raw_headers, drop_length=True)
        return response

    async def _compress_stream(self, iterator: AsyncIterator[Any]) -> AsyncIterator[bytes]:
        compressor = zlib.compressobj(self.compresslevel, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        async for chunk in iterator:
            data = chunk.encode() if isinstance(chunk, str) else bytes(chunk)
            out = compressor.compress(data)
            if out:
                yield out
        yield compressor.flush()


def _headers(raw: list[tuple[str, str]], *, drop_length: bool) -> list[tuple[str, str]]:
    kept = [(k, v) for k, v in raw if k != "vary" and not (drop_length and k == "content-length")]
    vary = [v for k, v in raw if k == "vary"]
    kept.append(("content-encoding", "gzip"))
    kept.append(("vary", ", ".join([*vary, "Accept-Encoding"])))
    return kept


def decompress(data: bytes) -> bytes:
    """Helper for tests and clients: gunzip ``data``."""
    return gzip.GzipFile(fileobj=io.BytesIO(data)).read()
