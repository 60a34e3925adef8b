"""Prometheus metrics for a genever app, opt-in with one line::

    from genever import metrics

    metrics.instrument(app)          # and GET /metrics answers a scrape

Per route template and method: ``http_requests_total`` by status class
(``2xx``...), the ``http_request_duration_seconds`` histogram,
``http_requests_in_progress``, ``http_request_size_bytes`` (Content-Length)
and ``http_response_size_bytes`` (bodies held in memory); and the process
metrics of every worker (CPU, memory, open file descriptors, GC). Labels are
route templates (``/items/{item_id}``), never raw paths; requests no route
matched share the ``route="<unmatched>"`` label.

``/metrics`` answers in Prometheus' text format, or in OpenMetrics when the
scraper asks for it (``Accept: application/openmetrics-text``).

Several workers: ``genever run --workers N`` gives them a shared directory
(``GENEVER_METRICS_DIR``) where each keeps its values in a memory-mapped
file, and a scrape served by any worker adds them all up. Under another
server with several worker processes, set ``GENEVER_METRICS_DIR`` to an
empty directory yourself. (See ``_store`` for why files.)

The cost: the layout of every value is decided when the app is frozen, so a
request adds to a few doubles at precomputed offsets; there is no dependency
on ``prometheus_client``.
"""

from __future__ import annotations

import atexit
import gc
import os
import weakref
from bisect import bisect_left
from collections.abc import Sequence
from time import perf_counter
from typing import Any

from .._observe import UNMATCHED, Instrument, Runner
from .._observe import add as add_instrument
from ..requests import Request
from ..responses import Response
from ..routing import APIRoute
from . import _exposition, _process
from ._store import ENV_DIR, GLOBAL_SIZE, LIVE, Layout, Store

DEFAULT_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
METHODS = ("CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY", "TRACE")
OTHER_METHOD = "OTHER"


