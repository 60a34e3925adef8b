"""Memory of each server's whole process tree after load, per process: PSS and USS.

    .venv/bin/python -m benchmarks.memory [--workers 1,2,4] [--only genever,fastapi,gin,granian-cli]

PSS (proportional set size) counts a page shared by k processes as 1/k in each, so
the PSS of a tree adds up to what the tree really holds; USS (private pages) is what
a process would give back if it exited. Both from ``/proc/PID/smaps_rollup``, read
after ``wrk`` has driven the reference API (benchmarks/app.py, and FastAPI's
fastapi_app.py from the shared harness) for a few seconds per endpoint.

- genever: ``genever run benchmarks.app:app --workers N``
- granian-cli: ``python -m granian --interface rsgi`` on the same app (what genever run replaces)
- fastapi: uvicorn (uvloop, httptools) ``--workers N`` on the harness's FastAPI app
- gin: the harness's Gin binary (one process; all cores)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT.parent / "shared" / "bench"
PY = sys.executable
BIN = Path(PY).parent
GENEVER_BIN = BIN  # --python: a deployment's venv (benchmarks/deploy_size.py --keep DIR) instead of this one

GETS = ["/json", "/plaintext", "/users/42?verbose=true", "/list", "/deps"]
POST_ITEMS = """wrk.method = "POST"
wrk.body = '{"name": "widget", "price": 9.5, "tags": ["a", "b"], "dims": {"w": 1.0, "h": 2.0}}'
wrk.headers["Content-Type"] = "application/json"
"""


def command(server: str, workers: int, port: int) -> list[str] | None:
    if server == "genever":
        return [str(GENEVER_BIN / "genever"), "run", "benchmarks.app:app", "--port", str(port),
                "--workers", str(workers), "--log-level", "warning"]
    if server == "granian-cli":
        return [PY, "-m", "granian", "--interface", "rsgi", "--port", str(port), "--workers", str(workers),
                "--log-level", "warning", "benchmarks.app:app"]
    if server == "fastapi":
        return [PY, "-m", "uvicorn", "--app-dir", str(BENCH / "apps"), "fastapi_app:app", "--port", str(port),
                "--workers", str(workers), "--loop", "uvloop", "--log-level", "warning", "--no-access-log"]
    if server == "gin":
        binary = BENCH / ".build" / "gin-app"
        return [str(binary)] if binary.exists() and workers == 1 else None
    raise ValueError(server)


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants, parents first."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop(0)
        out.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            pass
    return out


def rollup(pid: int) -> dict[str, int]:
    """smaps_rollup's fields in KiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        match = re.match(r"(\w+):\s+(\d+) kB", line)
        if match:
            fields[match.group(1)] = int(match.group(2))
    return fields


def load(port: int, seconds: float) -> None:
    base = f"http://127.0.0.1:{port}"
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(POST_ITEMS)
        script.flush()
        runs = [[base + path] for path in GETS] + [["-s", script.name, base + "/items"]]
        duration = f"-d{max(1, round(seconds))}s"
        for target in runs:
            subprocess.run(["wrk", "-t2", "-c32", duration, *target], check=True, capture_output=True)


def wait_ready(port: int, proc: subprocess.Popen[bytes]) -> None:
    import urllib.request

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def measure(server: str, workers: int, seconds: float) -> list[dict[str, int]] | None:
    from tests.servers import free_port

    port = free_port()
    argv = command(server, workers, port)
    if argv is None:
        return None
    env = dict(os.environ, PORT=str(port), GIN_MODE="release")
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        wait_ready(port, proc)
        time.sleep(1.0 if workers > 1 else 0.2)  # every worker up
        load(port, seconds)
        time.sleep(0.5)
        return [dict(rollup(pid), pid=pid) for pid in tree(proc.pid)]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def mib(kib: float) -> str:
    return f"{kib / 1024:.1f}"


def main() -> None:
    sys.path.insert(0, str(ROOT))
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--only", default="genever,granian-cli,fastapi,gin")
    parser.add_argument("--seconds", type=float, default=2.0, help="wrk duration per endpoint")
    parser.add_argument("--python", type=Path, help="genever from this interpreter's venv (e.g. a production one)")
    args = parser.parse_args()
    if args.python:
        global GENEVER_BIN
        GENEVER_BIN = args.python.parent
    if shutil.which("wrk") is None:
        sys.exit("memory: needs wrk (../shared/bench/setup.sh installs it)")
    print("| server | workers | processes | tree PSS MiB | tree USS MiB | per process PSS / USS MiB | "
          "PSS per extra worker MiB |")
    print("|---|---|---|---|---|---|---|")
    for server in args.only.split(","):
        one_worker_pss = None
        for workers in [int(w) for w in args.workers.split(",")]:
            rows = measure(server, workers, args.seconds)
            if rows is None:
                continue
            pss = sum(r["Pss"] for r in rows)
            uss = sum(r["Private_Clean"] + r["Private_Dirty"] for r in rows)
            if workers == 1:
                one_worker_pss = pss
            extra = mib((pss - one_worker_pss) / (workers - 1)) if one_worker_pss and workers > 1 else ""
            each = ", ".join(f"{mib(r['Pss'])} / {mib(r['Private_Clean'] + r['Private_Dirty'])}" for r in rows)
            print(f"| {server} | {workers} | {len(rows)} | {mib(pss)} | {mib(uss)} | {each} | {extra} |", flush=True)


if __name__ == "__main__":
    main()
