#!/usr/bin/env python3
"""Instructions per request for each endpoint of ../shared/bench/SPEC.md, under callgrind.

Wall-clock numbers on a shared machine move by tens of percent between runs;
the number of instructions a request executes does not. This runs each row
(genever through RSGI and ASGI, genever with pydantic models, FastAPI, the
framework-free raw apps: ``benchmarks/inprocess.py``) in one process under
``valgrind --tool=callgrind`` and counts what each endpoint's requests cost,
start-up excluded: the driver calls ``os.getppid()`` between phases and
callgrind dumps its counters there (``--dump-before=getppid``), so each phase
(``warm:<endpoint>``, ``run:<endpoint>``) is counted on its own. A figure is
``(run:<endpoint> - run:driver) / n``: the measured requests after a warm-up,
less the driver's own loop over a do-nothing app.

    .venv/bin/python benchmarks/instructions.py                  # all rows, writes benchmarks/results/
    .venv/bin/python benchmarks/instructions.py --only genever-rsgi,genever-asgi --endpoints deps
    .venv/bin/python benchmarks/instructions.py --repeat 2        # twice, reports the spread
    .venv/bin/python benchmarks/instructions.py --compare OLD.json NEW.json   # change per endpoint

Needs valgrind (Debian: ``apt-get install valgrind``) and, for the FastAPI and raw
rows, the shared benchmark's apps (../shared/bench/apps or $GENEVER_SHARED_BENCH).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import datetime
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.inprocess import ENDPOINT_NAMES, ENDPOINTS, ROOT, ROWS, ROWS_BY_NAME, Row, serve

RESULTS = ROOT / "benchmarks" / "results"
MARKER = "getppid"  # libc's getppid(): os.getppid() calls it, nothing else on the way does
PACKAGES = ("genever", "fastapi", "starlette", "pydantic", "pydantic-core", "msgspec", "uvloop")
RATIOS = (("genever-rsgi", "raw-rsgi"), ("fastapi-asgi", "genever-asgi"))
# wall-clock intervals on the request path are stretched this much under valgrind (see dilate_time)
TIME_DILATION = 100.0


class BenchError(Exception):
    """A row could not be measured: the message says why."""


# ---------------------------------------------------------------------------------------------
# The worker: one row, inside valgrind


def worker(row: str, n: int, warmup: int, loop: str, endpoints: list[str], out: str) -> None:
    phases, problems = serve(
        ROWS_BY_NAME[row],
        [e for e in ENDPOINTS if e.name in endpoints],
        n,
        warmup,
        marker=os.getppid,
        loop_kind=loop,
        time_dilation=TIME_DILATION,
    )
    Path(out).write_text(json.dumps({"phases": phases, "problems": problems}))


# ---------------------------------------------------------------------------------------------
# The parent: run the rows under callgrind, read the dumps


def valgrind() -> str:
    path = shutil.which("valgrind")
    if path is None:
        raise BenchError(
            "valgrind is not installed: this benchmark counts instructions with valgrind's callgrind "
            "(Debian/Ubuntu: apt-get install valgrind). Nothing was measured."
        )
    return path


def _no_aslr() -> list[str]:
    """``setarch -R`` where there is one: the same addresses every run, so the same hash of every
    object hashed by identity, the same dict and set probes, the same count."""
    setarch = shutil.which("setarch")
    if setarch is None or subprocess.run([setarch, platform.machine(), "-R", "true"]).returncode != 0:
        return []
    return [setarch, platform.machine(), "-R"]


def _totals(dump: Path) -> int:
    with dump.open() as f:
        for line in f:
            if line.startswith("totals:") or line.startswith("summary:"):
                return int(line.split()[1])
    raise BenchError(f"{dump}: no totals line")


def measure_row(row: Row, n: int, warmup: int, loop: str, endpoints: list[str]) -> dict[str, Any]:
    """Run one row under callgrind; instructions per request for each endpoint."""
    with tempfile.TemporaryDirectory(prefix="genever-callgrind-") as tmp:
        out = Path(tmp) / "phases.json"
        command = [
            *_no_aslr(),
            valgrind(),
            "--tool=callgrind",
            "--fair-sched=yes",
            f"--dump-before={MARKER}",
            f"--callgrind-out-file={tmp}/cg.out",
            sys.executable,
            "-m",
            "benchmarks.instructions",
            "--worker",
            row.name,
            "--n",
            str(n),
            "--warmup",
            str(warmup),
            "--loop",
            loop,
            "--endpoints",
            ",".join(endpoints),
            "--worker-out",
            str(out),
        ]
        # a fixed hash seed: dict and set layouts (and so instruction counts) are the same every run
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode != 0 or not out.exists():
            raise BenchError(f"{row.name}: the worker failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
        report = json.loads(out.read_text())
        phases: list[str] = report["phases"]
        dumps = sorted(Path(tmp).glob("cg.out.*"), key=lambda p: int(p.suffix[1:]))
        # one dump per marker, then the final one at exit: each phase is one dump
        if len(dumps) + 1 != len(phases) or not (Path(tmp) / "cg.out").exists():
            raise BenchError(
                f"{row.name}: {len(dumps)} callgrind dumps for {len(phases)} phases: "
                f"something else called {MARKER}(); pick another marker"
            )
        counts = dict(zip(phases, [*map(_totals, dumps), _totals(Path(tmp) / "cg.out")], strict=True))
    if report["problems"]:
        wrong = "; ".join(f"{name}: {problem}" for name, problem in report["problems"].items())
        raise BenchError(f"{row.name} answered wrongly, not measured: {wrong}")
    driver = counts["run:driver"] / n
    return {
        "per_request": {name: round(counts[f"run:{name}"] / n - driver, 1) for name in endpoints},
        "driver_per_request": round(driver, 1),
        "startup": counts["startup"],
        "warmup_per_request": {name: round(counts[f"warm:{name}"] / warmup) for name in endpoints},
    }


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for package in PACKAGES:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[package] = importlib.metadata.version(package)
    done = subprocess.run(["valgrind", "--version"], capture_output=True, text=True)
    versions["valgrind"] = done.stdout.strip().removeprefix("valgrind-")
    return versions


def _commit() -> str:
    """HEAD, and the last commit that changed src/ (what is measured), or that src/ has changes."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    head, src = git("rev-parse", "--short", "HEAD"), git("log", "-1", "--format=%h", "--", "src")
    if git("status", "--porcelain", "--", "src"):
        return f"{head} (src/ modified)"
    return head if head == src else f"{head} (src/ as of {src})"


