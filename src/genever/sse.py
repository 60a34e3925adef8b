"""Server-sent events: ``EventSourceResponse`` and ``ServerSentEvent``, as in ``fastapi.sse``.

Two ways to stream events, both FastAPI's:

- a generator endpoint with ``response_class=EventSourceResponse``: each
  yielded ``ServerSentEvent`` is sent as it is, any other value is validated
  against the item type of the return annotation (``AsyncIterable[Item]``),
  JSON-encoded and sent as the event's ``data``;
- ``return EventSourceResponse(iterator)``: ``str``/``bytes`` items are sent
  as they are (it is a ``StreamingResponse``), ``ServerSentEvent`` items are
  encoded, and any other value is sent as JSON ``data``.

``data`` is always JSON (a string is quoted, as in FastAPI); ``raw_data`` is
sent as written. Multi-line values become several lines, as the format
requires. A comment ping is sent every ``ping`` seconds while the source is
quiet, so proxies keep the stream open; when the client disconnects the
source is closed (its ``finally`` runs).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

from .encoders import encode_json
from .responses import StreamingResponse

if TYPE_CHECKING:
    from .background import BackgroundTask

KEEPALIVE_COMMENT = b": ping\n\n"


def _single_line(value: str | None, field: str) -> str | None:
    if value is not None and ("\n" in value or "\r" in value):
        raise ValueError(f"SSE {field!r} must be a single line")
    return value


def _lines(value: str) -> list[str]:
    return value.replace("\r\n", "\n").replace("\r", "\n").split("\n")


class ServerSentEvent:
    """One event: ``data`` (sent as JSON) or ``raw_data`` (as is); ``event``, ``id``, ``retry``, ``comment``.

    Checked when built, as FastAPI's model is: ``event`` and ``id`` on one
    line, no NUL in ``id``, ``retry`` >= 0, not both ``data`` and ``raw_data``.
    """

    __slots__ = ("comment", "data", "event", "id", "raw_data", "retry")

    def __init__(
        self,
        data: Any = None,
        *,
        raw_data: str | None = None,
        event: str | None = None,
        id: str | None = None,
        retry: int | None = None,
        comment: str | None = None,
    ) -> None:
        if data is not None and raw_data is not None:
            raise ValueError("a ServerSentEvent takes 'data' (sent as JSON) or 'raw_data' (sent as is), not both")
        if id is not None and "\0" in id:
            raise ValueError("SSE 'id' must not contain NUL characters")
        if retry is not None and (not isinstance(retry, int) or retry < 0):
            raise ValueError("SSE 'retry' must be an integer >= 0 (milliseconds)")
        self.data = data
        self.raw_data = raw_data
        self.event = _single_line(event, "event")
        self.id = _single_line(id, "id")
        self.retry = retry
        self.comment = comment

    def encode(self) -> bytes:
        data = self.raw_data if self.data is None else encode_json(self.data).decode()
        return format_event(data, event=self.event, id=self.id, retry=self.retry, comment=self.comment)


def format_event(
    data: str | None,
    *,
    event: str | None = None,
    id: str | None = None,
    retry: int | None = None,
    comment: str | None = None,
) -> bytes:
    """The wire form of one event (fields in FastAPI's order), ending with the blank line."""
    lines: list[str] = []
    if comment is not None:
        lines.extend(f": {line}" for line in _lines(comment))
    if event is not None:
        lines.append(f"event: {event}")
    if data is not None:
        lines.extend(f"data: {line}" for line in _lines(data))
    if id is not None:
        lines.append(f"id: {id}")
    if retry is not None:
        lines.append(f"retry: {retry}")
    return ("\n".join(lines) + "\n\n").encode()


def _as_chunk(item: Any) -> bytes:
    if isinstance(item, bytes | bytearray | memoryview):
        return bytes(item)
    if isinstance(item, str):
        return item.encode()
    if isinstance(item, ServerSentEvent):
        return item.encode()
    return format_event(encode_json(item).decode())


class EventSourceResponse(StreamingResponse):
    """A ``text/event-stream`` response fed by an (async or sync) iterator of events."""

    media_type = "text/event-stream"

    def __init__(
        self,
        content: Any,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        background: BackgroundTask | None = None,
        ping: float | None = 15.0,
    ) -> None:
        base = {"cache-control": "no-cache", "x-accel-buffering": "no"}
        super().__init__(content, status_code, {**base, **(headers or {})}, None, background)
        self.source = self.body_iterator
        self.ping = ping
        self.body_iterator = self._events()

    async def _events(self) -> AsyncIterator[bytes]:
        source = self.source.__aiter__()
        try:
            while True:
                step = asyncio.ensure_future(source.__anext__())
                try:
                    while True:
                        done, _ = await asyncio.wait({step}, timeout=self.ping)
                        if done:
                            break
                        yield KEEPALIVE_COMMENT
                    item = step.result()
                except StopAsyncIteration:
                    return
                finally:
                    if not step.done():
                        step.cancel()
                        with contextlib.suppress(BaseException):
                            await step
                yield _as_chunk(item)
        finally:
            aclose = getattr(source, "aclose", None)
            if aclose is not None:
                with contextlib.suppress(RuntimeError):
                    await aclose()