class Metrics(Instrument):
    """The metrics of one app; made by ``instrument(app)``."""

    order = 90  # innermost of the instruments: it times what the app does, not the others

    def __init__(self, buckets: Sequence[float], directory: str | None) -> None:
        if not buckets or list(buckets) != sorted(set(buckets)):
            raise ValueError("buckets must be a non-empty, strictly increasing sequence of seconds")
        self.buckets = tuple(float(b) for b in buckets)
        self._directory = directory
        self.offsets = Layout((), self.buckets)  # where things are inside a series (same for every layout)
        self.layout: Layout | None = None
        self.store: Store | None = None
        # the request path writes here; replaced when the app is re-frozen or the process forks
        self.values: memoryview[float] = memoryview(bytearray(8 * GLOBAL_SIZE)).cast("d")
        self._routes: dict[str, dict[str, int]] = {}  # template -> method -> series offset
        self._unmatched: dict[str, int] = {}
        self._unmatched_other = 0

    @property
    def directory(self) -> str | None:
        """Where the workers' files are (None: this process only). Read from ``$GENEVER_METRICS_DIR``
        when the store is made, so that a server setting it before it forks its workers is obeyed."""
        if self.store is not None:
            return self.store.directory
        return self._directory or os.environ.get(ENV_DIR) or None

    # -- decided when the app is frozen ----------------------------------------------------
    def wrap_route(self, template: str, inner: Runner) -> Runner:
        bases = self._routes.setdefault(template, {})  # filled by wrap_app, once the layout is known
        in_flight = self.offsets.in_flight
        metrics = self

        async def run(request: Request) -> Response:
            request._route = template
            metrics.values[bases[request.method] + in_flight] += 1
            return await inner(request)

        return run

    def wrap_app(self, app: Any, inner: Runner) -> Runner:
        self._build_layout(app)
        routes = self._routes
        unmatched = self._unmatched
        other = self._unmatched_other
        buckets = self.buckets
        offsets = self.offsets
        in_flight = offsets.in_flight
        bucket0 = offsets.bucket0
        duration_sum = offsets.duration_sum
        request_size_sum = offsets.request_size_sum
        response_size_sum = offsets.response_size_sum
        response_size_unknown = offsets.response_size_unknown
        first_bucket = buckets[0]
        metrics = self

        # PERF: one closure with everything it reads bound as locals; it runs on every request
        async def observe(request: Request) -> Response:
            start = perf_counter()
            response: Response | None = None
            try:
                response = await inner(request)
                return response
            finally:
                elapsed = perf_counter() - start
                values = metrics.values
                method = request.method
                try:
                    base = routes[request._route][method]
                except AttributeError:  # no route matched (404, 405, a mount)
                    base = unmatched.get(method, other)
                else:
                    values[base + in_flight] -= 1
                if response is None:  # an exception left the app: the server answers 500
                    values[base + 4] += 1
                    values[base + response_size_unknown] += 1
                else:
                    cls = response.status_code // 100 - 1
                    values[base + (cls if 0 <= cls < 5 else 4)] += 1
                    # only bodies held in memory are measured: a stream's size is not known here
                    if response._sends_at_once:
                        values[base + response_size_sum] += len(response.body)
                    else:
                        values[base + response_size_unknown] += 1
                # PERF: most requests fall in the first bucket; bisect only for the others
                values[base + bucket0 + (0 if elapsed <= first_bucket else bisect_left(buckets, elapsed))] += 1
                values[base + duration_sum] += elapsed
                length = request.header("content-length")
                if length is not None and length.isdigit():
                    values[base + request_size_sum] += int(length)

        return observe

    def _build_layout(self, app: Any) -> None:
        series: list[tuple[str, str]] = []
        for route in app.routes:
            if isinstance(route, APIRoute) and route.path in self._routes:
                methods = set(route.methods) | ({"HEAD"} if "GET" in route.methods else set())
                series.extend((route.path, method) for method in sorted(methods))
        series = list(dict.fromkeys(series))
        series.extend((UNMATCHED, method) for method in (*METHODS, OTHER_METHOD))
        previous = self.store
        if previous is None or previous.layout.series != series:
            layout = Layout(series, self.buckets)
            directory = previous.directory if previous is not None else self.directory
            self.store = Store(layout, directory, previous)
            self.layout, self.values = layout, self.store.values
        assert self.layout is not None
        for bases in self._routes.values():
            bases.clear()
        for (template, method), base in self.layout.base.items():
            if template == UNMATCHED:
                self._unmatched[method] = base
            elif template in self._routes:
                self._routes[template][method] = base
        self._unmatched_other = self._unmatched[OTHER_METHOD]

    def _after_fork(self) -> None:
        """A forked worker starts its own store (its own file); the parent's values stay the parent's."""
        if self.store is not None:
            self.store = Store(self.store.layout, self._directory or os.environ.get(ENV_DIR) or None)
            self.values = self.store.values

    def _set_live(self, live: bool) -> None:
        """Startup and shutdown: a process that has shut down no longer counts in the gauges."""
        self.values[LIVE] = 1.0 if live else 0.0

    # -- a scrape ------------------------------------------------------------------------------
    def render(self, accept: str | None = None) -> Response:
        """The scrape as a response, in the format ``accept`` asks for (OpenMetrics or Prometheus text)."""
        openmetrics = _exposition.wants_openmetrics(accept)
        media_type = _exposition.OPENMETRICS_TYPE if openmetrics else _exposition.PROMETHEUS_TYPE
        return Response(_exposition.render(self, openmetrics), media_type=media_type)


def instrument(
    app: Any,
    *,
    path: str | None = "/metrics",
    buckets: Sequence[float] = DEFAULT_BUCKETS,
    directory: str | None = None,
) -> Metrics:
    """Turn metrics on for ``app`` and serve them at ``path`` (None: no route; call ``render()`` yourself).

    ``buckets``: the latency histogram's upper bounds, in seconds. ``directory``
    (default: ``$GENEVER_METRICS_DIR``) makes every worker keep its values in a
    file there and a scrape add them all up; without it a scrape shows the
    process that answers it.
    """
    metrics = Metrics(buckets, directory)
    add_instrument(app, metrics)
    _watch_process(metrics)
    app.on_startup.append(lambda: metrics._set_live(True))
    app.on_shutdown.append(lambda: metrics._set_live(False))
    if path is not None:

        async def scrape(request: Request) -> Response:
            return metrics.render(request.header("accept"))

        app.add_api_route(path, scrape, methods=["GET"], include_in_schema=False, name="metrics")
    return metrics


def _watch_process(metrics: Metrics) -> None:
    """GC counts, a new store in a forked child, "gone" at exit; held weakly (tests make many apps)."""
    ref = weakref.ref(metrics)
    on_gc = _process.gc_callback(ref)
    gc.callbacks.append(on_gc)

    def after_fork() -> None:
        alive = ref()
        if alive is not None:
            alive._after_fork()

    def at_exit() -> None:
        alive = ref()
        if alive is not None:
            alive._set_live(False)

    os.register_at_fork(after_in_child=after_fork)
    atexit.register(at_exit)


__all__ = ["DEFAULT_BUCKETS", "ENV_DIR", "Metrics", "instrument"]
