"""``Depends(..., max_concurrency=N)``: how many calls of one declaration run at once.

FastAPI 0.165's semantics: the limit belongs to the ``Depends`` object (reuse
the object, e.g. in an ``Annotated`` alias, to share it across routes and apps;
a new ``Depends`` has its own limit even for the same function). Each event
loop has its own count (a semaphore's waiters are futures of one loop), and a
call waits for a slot on the loop, never in a worker thread. A dependency with
``yield`` holds its slot until the code after ``yield`` has run.

Only the routes that declare a limit touch this module per request: the plan
wraps those calls when the app starts (``_compile.plan``).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import weakref
from typing import Any, NamedTuple


class SemaphoreStatistics(NamedTuple):
    tasks_waiting: int


class Semaphore:
    """A first-come, first-served semaphore of one event loop.

    A slot freed while tasks wait is handed to the first waiter; a waiter
    cancelled after it was handed one passes it on, so cancelling never
    loses capacity. ``value``/``statistics()``/``acquire()``/``release()`` are
    spelled as anyio's ``Semaphore``, which FastAPI's declarations hand out.
    """

    __slots__ = ("__weakref__", "_value", "_waiters")

    def __init__(self, value: int) -> None:
        self._value = value
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    @property
    def value(self) -> int:
        """The slots free now."""
        return self._value

    def statistics(self) -> SemaphoreStatistics:
        return SemaphoreStatistics(len(self._waiters))

    async def acquire(self) -> None:
        if self._value > 0 and not self._waiters:
            self._value -= 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed a slot, but cancelled before taking it: pass it on
            else:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._value += 1

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, *exc_info: object) -> None:
        self.release()


class DependencyConcurrency:
    """The limit of one ``Depends`` declaration: one ``Semaphore`` per running event loop.

    The semaphores live as long as the declaration (and their loop): dropping
    the ``Depends`` drops them.
    """

    __slots__ = ("__weakref__", "_loop", "_semaphore", "_semaphores", "max_concurrency")

    def __init__(self, max_concurrency: int) -> None:
        self.max_concurrency = max_concurrency
        self._semaphores: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Semaphore] = (
            weakref.WeakKeyDictionary()
        )
        # the last loop asked for, and its semaphore, as weak references (an app is served by one loop)
        self._loop: Any = None
        self._semaphore: Any = None

    def get_semaphore(self) -> Semaphore:
        """This declaration's semaphore on the running event loop."""
        loop = asyncio.get_running_loop()
        if self._loop is not None and self._loop() is loop:
            semaphore: Semaphore | None = self._semaphore()
            if semaphore is not None:
                return semaphore
        semaphore = self._semaphores.get(loop)
        if semaphore is None:
            semaphore = self._semaphores[loop] = Semaphore(self.max_concurrency)
        self._loop, self._semaphore = weakref.ref(loop), weakref.ref(semaphore)
        return semaphore

    def __repr__(self) -> str:
        return f"DependencyConcurrency({self.max_concurrency})"


def check_max_concurrency(value: object) -> None:
    """FastAPI's rule: a positive ``int`` (not a ``bool``), or ``None`` for no limit."""
    if value is not None and (type(value) is not int or value < 1):
        raise ValueError("max_concurrency must be a positive integer or None")
