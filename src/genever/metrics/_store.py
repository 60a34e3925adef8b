"""Where one process keeps its metric values: a flat array of doubles with a fixed layout.

The layout is decided when the app is frozen, from the route table: one
*series* per (route template, method), each ``stride`` doubles long (status
classes, histogram buckets, duration sum, in-flight, size sums and counts),
after a small process-wide block (liveness, start time, GC counters). Every
worker of a service freezes the same app, so every worker has the same layout.

Single process: the array lives in a ``bytearray``. Several workers
(``GENEVER_METRICS_DIR`` set, as ``genever run --workers N`` does): each
worker maps its own file ``<pid>.db`` in that directory (``mmap``,
``MAP_SHARED``) and writes only there, without locks; a scrape, served by any
one worker, reads every file and adds them up. Why files and not a shared
segment or an aggregator process: no coordination between workers at all (a
worker that restarts just starts a new file, so counters never go backwards;
a dead worker's gauges are dropped), nothing to run beside the server, and
the files survive for post-mortem reading. A file starts with its own layout
(JSON), so a scrape never depends on the workers agreeing on it. Aligned
8-byte stores are atomic on the platforms Granian runs on, so a scrape sees
each value either before or after an update, never torn.
"""

from __future__ import annotations

import gc
import json
import mmap
import os
import struct
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ENV_DIR = "GENEVER_METRICS_DIR"
_MAGIC = b"GNVMTRC1"

# the process-wide block
LIVE = 0  # 1.0 while the process serves, 0.0 once it has shut down cleanly
START_TIME = 1  # process start, seconds since the epoch
GC = 2  # 3 generations x (collections, objects collected, uncollectable)
GLOBAL_SIZE = GC + 9

STATUS_CLASSES = 5  # 1xx..5xx, at offsets 0..4 of a series


class Layout:
    """The offsets of every series, the same in every worker that froze the same app."""

    def __init__(self, series: Sequence[tuple[str, str]], buckets: Sequence[float]) -> None:
        self.series = list(series)
        self.buckets = tuple(buckets)
        n = len(self.buckets) + 1  # + the +Inf bucket
        self.bucket0 = STATUS_CLASSES
        self.duration_sum = self.bucket0 + n
        self.in_flight = self.duration_sum + 1
        self.request_size_sum = self.in_flight + 1  # its count is the number of requests
        self.response_size_sum = self.request_size_sum + 1
        # responses whose size is not known (streams): the others are the summary's count
        self.response_size_unknown = self.response_size_sum + 1
        self.stride = self.response_size_unknown + 1
        self.base = {key: GLOBAL_SIZE + i * self.stride for i, key in enumerate(self.series)}
        self.size = GLOBAL_SIZE + len(self.series) * self.stride

    def describe(self, pid: int) -> bytes:
        return json.dumps({"pid": pid, "buckets": self.buckets, "series": self.series}).encode()

    @classmethod
    def from_description(cls, data: dict[str, Any]) -> Layout:
        return cls([(s[0], s[1]) for s in data["series"]], data["buckets"])


class Store:
    """This process's values; ``values`` is a ``memoryview`` of doubles the request path writes into."""

    def __init__(self, layout: Layout, directory: str | None, previous: Store | None = None) -> None:
        self.layout = layout
        self.directory = directory
        self.pid = os.getpid()
        self.path: Path | None = None
        self.values: memoryview[float]
        if directory is None:
            self.values = memoryview(bytearray(8 * layout.size)).cast("d")
        else:
            header = layout.describe(self.pid)
            header += b" " * (-len(header) % 8)
            offset = len(_MAGIC) + 8 + len(header)
            self.path = Path(directory) / f"{self.pid}.db"
            # written aside and renamed over: a previous store of this process may still map the old file
            temporary = self.path.with_suffix(".tmp")
            with open(temporary, "wb") as file:
                file.write(_MAGIC + struct.pack("<Q", len(header)) + header)
                file.truncate(offset + 8 * layout.size)
            with open(temporary, "r+b") as file:
                self.values = memoryview(mmap.mmap(file.fileno(), 0))[offset:].cast("d")
        values = self.values
        values[LIVE] = 1.0
        values[START_TIME] = _process_start_time()
        for generation, stats in enumerate(gc.get_stats()[:3]):
            values[GC + 3 * generation] = stats["collections"]
            values[GC + 3 * generation + 1] = stats["collected"]
            values[GC + 3 * generation + 2] = stats["uncollectable"]
        if previous is not None and previous.pid == self.pid:
            self._adopt(previous)
        if self.path is not None:
            os.replace(temporary, self.path)

    def _adopt(self, old: Store) -> None:
        """Carry ``old``'s values over, series by series (the app was re-frozen with other routes)."""
        for key, base in self.layout.base.items():
            old_base = old.layout.base.get(key)
            if old_base is not None and old.layout.buckets == self.layout.buckets:
                self.values[base : base + self.layout.stride] = old.values[old_base : old_base + old.layout.stride]
        self.values[GC : GC + 9] = old.values[GC : GC + 9]


def read_dir(directory: str) -> Iterator[tuple[int, Layout, memoryview[float]]]:
    """(pid, layout, values) of every worker's file in ``directory``; unreadable files are skipped."""
    for path in sorted(Path(directory).glob("*.db")):
        try:
            data = path.read_bytes()
            if not data.startswith(_MAGIC):
                continue
            (length,) = struct.unpack_from("<Q", data, len(_MAGIC))
            start = len(_MAGIC) + 8
            description = json.loads(data[start : start + length])
            layout = Layout.from_description(description)
            values = memoryview(data)[start + length :].cast("d")
            if len(values) < layout.size:
                continue
        except (OSError, ValueError):
            continue
        yield int(description["pid"]), layout, values


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _process_start_time() -> float:
    """When this process started (from /proc where there is one, else now)."""
    try:
        stat = Path(f"/proc/{os.getpid()}/stat").read_text()
        ticks = int(stat.rpartition(")")[2].split()[19])
        boot = next(
            float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime")
        )
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return time.time()
