"""The one place observability enters the request path, decided when the app is frozen.

Metrics, tracing and the request context for logs are *instruments*
registered on the app (``genever.metrics.instrument(app)``,
``genever.tracing.instrument(app)``, ``genever.logging.instrument(app)``).
An app with none pays nothing: ``freeze`` sees an empty list and builds the
pipeline it always built. With some, ``freeze`` makes two decisions once:

- every route's runner is wrapped so that the request learns its route
  template (``request._route``; labels and span names are templates, never
  raw paths);
- the app's pipeline is wrapped by each instrument, outermost first, as one
  plain ``await`` each (no middleware ``call_next`` plumbing).

A request that matches no route (404, 405 answered before routing, a mount)
has no ``_route``: instruments label it ``UNMATCHED``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from .exceptions import FrozenAppError

if TYPE_CHECKING:
    from .requests import Request
    from .responses import Response

Runner = Callable[["Request"], Awaitable["Response"]]

UNMATCHED = "<unmatched>"
"""The route label of requests that matched no route template."""


class Instrument:
    """A signal the app runs around every request; subclasses override what they need.

    ``order``: lower values wrap further out (the request context first, so that
    everything inside logs with the request id; metrics innermost).
    """

    order = 50

    def wrap_app(self, app: Any, inner: Runner) -> Runner:
        """Return the runner that serves a request around ``inner`` (the app's pipeline)."""
        return inner

    def wrap_route(self, template: str, inner: Runner) -> Runner | None:
        """A route's runner that also sets ``request._route = template``; None to leave it to the default."""
        return None


def route_template(request: Request) -> str:
    """The template of the route that served ``request`` (``UNMATCHED`` when none did)."""
    try:
        return request._route
    except AttributeError:
        return UNMATCHED


def _tag(template: str, inner: Runner) -> Runner:
    async def run(request: Request) -> Response:
        request._route = template
        return await inner(request)

    return run


def add(app: Any, instrument: Instrument) -> None:
    """Register ``instrument`` on ``app`` (before it starts serving)."""
    if app._frozen:
        raise FrozenAppError(f"{type(instrument).__name__} must be added before the app starts serving")
    app._instruments.append(instrument)
    app._instruments.sort(key=lambda item: item.order)
    app._invalidate()


def has(app: Any, kind: type) -> bool:
    """Whether an instrument of ``kind`` is registered on ``app``."""
    return any(isinstance(instrument, kind) for instrument in app._instruments)


def wrap_route(instruments: Sequence[Instrument], template: str, runner: Runner) -> Runner:
    """The route's runner as served with ``instruments`` on (called by ``freeze`` once per route)."""
    for instrument in instruments:
        wrapped = instrument.wrap_route(template, runner)
        if wrapped is not None:
            return wrapped
    return _tag(template, runner)


def wrap_app(instruments: Sequence[Instrument], app: Any, pipeline: Runner) -> Runner:
    """The app's pipeline inside every instrument, the first (lowest ``order``) outermost."""
    for instrument in reversed(instruments):
        pipeline = instrument.wrap_app(app, pipeline)
    return pipeline