def measure(rows: list[Row], args: argparse.Namespace) -> dict[str, Any]:
    endpoints = args.endpoints
    runs: dict[str, list[dict[str, Any]]] = {row.name: [] for row in rows}
    started = time.monotonic()
    jobs = [(row, k) for k in range(args.repeat) for row in rows]
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = {pool.submit(measure_row, row, args.n, args.warmup, args.loop, endpoints): row for row, _ in jobs}
        for future in concurrent.futures.as_completed(futures):
            row = futures[future]
            runs[row.name].append(future.result())
            print(f"  {row.name}: done ({time.monotonic() - started:.0f} s)", file=sys.stderr)
    results: dict[str, Any] = {}
    for name, measured in runs.items():
        per_request = {e: round(sum(m["per_request"][e] for m in measured) / len(measured), 1) for e in endpoints}
        entry = {**measured[0], "per_request": per_request}
        if len(measured) > 1:
            entry["spread_percent"] = {
                e: round(
                    100
                    * (max(m["per_request"][e] for m in measured) - min(m["per_request"][e] for m in measured))
                    / per_request[e],
                    3,
                )
                for e in endpoints
            }
        results[name] = entry
    now = datetime.datetime.now(datetime.UTC)
    return {
        "measured": now.strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _commit(),
        "command": "benchmarks/instructions.py " + " ".join(sys.argv[1:]),
        "n": args.n,
        "warmup": args.warmup,
        "repeat": args.repeat,
        "loop": args.loop,
        "time_dilation": TIME_DILATION,
        "versions": _versions(),
        "endpoints": endpoints,
        "rows": results,
        "seconds": round(time.monotonic() - started),
    }


