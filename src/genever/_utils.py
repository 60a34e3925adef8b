"""Rules that several layers share, each written once (standard library only).

- how a callable runs (coroutine, generator, async generator), looking through
  ``functools.partial``, decorators' ``__wrapped__`` and an instance's ``__call__``;
- which status codes may carry a body;
- header pairs to and from the latin-1 bytes of the wire;
- ``X | None`` seen through to ``X``.
"""

from __future__ import annotations

import functools
import inspect
import types
from collections.abc import Iterable
from typing import Any, Union, get_args, get_origin


def _runs_as(call: Any) -> list[Any]:
    """What may tell how ``call`` runs: itself, without ``functools.partial`` layers, under its
    decorators (``__wrapped__``), and an instance's ``__call__`` (the same, recursively)."""
    out: list[Any] = []
    todo = [call]
    while todo and len(out) < 16:
        current = todo.pop(0)
        if current is None or any(current is seen for seen in out):
            continue
        out.append(current)
        if isinstance(current, functools.partial):
            todo.append(current.func)
            continue
        wrapped = getattr(current, "__wrapped__", None)
        if wrapped is not None and not inspect.isclass(current):
            todo.append(wrapped)
        if not (inspect.isclass(current) or inspect.isroutine(current)):
            todo.append(getattr(current, "__call__", None))  # noqa: B004
    return out


def is_coroutine_callable(call: Any) -> bool:
    """Calling ``call`` returns an awaitable: an ``async def`` function, a partial or decorated one,
    or an object with ``async def __call__`` (a class is not: calling it builds an instance)."""
    if inspect.isclass(call):
        return False
    return any(inspect.iscoroutinefunction(c) for c in _runs_as(call))


def is_gen_callable(call: Any) -> bool:
    return not inspect.isclass(call) and any(inspect.isgeneratorfunction(c) for c in _runs_as(call))


def is_async_gen_callable(call: Any) -> bool:
    return not inspect.isclass(call) and any(inspect.isasyncgenfunction(c) for c in _runs_as(call))


# The statuses whose responses carry no body: 1xx (and anything below), 204, 205, 304.
# PERF: a set, so that a hot path can test ``status not in NO_BODY`` without a call.
NO_BODY = frozenset(range(200)) | {204, 205, 304}


def body_allowed(status_code: int | None) -> bool:
    """May a response with ``status_code`` carry a body? Not 1xx, 204, 205 or 304 (None: not decided yet)."""
    return status_code not in NO_BODY


def encode_headers(pairs: Iterable[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    """``(name, value)`` strings as the latin-1 bytes ASGI wants."""
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in pairs]


def decode_headers(pairs: Iterable[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    """ASGI's latin-1 header bytes as ``(name, value)`` strings (names as sent)."""
    return [(bytes(k).decode("latin-1"), bytes(v).decode("latin-1")) for k, v in pairs]


def is_union(tp: Any) -> bool:
    """``Union[X, Y]`` or ``X | Y``."""
    return get_origin(tp) in (Union, types.UnionType)


def strip_optional(tp: Any) -> Any:
    """``X | None`` (or ``Optional[X]``) -> ``X``; anything else as it is."""
    if is_union(tp):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp
