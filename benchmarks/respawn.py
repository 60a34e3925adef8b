"""Kill -9 one worker of ``genever run --workers 2`` under load: how long until a new one serves,
and how many requests fail in the next 10 seconds.

    .venv/bin/python -m benchmarks.respawn [--seconds 10] [--clients 4] [--server genever|uvicorn]

The load is ``clients`` threads, each sending GET /items/1 over its own keep-alive
connection back to back (a failed request is counted and the next one opens a new
connection). Counts start at the kill.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def children(pid: int) -> set[int]:
    """PIDs of ``pid``'s child processes, from /proc."""
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # the command name is in parentheses and may hold spaces: the ppid follows the last ')'
        if int(stat.rpartition(")")[2].split()[1]) == pid:
            found.add(int(entry))
    return found


@dataclass
class Load:
    """Requests sent by a pool of keep-alive clients; each answer is recorded with its time."""

    base: str
    clients: int = 4
    path: str = "/items/1"
    results: list[tuple[float, bool]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def _run(self) -> None:
        client = httpx.Client(base_url=self.base, timeout=5)
        while not self._stop.is_set():
            try:
                ok = client.get(self.path).status_code == 200
            except httpx.HTTPError:
                ok = False
                client.close()
                client = httpx.Client(base_url=self.base, timeout=5)
            self.results.append((time.monotonic(), ok))
        client.close()

    def __enter__(self) -> Load:
        for _ in range(self.clients):
            thread = threading.Thread(target=self._run, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(10)

    def since(self, start: float, end: float) -> tuple[int, int]:
        """(sent, failed) between two monotonic times."""
        window = [ok for at, ok in list(self.results) if start <= at < end]
        return len(window), window.count(False)


def kill_one_worker(
    server_pid: int, base: str, seconds: float = 10.0, clients: int = 4, path: str = "/items/1"
) -> dict[str, float]:
    """Kill -9 one of ``server_pid``'s workers under load; time to a replacement and failures after."""
    before = children(server_pid)
    if len(before) < 2:
        raise RuntimeError(f"expected worker processes under {server_pid}, found {sorted(before)}")
    victim = min(before)
    with Load(base, clients, path) as load:
        time.sleep(1.0)
        killed_at = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        back_after = float("nan")
        while time.monotonic() - killed_at < seconds:
            now = children(server_pid) - before
            if now and back_after != back_after:  # a new worker process exists: does it serve?
                back_after = _serving_after(server_pid, now, killed_at)
            time.sleep(0.02)
        sent, failed = load.since(killed_at, killed_at + seconds)
    return {"respawn_s": back_after, "sent": sent, "failed": failed,
            "failed_pct": 100.0 * failed / sent if sent else float("nan")}


def _serving_after(server_pid: int, new: set[int], killed_at: float) -> float:
    """Seconds from the kill until the new worker has opened its listening socket."""
    for pid in new:
        if _listens(pid):
            return time.monotonic() - killed_at
    return float("nan")


def _listens(pid: int) -> bool:
    """Whether ``pid`` holds a listening TCP socket (Granian's workers each bind one, SO_REUSEPORT)."""
    try:
        inodes = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
    except OSError:
        return False
    sockets = {link[8:-1] for link in inodes if link.startswith("socket:[")}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if parts[3] == "0A" and parts[9] in sockets:  # 0A: LISTEN
                return True
    return False


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from tests.servers import free_port, started

    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--server", choices=("genever", "uvicorn"), default="genever")
    args = parser.parse_args()
    port = free_port()
    bin_dir = Path(sys.executable).parent
    argv = {
        "genever": [str(bin_dir / "genever"), "run", "examples.service:app", "--port", str(port), "--workers", "2",
                    "--log-level", "warning"],
        "uvicorn": [sys.executable, "-m", "uvicorn", "examples.service:app", "--port", str(port), "--workers", "2",
                    "--log-level", "warning"],
    }[args.server]
    with started(argv, port) as (base, proc):
        time.sleep(1.0)
        result = kill_one_worker(proc.pid, base, args.seconds, args.clients)
    print(f"{args.server}: worker back after {result['respawn_s']:.2f} s; next {args.seconds:.0f} s: "
          f"{result['sent']:.0f} requests, {result['failed']:.0f} failed ({result['failed_pct']:.2f}%)")


if __name__ == "__main__":
    main()
