"""Running blocking code off the event loop, as FastAPI does for plain ``def``
handlers and dependencies.

FastAPI hands each call to a thread pool and gets the result back through
``loop.call_soon_threadsafe``: two thread wake-ups and a self-pipe write per
call, which costs ~60 us of CPU per call under load here (the /deps
benchmark's one sync dependency is most of FastAPI's time on it). This pool
keeps FastAPI's semantics (up to 40 threads, context variables travel with the
call, blocking code never blocks the loop) but batches the way back: workers
push finished calls onto a deque and only the first one since the loop last
drained it wakes the loop. Under load one wake-up delivers many results, and
idle workers are kept blocked on a C-level queue instead of re-created.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import functools
import sys
import threading
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from queue import SimpleQueue
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

THREAD_LIMIT = 40
"""The most worker threads that run at once (FastAPI's default capacity)."""

_WATCH_INTERVAL = 0.002  # seconds a queued call may wait before the pool grows

_Job = tuple[asyncio.AbstractEventLoop, "asyncio.Future[Any]", Callable[[], Any]]


class _Pool:
    """Worker threads fed by one queue, answering through one batched wake-up per loop."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.jobs: SimpleQueue[_Job | None] = SimpleQueue()
        self.lock = threading.Lock()
        self.threads = 0
        self.busy = 0  # threads running a call
        self.pending = 0  # calls queued, not yet taken by a thread
        # the loop whose timer watches for calls left waiting (None: no timer); a timer dies with
        # its loop (asyncio.run, a test client's loop), so a closed one no longer counts
        self.watching: asyncio.AbstractEventLoop | None = None
        # finished calls waiting for their loop, and whether a drain is already scheduled
        self.done: dict[asyncio.AbstractEventLoop, collections.deque[tuple[Any, Any, BaseException | None]]] = {}
        self.scheduled: set[asyncio.AbstractEventLoop] = set()

    def submit(self, loop: asyncio.AbstractEventLoop, call: Callable[[], Any]) -> asyncio.Future[Any]:
        future = loop.create_future()
        with self.lock:
            self.pending += 1
            if self.threads == 0 or (self.busy >= self.threads and self.threads < self.limit):
                self._spawn()
            elif (self.watching is None or self.watching.is_closed()) and self.threads < self.limit:
                # PERF: a burst of quick calls is served by the threads there are; only
                # calls still waiting while every thread is busy get new threads.
                self.watching = loop
                loop.call_later(_WATCH_INTERVAL, self._watch, loop)
        self.jobs.put((loop, future, call))
        return future

    def _spawn(self) -> None:
        self.threads += 1
        threading.Thread(target=self._work, name=f"genever-worker-{self.threads}", daemon=True).start()

    def _watch(self, loop: asyncio.AbstractEventLoop) -> None:
        with self.lock:
            if self.pending and self.busy >= self.threads:
                for _ in range(min(self.pending, self.limit - self.threads)):
                    self._spawn()
            if self.pending and self.threads < self.limit:
                loop.call_later(_WATCH_INTERVAL, self._watch, loop)
            else:
                self.watching = None

    def _work(self) -> None:
        jobs = self.jobs
        anyio_loop: asyncio.AbstractEventLoop | None = None  # the loop anyio.from_thread finds from here
        while True:
            job = jobs.get()
            if job is None:
                return
            loop, future, call = job
            if loop is not anyio_loop:  # PERF: once per thread and loop, not per call
                _tell_anyio(loop)
                anyio_loop = loop
            with self.lock:
                self.pending -= 1
                self.busy += 1
            try:
                item: tuple[Any, Any, BaseException | None] = (future, call(), None)
            except BaseException as exc:
                if isinstance(exc, StopIteration):  # a Future cannot carry StopIteration
                    exc = RuntimeError(f"{call!r} raised StopIteration")
                item = (future, None, exc)
            del job, call
            with self.lock:
                self.busy -= 1
                queue = self.done.get(loop)
                if queue is None:
                    queue = self.done[loop] = collections.deque()
                queue.append(item)
                if loop in self.scheduled:
                    continue
                self.scheduled.add(loop)
            try:
                loop.call_soon_threadsafe(self._drain, loop)
            except RuntimeError:  # the loop was closed meanwhile: nobody awaits these
                with self.lock:
                    self.scheduled.discard(loop)
                    self.done.pop(loop, None)

    def _drain(self, loop: asyncio.AbstractEventLoop) -> None:
        with self.lock:
            self.scheduled.discard(loop)
            queue = self.done.pop(loop, None)
        while queue:
            future, result, exc = queue.popleft()
            if future.cancelled():
                continue
            if exc is None:
                future.set_result(result)
            else:
                future.set_exception(exc)


def _tell_anyio(loop: asyncio.AbstractEventLoop) -> None:
    """Let ``anyio.from_thread.run`` in this worker thread reach ``loop``, as from anyio's own workers
    (FastAPI runs sync code in those), when anyio is loaded (Granian loads it at start).

    anyio finds the loop in a thread-local it sets in its workers; there is no public way to
    set it, so a version of anyio without it leaves ``from_thread`` asking for a token.
    """
    if "anyio" not in sys.modules:
        return
    try:
        from anyio._backends._asyncio import AsyncIOBackend
        from anyio._core._eventloop import threadlocals
        from anyio.lowlevel import EventLoopToken
    except ImportError:
        return
    threadlocals.current_token = EventLoopToken(AsyncIOBackend, loop)


_pool = _Pool(THREAD_LIMIT)


async def run_in_threadpool(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Call ``func(*args, **kwargs)`` in a worker thread and await its result."""
    context = contextvars.copy_context()
    call = functools.partial(context.run, func, *args, **kwargs)
    result: T = await _pool.submit(asyncio.get_running_loop(), call)
    return result


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


_anyio_tasks: Any = None  # anyio's asyncio backend's table of the tasks its cancel scopes hold, once loaded


def _anyio_scoped() -> Any:
    """anyio, when the running task is inside one of anyio's cancel scopes (a task group, a
    ``move_on_after``, a test's ``CancelScope``); None otherwise.

    Such a scope, once cancelled, cancels the task again at every ``await`` until the scope
    exits, which is what clean-up code is shielded from. A task that no anyio scope holds
    (a request task of Granian or uvicorn) is cancelled, if ever, once, by asyncio: no
    shield is needed, and none is paid for (entering a ``CancelScope`` costs ~40,000
    instructions). Which tasks anyio holds is its asyncio backend's private table (weakly
    keyed by task); were it gone, every task would be taken as held (correct, only slower).
    """
    global _anyio_tasks
    tasks = _anyio_tasks
    if tasks is None:
        backend = sys.modules.get("anyio._backends._asyncio")
        if backend is None:  # no anyio scope was ever made on asyncio
            return None
        table = getattr(backend, "_task_states", None)
        tasks = _anyio_tasks = getattr(table, "data", False)
    if tasks is False:
        return sys.modules.get("anyio")
    if not tasks:
        return None
    try:
        # PERF: the table holds few tasks (those that ever entered a scope, until they end) and
        # usually none in a scope now: then this one is not either, and asking which task runs
        # (~3,000 instructions with the lookup) is not needed
        for state in tasks.values():
            if state.cancel_scope is not None:
                break
        else:
            return None
    except RuntimeError:  # changed meanwhile by another thread's event loop
        pass
    # the weak-keyed table's own dict, read with C calls only (its get() is a Python method)
    state = tasks.get(weakref.ref(asyncio.current_task()))
    if state is None or state.cancel_scope is None:
        return None
    return sys.modules.get("anyio")


async def _run_to_completion(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``run_in_threadpool``, but an anyio cancellation waits for the call to finish (a ``__exit__``
    that releases a resource, a ``__enter__`` whose resource must then be released), as anyio's
    own workers wait; outside anyio's cancel scopes, the same as ``run_in_threadpool``."""
    anyio = _anyio_scoped()
    if anyio is None:
        return await run_in_threadpool(func, *args, **kwargs)
    with anyio.CancelScope(shield=True):
        result = await run_in_threadpool(func, *args, **kwargs)
    return result


@contextlib.asynccontextmanager
async def contextmanager_in_threadpool(cm: contextlib.AbstractContextManager[T]) -> AsyncIterator[T]:
    """Enter and exit a blocking context manager in worker threads (FastAPI's helper of that name);
    under an anyio cancellation both wait for their worker, so what was entered is exited."""
    value = await _run_to_completion(cm.__enter__)
    try:
        yield value
    except BaseException as exc:
        suppress = await _run_to_completion(cm.__exit__, type(exc), exc, exc.__traceback__)
        if not suppress:
            raise
    else:
        await _run_to_completion(cm.__exit__, None, None, None)


__all__ = ["THREAD_LIMIT", "contextmanager_in_threadpool", "iterate_in_threadpool", "run_in_threadpool"]
