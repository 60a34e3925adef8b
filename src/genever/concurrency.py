"""Running blocking code off the event loop, as FastAPI does for plain ``def`` handlers.

A dedicated thread pool (40 threads, FastAPI's default capacity) runs sync
handlers and dependencies; the caller's context variables travel with the call.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

_executor: ThreadPoolExecutor | None = None
THREAD_LIMIT = 40


def _get_executor() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=THREAD_LIMIT, thread_name_prefix="genever-worker")
    return _executor


async def run_in_threadpool(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Call ``func(*args, **kwargs)`` in the worker pool and await its result."""
    loop = asyncio.get_running_loop()
    context = contextvars.copy_context()
    call = functools.partial(context.run, func, *args, **kwargs)
    return await loop.run_in_executor(_get_executor(), call)


class _StopIteration(Exception):
    pass


def _next(iterator: Iterator[T]) -> T:
    try:
        return next(iterator)
    except StopIteration:
        raise _StopIteration from None


async def iterate_in_threadpool(iterator: Iterator[T]) -> AsyncIterator[T]:
    """Drive a blocking iterator from async code, one ``next()`` per worker-thread hop."""
    while True:
        try:
            yield await run_in_threadpool(_next, iterator)
        except _StopIteration:
            break


def _run_sync_cm(cm: Any) -> Any:
    return cm.__enter__()


__all__ = ["iterate_in_threadpool", "run_in_threadpool"]
