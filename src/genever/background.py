"""Background tasks: work that runs after the response has been sent."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ._utils import is_coroutine_callable
from .concurrency import run_in_threadpool

logger = logging.getLogger("genever.background")


class BackgroundTask:
    """One call to make after the response is sent."""

    def __init__(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.func = func
        self.args = args
        self.kwargs = kwargs
        self.is_async = is_coroutine_callable(func)

    async def __call__(self) -> None:
        if self.is_async:
            await self.func(*self.args, **self.kwargs)
        else:
            await run_in_threadpool(self.func, *self.args, **self.kwargs)


class BackgroundTasks(BackgroundTask):
    """Several background tasks run in order; declare a parameter of this type to get one.

    An exception in one task is logged and does not stop the ones after it.
    """

    def __init__(self, tasks: list[BackgroundTask] | None = None) -> None:
        self.tasks = list(tasks or [])

    def add_task(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.tasks.append(BackgroundTask(func, *args, **kwargs))

    async def __call__(self) -> None:
        for task in self.tasks:
            try:
                await task()
            except Exception:
                logger.exception("background task %r failed", getattr(task.func, "__name__", task.func))
