"""A dependency declared with ``Depends(..., max_concurrency=N)``, wrapped when the plan is built.

The wrapper takes a slot of the declaration's semaphore on the event loop
before the call (so waiting never holds a worker thread) and gives it back
when the call returns, or, for a dependency with ``yield``, when the code
after ``yield`` has run. Only limited dependencies are wrapped: the plan
runner itself never looks at limits.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from .._dependency_limit import DependencyConcurrency
from ..concurrency import contextmanager_in_threadpool, run_in_threadpool
from .nodes import ASYNC, ASYNC_GEN, SYNC, SYNC_GEN


def limited(call: Any, kind: int, concurrency: DependencyConcurrency) -> tuple[Callable[..., Any], int]:
    """``call`` (of ``kind``) run under ``concurrency``'s limit: the new callable and its kind."""
    semaphore_of = concurrency.get_semaphore
    if kind == ASYNC:

        async def run_async(**kwargs: Any) -> Any:
            async with semaphore_of():
                return await call(**kwargs)

        return run_async, ASYNC
    if kind == SYNC:

        async def run_sync(**kwargs: Any) -> Any:
            async with semaphore_of():
                return await run_in_threadpool(call, **kwargs)

        return run_sync, ASYNC
    if kind == ASYNC_GEN:
        manager = contextlib.asynccontextmanager(call)

        async def run_async_gen(**kwargs: Any) -> AsyncIterator[Any]:
            async with semaphore_of(), manager(**kwargs) as value:
                yield value

        return run_async_gen, ASYNC_GEN
    if kind == SYNC_GEN:
        sync_manager = contextlib.contextmanager(call)

        async def run_sync_gen(**kwargs: Any) -> AsyncIterator[Any]:
            async with semaphore_of(), contextmanager_in_threadpool(sync_manager(**kwargs)) as value:
                yield value

        return run_sync_gen, ASYNC_GEN
    return call, kind
