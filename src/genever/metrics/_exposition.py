"""A scrape: every worker's values added up, written in Prometheus' text format or OpenMetrics.

Runs only when ``/metrics`` is requested, so it is written for clarity: it
reads the stores, sums them series by series, and formats the families.
Counters of workers that have exited still count (a counter never goes
back); their in-flight gauges do not.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from . import _process
from ._store import GC, LIVE, START_TIME, STATUS_CLASSES, Layout, alive, read_dir

if TYPE_CHECKING:
    from . import Metrics

PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8"
OPENMETRICS_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8"

_GC_SAMPLES = (
    "python_gc_collections_total",
    "python_gc_objects_collected_total",
    "python_gc_objects_uncollectable_total",
)
_Series = tuple[str, str]
_Sample = tuple[str, dict[str, str], float]


def wants_openmetrics(accept: str | None) -> bool:
    """Content negotiation as Prometheus does it: OpenMetrics when the scraper lists it."""
    return accept is not None and "application/openmetrics-text" in accept


def render(metrics: Metrics, openmetrics: bool) -> bytes:
    layout = metrics.layout
    assert layout is not None  # only served once the app is frozen
    totals: dict[_Series, list[float]] = {key: [0.0] * layout.stride for key in layout.series}
    workers: list[tuple[int, list[float]]] = []  # (pid, process-wide block) of live workers
    multiprocess = metrics.directory is not None
    if metrics.directory is None:
        sources: Iterable[tuple[int, Layout, memoryview[float]]] = [(os.getpid(), layout, metrics.values)]
    else:
        sources = read_dir(metrics.directory)
    for pid, source_layout, values in sources:
        live = values[LIVE] == 1.0 and alive(pid)
        if live:
            workers.append((pid, list(values[: GC + 9])))
        if source_layout.buckets != layout.buckets:
            continue  # another configuration's file: its histograms cannot be added to ours
        for key, base in source_layout.base.items():
            total = totals.setdefault(key, [0.0] * layout.stride)
            for i in range(layout.stride):
                if i != layout.in_flight or live:
                    total[i] += values[base + i]
    families = _http_families(layout, totals) + _process_families(workers, multiprocess)
    return _format(families, openmetrics).encode()


def _http_families(layout: Layout, totals: dict[_Series, list[float]]) -> list[tuple[str, str, str, list[_Sample]]]:
    requests: list[_Sample] = []
    duration: list[_Sample] = []
    in_flight: list[_Sample] = []
    request_size: list[_Sample] = []
    response_size: list[_Sample] = []
    bounds = [_float(b) for b in layout.buckets] + ["+Inf"]
    for (route, method), total in totals.items():
        count = sum(total[:STATUS_CLASSES])
        labels = {"method": method, "route": route}
        if count:
            for cls in range(STATUS_CLASSES):
                if total[cls]:
                    requests.append(("http_requests_total", {**labels, "status": f"{cls + 1}xx"}, total[cls]))
            cumulative = 0.0
            for i, bound in enumerate(bounds):
                cumulative += total[layout.bucket0 + i]
                duration.append(("http_request_duration_seconds_bucket", {**labels, "le": bound}, cumulative))
            duration.append(("http_request_duration_seconds_sum", labels, total[layout.duration_sum]))
            duration.append(("http_request_duration_seconds_count", labels, cumulative))
            request_size.append(("http_request_size_bytes_sum", labels, total[layout.request_size_sum]))
            request_size.append(("http_request_size_bytes_count", labels, count))
            measured = count - total[layout.response_size_unknown]
            if measured:
                response_size.append(("http_response_size_bytes_sum", labels, total[layout.response_size_sum]))
                response_size.append(("http_response_size_bytes_count", labels, measured))
        if count or total[layout.in_flight]:
            in_flight.append(("http_requests_in_progress", labels, total[layout.in_flight]))
    return [
        ("http_requests", "counter", "Requests answered, by route template, method and status class.", requests),
        ("http_request_duration_seconds", "histogram", "Time to answer a request, in seconds.", duration),
        ("http_requests_in_progress", "gauge", "Requests being answered.", in_flight),
        ("http_request_size_bytes", "summary", "Request bodies, by Content-Length, in bytes.", request_size),
        ("http_response_size_bytes", "summary", "Response bodies held in memory, in bytes.", response_size),
    ]


def _process_families(
    workers: list[tuple[int, list[float]]], multiprocess: bool
) -> list[tuple[str, str, str, list[_Sample]]]:
    by_name: dict[str, list[_Sample]] = {}
    for pid, block in workers:
        labels = {"pid": str(pid)} if multiprocess else {}
        for name, value in _process.read(pid).items():
            by_name.setdefault(name, []).append((name, labels, value))
        by_name.setdefault("process_start_time_seconds", []).append(
            ("process_start_time_seconds", labels, block[START_TIME])
        )
        for generation in range(3):
            gen = {**labels, "generation": str(generation)}
            offset = GC + 3 * generation
            for i, name in enumerate(_GC_SAMPLES):
                by_name.setdefault(name, []).append((name, gen, block[offset + i]))
    described = [
        ("process_cpu_seconds", "counter", "User and system CPU time, in seconds."),
        ("process_resident_memory_bytes", "gauge", "Resident memory, in bytes."),
        ("process_virtual_memory_bytes", "gauge", "Virtual memory, in bytes."),
        ("process_open_fds", "gauge", "Open file descriptors."),
        ("process_max_fds", "gauge", "The limit on open file descriptors."),
        ("process_start_time_seconds", "gauge", "Start time of the process, in seconds since the epoch."),
        ("python_gc_collections", "counter", "Collections of the cyclic garbage collector, by generation."),
        ("python_gc_objects_collected", "counter", "Objects the garbage collector freed, by generation."),
        ("python_gc_objects_uncollectable", "counter", "Uncollectable objects found, by generation."),
    ]
    families = []
    for family, kind, help_text in described:
        sample_name = family + "_total" if kind == "counter" else family
        samples = by_name.get(sample_name, [])
        if samples:
            families.append((family, kind, help_text, samples))
    return families


def _format(families: list[tuple[str, str, str, list[_Sample]]], openmetrics: bool) -> str:
    lines: list[str] = []
    for family, kind, help_text, samples in families:
        # Prometheus' text format names a counter family by its sample name (with _total)
        name = family if openmetrics or kind != "counter" else family + "_total"
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {kind}")
        for sample, labels, value in samples:
            if labels:
                rendered = ",".join(f'{key}="{_escape(val)}"' for key, val in labels.items())
                lines.append(f"{sample}{{{rendered}}} {_float(value)}")
            else:
                lines.append(f"{sample} {_float(value)}")
    if openmetrics:
        lines.append("# EOF")
    return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _float(value: float) -> str:
    if value == float("inf"):
        return "+Inf"
    return repr(float(value))
