"""Server-sent events: ``EventSourceResponse`` and ``ServerSentEvent``.

Return ``EventSourceResponse(generator())`` from a handler; the generator
yields ``ServerSentEvent`` objects, dicts with the same keys, or plain
strings (sent as ``data``). Multi-line data is split into several ``data:``
lines as the SSE format requires; a comment ping is sent every ``ping``
seconds while the generator is quiet, so proxies keep the stream open; when
the client disconnects the generator is closed (its ``finally`` runs).
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


class ServerSentEvent:
    """One event: ``data`` (str, or JSON-encodable), and optional ``event``, ``id``, ``retry``, ``comment``."""

    __slots__ = ("comment", "data", "event", "id", "retry")

    def __init__(
        self,
        data: Any = None,
        *,
        event: str | None = None,
        id: str | None = None,
        retry: int | None = None,
        comment: str | None = None,
    ) -> None:
        self.data = data
        self.event = event
        self.id = id
        self.retry = retry
        self.comment = comment

    def encode(self) -> bytes:
        lines: list[str] = []
        if self.comment is not None:
            lines.extend(f": {line}" for line in self.comment.splitlines() or [""])
        if self.id is not None:
            if "\n" in self.id or "\r" in self.id or "\0" in self.id:
                raise ValueError("an SSE id cannot contain newlines or NUL")
            lines.append(f"id: {self.id}")
        if self.event is not None:
            if "\n" in self.event or "\r" in self.event:
                raise ValueError("an SSE event name cannot contain newlines")
            lines.append(f"event: {self.event}")
        if self.retry is not None:
            lines.append(f"retry: {int(self.retry)}")
        if self.data is not None:
            data = self.data if isinstance(self.data, str) else encode_json(self.data).decode()
            lines.extend(f"data: {line}" for line in data.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
        return ("\n".join(lines) + "\n\n").encode()


def _as_event(item: Any) -> ServerSentEvent:
    if isinstance(item, ServerSentEvent):
        return item
    if isinstance(item, Mapping):
        return ServerSentEvent(**item)
    return ServerSentEvent(item)


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
        base = {"cache-control": "no-cache", "connection": "keep-alive", "x-accel-buffering": "no"}
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
                        yield b": ping\n\n"
                    item = step.result()
                except StopAsyncIteration:
                    return
                finally:
                    if not step.done():
                        step.cancel()
                        with contextlib.suppress(BaseException):
                            await step
                yield _as_event(item).encode()
        finally:
            aclose = getattr(source, "aclose", None)
            if aclose is not None:
                with contextlib.suppress(RuntimeError):
                    await aclose()
