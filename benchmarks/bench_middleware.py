#!/usr/bin/env python3
"""What CORS + request-id middleware cost per request, genever vs FastAPI, side by side.

    .venv/bin/python benchmarks/bench_middleware.py [--duration 5] [--rounds 3]

Needs ../shared/bench/setup.sh to have run (wrk, and the harness venv that
FastAPI runs from). Each server runs as one worker pinned to CPU 1, wrk pinned to CPU 0 (64
connections, a CORS ``Origin`` header on every request), as in
../shared/bench/run.py. The cost of the middleware is the difference in server
time per request (1/rps) with and without it; medians over the rounds.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv" / "bin" / "python")
GRANIAN = [PY, "-m", "granian", "--interface", "rsgi", "--workers", "1", "--runtime-threads", "1",
           "--loop", "uvloop", "--http", "1", "--no-ws", "--log-level", "warning"]  # fmt: skip
# FastAPI runs exactly as in the shared harness: its venv, uvicorn with uvloop and httptools
BENCH_PY = str(ROOT.parent / "shared" / "bench" / ".venv" / "bin" / "python")
UVICORN = [BENCH_PY, "-m", "uvicorn", "--workers", "1", "--loop", "uvloop", "--http", "httptools", "--ws", "none",
           "--log-level", "warning", "--no-access-log"]  # fmt: skip
SERVERS = {
    ("genever", "none"): [*GRANIAN, "benchmarks.middleware_apps:genever_app"],
    ("genever", "app"): [*GRANIAN, "benchmarks.middleware_apps:genever_app"],
    ("genever", "group"): [*GRANIAN, "benchmarks.middleware_apps:genever_app"],
    ("fastapi", "none"): [*UVICORN, "benchmarks.middleware_apps:fastapi_app"],
    ("fastapi", "app"): [*UVICORN, "benchmarks.middleware_apps:fastapi_app"],
}


def run_one(framework: str, mode: str, port: int, duration: float) -> float:
    argv = ["taskset", "-c", "1", *SERVERS[(framework, mode)], "--port", str(port)]
    env = dict(os.environ, BENCH_MW=mode)
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                            start_new_session=True)  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/json"
        for _ in range(100):
            try:
                urllib.request.urlopen(url, timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        wrk = ["taskset", "-c", "0", "wrk", "-t1", "-c64", "-H", "Origin: https://app.example"]
        subprocess.run([*wrk, "-d1s", url], capture_output=True, check=True)  # warm-up
        out = subprocess.run([*wrk, f"-d{int(duration)}s", url], capture_output=True, text=True, check=True).stdout
        match = re.search(r"Requests/sec:\s+([0-9.]+)", out)
        if match is None or "Non-2xx" in out:
            raise RuntimeError(f"{framework}/{mode}: bad wrk output\n{out}")
        return float(match.group(1))
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    samples: dict[tuple[str, str], list[float]] = {key: [] for key in SERVERS}
    port = 18500
    for _ in range(args.rounds):
        for key in SERVERS:
            port += 1
            samples[key].append(run_one(*key, port, args.duration))
    rps = {key: statistics.median(values) for key, values in samples.items()}
    print("| framework | middleware | req/s | us/request | middleware cost us/request |")
    print("|---|---|---|---|---|")
    for (framework, mode), value in rps.items():
        base = rps[(framework, "none")]
        cost = (1e6 / value - 1e6 / base) if mode != "none" else 0.0
        print(f"| {framework} | {mode} | {value:,.0f} | {1e6 / value:.1f} | {cost:+.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
