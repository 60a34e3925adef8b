"""Process metrics of a worker, read at scrape time: CPU seconds, memory, open file descriptors.

Any worker can read them for any other from ``/proc/<pid>`` (Linux), so a
scrape shows every worker of the service whichever one answers it. Where
there is no ``/proc``, only the scraping process reports, from ``resource``.
GC counters cannot be read from outside a process: each worker writes its own
into its store from a ``gc.callbacks`` hook (``gc_callback``).
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._store import GC

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PAGE = os.sysconf("SC_PAGESIZE") if hasattr(os, "sysconf") else 4096


def read(pid: int) -> dict[str, float]:
    """``{metric name: value}`` for process ``pid``; empty when it cannot be read."""
    proc = Path(f"/proc/{pid}")
    try:
        fields = (proc / "stat").read_text().rpartition(")")[2].split()
        # fields[0] is field 3 of proc(5): utime is field 14, stime 15, vsize 23, rss 24
        result = {
            "process_cpu_seconds_total": (int(fields[11]) + int(fields[12])) / _TICKS,
            "process_virtual_memory_bytes": float(fields[20]),
            "process_resident_memory_bytes": float(int(fields[21]) * _PAGE),
        }
        result["process_open_fds"] = float(len(os.listdir(proc / "fd")))
        for line in (proc / "limits").read_text().splitlines():
            if line.startswith("Max open files"):
                soft = line.split()[3]
                if soft.isdigit():
                    result["process_max_fds"] = float(soft)
        return result
    except (OSError, ValueError, IndexError):
        return _own() if pid == os.getpid() else {}


def _own() -> dict[str, float]:
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return {}
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "process_cpu_seconds_total": usage.ru_utime + usage.ru_stime,
        "process_max_fds": float(resource.getrlimit(resource.RLIMIT_NOFILE)[0]),
    }


def gc_callback(ref: Callable[[], Any]) -> Callable[[str, dict[str, int]], None]:
    """A ``gc.callbacks`` hook counting collections into ``ref().values``; it removes itself once
    the metrics object is gone."""

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase != "stop":
            return
        metrics = ref()
        if metrics is None:
            with contextlib.suppress(ValueError):
                gc.callbacks.remove(on_gc)
            return
        values = metrics.values
        offset = GC + 3 * info["generation"]
        values[offset] += 1
        values[offset + 1] += info["collected"]
        values[offset + 2] += info["uncollectable"]

    return on_gc
