"""Lifespan helpers: any (sync or async) context manager as an async one, and the nesting of a
router's lifespan inside the app's (``include_router`` of an ``APIRouter(lifespan=...)``)."""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from .exceptions import ConfigurationError

Lifespan = Callable[[Any], Any]


def as_async_cm(cm: Any) -> contextlib.AbstractAsyncContextManager[Any]:
    # a lifespan written as a bare (async) generator function, without @asynccontextmanager:
    # FastAPI takes it as if decorated
    if inspect.isasyncgen(cm):
        cm = contextlib.asynccontextmanager(lambda: cm)()
    elif inspect.isgenerator(cm):
        cm = contextlib.contextmanager(lambda: cm)()
    if hasattr(cm, "__aenter__"):
        return cm  # type: ignore[no-any-return]
    if hasattr(cm, "__enter__"):

        @contextlib.asynccontextmanager
        async def wrapper() -> AsyncIterator[Any]:
            with cm as value:
                yield value

        return wrapper()
    raise ConfigurationError("lifespan must return an (async) context manager")


@contextlib.asynccontextmanager
async def default_lifespan(app: Any) -> AsyncIterator[None]:
    """The lifespan of an app or router declared without one (FastAPI's routers always have one, and
    packages such as fastapi-pagination wrap it)."""
    yield None


def merge_lifespans(outer: Lifespan | None, inner: Lifespan) -> Lifespan:
    """``outer`` entered first and left last, ``inner`` inside it; their states are merged."""
    if outer is None or outer is default_lifespan:
        return inner
    if inner is default_lifespan:
        return outer

    @contextlib.asynccontextmanager
    async def merged(app: Any) -> AsyncIterator[Mapping[str, Any] | None]:
        async with as_async_cm(outer(app)) as outer_state, as_async_cm(inner(app)) as inner_state:
            if outer_state is None and inner_state is None:
                yield None
            else:
                yield {**(outer_state or {}), **(inner_state or {})}

    return merged
