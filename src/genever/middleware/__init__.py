"""Middleware: genever's native form, and any ASGI middleware.

Native middleware is an async callable ``(request, call_next) -> Response``
(a function registered with ``@app.middleware("http")``, or an instance of a
``BaseMiddleware`` subclass such as ``CORSMiddleware``). The chains are
composed once, when the app is frozen — the app's around the router, a route
group's and a route's around that route's plan — so a request pays one call
per middleware, with no ASGI message plumbing in between (Gin's ``c.Next()``).

Any other class given to ``app.add_middleware`` is treated as ASGI middleware
(``cls(app, **options)``), Starlette's included.

Order: the app's middleware run first (the last one added with
``add_middleware`` is the outermost, as in FastAPI; in ``middleware=[...]``
lists the first is the outermost), then the route's groups from the outermost
router inwards, then the route's own ``middleware=[...]``, then the handler.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..requests import Request
    from ..responses import Response

CallNext = Callable[["Request"], Awaitable["Response"]]
NativeMiddleware = Callable[["Request", CallNext], Awaitable["Response"]]


class BaseMiddleware:
    """Base of native middleware classes: override ``__call__(request, call_next)``."""

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        return await call_next(request)


class Middleware:
    """A middleware class and its options, for ``Genever(middleware=[...])`` and route groups."""

    def __init__(self, cls: Any, *args: Any, **kwargs: Any) -> None:
        self.cls = cls
        self.args = args
        self.kwargs = kwargs

    @property
    def is_native(self) -> bool:
        return is_native(self.cls)

    def build_native(self) -> NativeMiddleware:
        if isinstance(self.cls, type):
            instance: NativeMiddleware = self.cls(*self.args, **self.kwargs)
            return instance
        return self.cls  # type: ignore[no-any-return]

    def __iter__(self) -> Any:  # Starlette's Middleware unpacks as (cls, args, kwargs)
        return iter((self.cls, self.args, self.kwargs))

    def __repr__(self) -> str:
        name = getattr(self.cls, "__name__", repr(self.cls))
        return f"Middleware({name})"


def is_native(obj: Any) -> bool:
    """A native middleware class or instance, or a plain async function (request, call_next)."""
    if isinstance(obj, type):
        return issubclass(obj, BaseMiddleware)
    return callable(obj)


def as_middleware(item: Any) -> Middleware:
    return item if isinstance(item, Middleware) else Middleware(item)


def chain(middleware: Sequence[NativeMiddleware], endpoint: CallNext) -> CallNext:
    """Compose ``middleware`` (outermost first) around ``endpoint`` into one callable."""
    handler = endpoint
    for mw in reversed(middleware):
        handler = _link(mw, handler)
    return handler


def _link(mw: NativeMiddleware, call_next: CallNext) -> CallNext:
    async def call(request: Request) -> Response:
        return await mw(request, call_next)

    return call


__all__ = ["BaseMiddleware", "CallNext", "Middleware", "chain", "is_native"]