# ---------------------------------------------------------------------------------------------
# Tables


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def table(data: dict[str, Any]) -> str:
    rows = [row for row in ROWS if row.name in data["rows"]]
    ratios = [(a, b) for a, b in RATIOS if a in data["rows"] and b in data["rows"]]
    head = [
        "endpoint",
        *[row.title for row in rows],
        *[f"{ROWS_BY_NAME[a].title} / {ROWS_BY_NAME[b].title}" for a, b in ratios],
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for endpoint in data["endpoints"]:
        cells = [endpoint, *[_fmt(data["rows"][row.name]["per_request"][endpoint]) for row in rows]]
        for a, b in ratios:
            cells.append(f"{data['rows'][a]['per_request'][endpoint] / data['rows'][b]['per_request'][endpoint]:.2f}x")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def report(data: dict[str, Any]) -> str:
    v = data["versions"]
    rows = data["rows"]
    parts = [
        f"# Instructions per request ({data['measured']}, commit {data['commit']})",
        "",
        f"`{data['command']}`: callgrind (valgrind {v.get('valgrind')}), Python {v['python']}, "
        f"event loop {data['loop']}, {data['warmup']} warm-up then {data['n']} measured requests per endpoint, "
        "requests driven in process through stand-ins for Granian's RSGI protocol and uvicorn's ASGI calls "
        "(`benchmarks/inprocess.py`), every answer checked. Start-up and the driver's own loop are subtracted; "
        f"wall-clock intervals on the request path stretched {data.get('time_dilation', 1):g}x to match valgrind's "
        "slowdown (`dilate_time`). "
        + ", ".join(f"{k} {v[k]}" for k in PACKAGES if k in v)
        + ".",
        "",
        table(data),
        "",
    ]
    if data["repeat"] > 1:
        worst = max((s, name, e) for name, r in rows.items() for e, s in r["spread_percent"].items())
        parts += [
            f"Stability: each row ran {data['repeat']} times; the figures are the means. The largest "
            f"difference between runs was {worst[0]:.3f}% ({worst[1]}, {worst[2]}).",
            "",
        ]
    parts += [
        "Start-up (interpreter, imports, app, server start-up) in instructions, and the driver's loop per request "
        "(subtracted above): "
        + "; ".join(f"{name} {r['startup']:,} / {r['driver_per_request']:,.0f}" for name, r in rows.items())
        + ".",
        "",
    ]
    return "\n".join(parts)


def compare(old_path: str, new_path: str, threshold: float) -> int:
    old, new = (json.loads(Path(p).read_text()) for p in (old_path, new_path))
    names = [row.name for row in ROWS if row.name in old["rows"] and row.name in new["rows"]]
    endpoints = [e for e in ENDPOINT_NAMES if e in old["endpoints"] and e in new["endpoints"]]
    print(f"old: {old_path} ({old['measured']}, commit {old['commit']}, n={old['n']})")
    print(f"new: {new_path} ({new['measured']}, commit {new['commit']}, n={new['n']})")
    for key in ("warmup", "loop", "time_dilation", "versions"):
        if old.get(key) != new.get(key):
            print(f"note: {key} differs ({old.get(key)} / {new.get(key)}): not only the code changed")
    print()
    print("| endpoint | " + " | ".join(ROWS_BY_NAME[name].title for name in names) + " |")
    print("|" + "---|" * (len(names) + 1))
    worst: tuple[float, str, str] | None = None
    for endpoint in endpoints:
        cells = []
        for name in names:
            a, b = old["rows"][name]["per_request"][endpoint], new["rows"][name]["per_request"][endpoint]
            change = 100 * (b - a) / a
            cells.append(f"{_fmt(a)} → {_fmt(b)} ({change:+.2f}%)")
            if name.startswith("genever") and (worst is None or change > worst[0]):
                worst = (change, name, endpoint)
        print(f"| {endpoint} | " + " | ".join(cells) + " |")
    print()
    if worst is None:
        print("no genever row in both files")
        return 2
    verdict = "OK" if worst[0] <= threshold else "WORSE"
    print(
        f"{verdict}: the largest increase of a genever row is {worst[0]:+.2f}% ({worst[1]}, {worst[2]}); "
        f"threshold {threshold:+.2f}%"
    )
    return 0 if verdict == "OK" else 1


# ---------------------------------------------------------------------------------------------


def _names(value: str, known: tuple[str, ...], what: str) -> list[str]:
    names = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [v for v in names if v not in known]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown {what} {unknown or value!r}; choose from {', '.join(known)}")
    return [name for name in known if name in names]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    row_names = tuple(row.name for row in ROWS)
    parser.add_argument("--n", type=int, default=200, help="measured requests per endpoint (default 200)")
    parser.add_argument("--warmup", type=int, default=100, help="warm-up requests per endpoint (default 100)")
    parser.add_argument(
        "--only",
        type=lambda v: _names(v, row_names, "row"),
        default=list(row_names),
        help=f"rows, comma-separated: {','.join(row_names)}",
    )
    parser.add_argument(
        "--endpoints",
        type=lambda v: _names(v, ENDPOINT_NAMES, "endpoint"),
        default=list(ENDPOINT_NAMES),
        help=f"endpoints, comma-separated: {','.join(ENDPOINT_NAMES)}",
    )
    parser.add_argument(
        "--out",
        help="path of the results without extension (.md and .json are written); "
        "default benchmarks/results/<date>-instructions",
    )
    parser.add_argument("--repeat", type=int, default=1, help="run each row this many times, report the spread")
    parser.add_argument("--jobs", type=int, default=2, help="rows measured at once (default 2)")
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop", help="event loop (default uvloop)")
    parser.add_argument(
        "--compare",
        nargs=2,
        metavar=("OLD.json", "NEW.json"),
        help="print the change per endpoint from OLD to NEW and exit",
    )
    parser.add_argument(
        "--threshold",
        type=float,
        default=2.0,
        help="with --compare: exit 1 if a genever row got more than this many percent worse",
    )
    parser.add_argument("--worker", choices=row_names, help=argparse.SUPPRESS)
    parser.add_argument("--worker-out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.compare:
        return compare(*args.compare, args.threshold)
    if args.worker:
        worker(args.worker, args.n, args.warmup, args.loop, args.endpoints, args.worker_out)
        return 0
    if args.n < 1 or args.warmup < 1 or args.repeat < 1 or args.jobs < 1:
        parser.error("--n, --warmup, --repeat and --jobs must be at least 1")
    try:
        valgrind()
        rows = [ROWS_BY_NAME[name] for name in args.only]
        print(f"measuring {', '.join(args.only)} under callgrind ({args.n} requests per endpoint)...", file=sys.stderr)
        data = measure(rows, args)
    except BenchError as exc:
        print(f"instructions.py: {exc}", file=sys.stderr)
        return 2
    text = report(data)
    print(text)
    stem = Path(args.out) if args.out else RESULTS / f"{data['measured'][:10]}-instructions"
    stem = stem.with_suffix("") if stem.suffix in (".md", ".json") else stem
    stem.parent.mkdir(parents=True, exist_ok=True)
    Path(f"{stem}.md").write_text(text)
    Path(f"{stem}.json").write_text(json.dumps(data, indent=1) + "\n")
    print(f"written: {stem}.md, {stem}.json", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
