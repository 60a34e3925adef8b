"""Soak: N minutes of mixed load against ``genever run``, sampling the worker's memory and
descriptors every 10 s, to see whether anything grows that should not (not run in CI).

The load, from a few client threads at once: good requests (query, JSON, form), bad
requests (malformed JSON, invalid UTF-8, a failed validation, an unknown path, a body
past the limit, malformed chunking), uploads (some spooled to disk), WebSocket sessions
(closed cleanly, or dropped without a close frame) and disconnects (a client gone
before its Content-Length, or before reading its answer).

Run from the repository root::

    python -m benchmarks.soak --minutes 10

It writes ``benchmarks/results/<date>-soak.csv`` (one row per sample) and ``.md``
(the table and the totals) and prints the table as it goes. A 5xx answer is counted
and reported; a flat RSS and descriptor count over the run is the pass.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import socket
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.hostile.wire import WS, chunked, connect, exchange, open_fds, request, ws_close_frame, ws_frame  # noqa: E402
from tests.servers import free_port, serve  # noqa: E402

APP = "tests.server_apps.hostile:app"
LIMIT = 1 << 20
JSON_HEADERS = {"Content-Type": "application/json"}


def _rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Load:
    """Client threads that each pick an action at random until told to stop."""

    def __init__(self, base: str, port: int, seed: int) -> None:
        self.base = base
        self.port = port
        self.stop = threading.Event()
        self.counts: Counter[str] = Counter()
        self.server_errors: Counter[str] = Counter()
        self.unexpected: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.seed = seed

    def _count(self, action: str, status: int, expected: tuple[int, ...]) -> None:
        with self.lock:
            self.counts[action] += 1
            if status >= 500:
                self.server_errors[action] += 1
            elif status not in expected:
                self.unexpected[f"{action}:{status}"] += 1

    # -- actions ---------------------------------------------------------------------------

    def good(self, client: httpx.Client, rnd: random.Random) -> None:
        kind = rnd.randrange(3)
        if kind == 0:
            r = client.get("/query", params={"q": "x" * rnd.randrange(50), "n": rnd.randrange(1000)})
        elif kind == 1:
            r = client.post(
                "/json", json={"name": "soak", "price": rnd.random(), "tags": list(range(rnd.randrange(20)))}
            )
        else:
            r = client.post("/form", data={"name": "soak", "count": str(rnd.randrange(100))})
        self._count("good", r.status_code, (200,))

    def bad(self, client: httpx.Client, rnd: random.Random) -> None:
        kind = rnd.randrange(6)
        if kind == 0:
            r = client.post("/json", content=b'{"name": ', headers=JSON_HEADERS)
            self._count("bad", r.status_code, (422,))
        elif kind == 1:
            r = client.post("/json", content=b'{"name": "\xff"}', headers=JSON_HEADERS)
            self._count("bad", r.status_code, (400,))
        elif kind == 2:
            r = client.get("/query", params={"n": "not-a-number"})
            self._count("bad", r.status_code, (422,))
        elif kind == 3:
            r = client.get(f"/nowhere/{rnd.randrange(10**6)}")
            self._count("bad", r.status_code, (404,))
        elif kind == 4:
            r = client.post("/echo", content=b"x" * (LIMIT + 1))
            self._count("bad", r.status_code, (413,))
        else:
            body = b"zz\r\nab\r\n" + chunked()  # a chunk size that is not hex
            answer = exchange(self.port, request("POST", "/echo", body, {"Transfer-Encoding": "chunked"}))
            self._count("bad", answer.status if answer.status > 0 else 400, (400,))

    def upload(self, client: httpx.Client, rnd: random.Random) -> None:
        size = rnd.choice((10_000, 300_000, 900_000))  # under the 1 MiB limit; past 1 MiB in memory it spools
        r = client.post("/upload", files={"file": ("soak.bin", os.urandom(size))}, data={"note": "soak"})
        self._count("upload", r.status_code, (200,))
        if r.status_code == 200 and r.json()["size"] != size:
            with self.lock:
                self.unexpected["upload:size"] += 1

    def websocket(self, rnd: random.Random) -> None:
        with WS(self.port, "/ws/echo") as ws:
            if ws.answer.status != 101:
                self._count("ws", ws.answer.status, (101,))
                return
            ok = True
            for i in range(rnd.randrange(1, 6)):
                payload = f"m{i}".encode() * rnd.randrange(1, 2000)
                ws.send(ws_frame(0x1, payload))
                frame = ws.read()
                ok = ok and frame is not None and frame[1] == payload
            if rnd.random() < 0.5:
                ws.send(ws_close_frame(1000))
                ok = ok and ws.read_close() is not None
            # else: dropped without a close frame
        self._count("ws", 101 if ok else 0, (101,))

    def disconnect(self, rnd: random.Random) -> None:
        with connect(self.port) as sock:
            if rnd.random() < 0.5:  # gone before its Content-Length
                sock.sendall(request("POST", "/echo", headers={"Content-Length": "100000"}) + b"x" * 1000)
            else:  # gone before reading its answer
                sock.sendall(request("POST", "/upload", b"", {"Content-Type": "multipart/form-data; boundary=b"}))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # reset
        self._count("disconnect", 200, (200,))

    def run(self, worker: int) -> None:
        rnd = random.Random(self.seed * 1000 + worker)
        actions = ["good"] * 8 + ["bad"] * 4 + ["upload"] * 1 + ["ws"] * 2 + ["disconnect"] * 1
        last = ["-"]  # the answer before, on this client's connections: a failure's context

        def remember(response: httpx.Response) -> None:
            last[0] = f"{response.request.method} {response.request.url.path} {response.status_code}"

        with httpx.Client(base_url=self.base, timeout=30, event_hooks={"response": [remember]}) as client:
            while not self.stop.is_set():
                action = rnd.choice(actions)
                try:
                    if action == "good":
                        self.good(client, rnd)
                    elif action == "bad":
                        self.bad(client, rnd)
                    elif action == "upload":
                        self.upload(client, rnd)
                    elif action == "ws":
                        self.websocket(rnd)
                    else:
                        self.disconnect(rnd)
                except (httpx.HTTPError, OSError) as exc:
                    with self.lock:
                        self.unexpected[f"{action}:{type(exc).__name__} after {last[0]}"] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--interval", type=float, default=10, help="seconds between samples")
    parser.add_argument("--clients", type=int, default=6, help="client threads")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()

    port = free_port()
    argv = [str(Path(sys.executable).parent / "genever"), "run", APP, "--port", str(port)]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d-%H%M")
    rows: list[dict[str, object]] = []
    with serve(argv, port, env={"GENEVER_TEST_MAX_BODY": str(LIMIT)}) as base:
        pid = httpx.get(base + "/health").json()["pid"]
        load = Load(base, port, args.seed)
        threads = [threading.Thread(target=load.run, args=(i,), daemon=True) for i in range(args.clients)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        print(f"soak: genever run (worker pid {pid}), {args.clients} clients, {args.minutes} min")
        print(f"{'t (s)':>6} {'RSS (MiB)':>10} {'fds':>5} {'requests':>9} {'5xx':>5} {'unexpected':>11}")
        end = started + args.minutes * 60
        while True:
            now = time.monotonic()
            with load.lock:
                total = sum(load.counts.values())
                errors = sum(load.server_errors.values())
                unexpected = sum(load.unexpected.values())
            row = {
                "t": round(now - started),
                "rss_mib": round(_rss_kib(pid) / 1024, 1),
                "fds": open_fds(pid),
                "requests": total,
                "server_errors": errors,
                "unexpected": unexpected,
            }
            rows.append(row)
            print(
                f"{row['t']:>6} {row['rss_mib']:>10} {row['fds']:>5} {total:>9} {errors:>5} {unexpected:>11}",
                flush=True,
            )
            if now >= end:
                break
            time.sleep(min(args.interval, max(end - now, 0)))
        load.stop.set()
        for thread in threads:
            thread.join(timeout=60)
        time.sleep(2)  # let the last connections close
        settled = {"rss_mib": round(_rss_kib(pid) / 1024, 1), "fds": open_fds(pid)}

    args.out.mkdir(parents=True, exist_ok=True)
    csv_path = args.out / f"{stamp}-soak.csv"
    with csv_path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    summary = {
        "minutes": args.minutes,
        "clients": args.clients,
        "by_action": dict(load.counts),
        "server_errors": dict(load.server_errors),
        "unexpected": dict(load.unexpected),
        "settled_after_load": settled,
    }
    lines = [
        f"# Soak {stamp} UTC: genever run, {args.minutes} min, {args.clients} client threads",
        "",
        "| t (s) | RSS (MiB) | fds | requests | 5xx | unexpected |",
        "|---|---|---|---|---|---|",
        *(
            f"| {r['t']} | {r['rss_mib']} | {r['fds']} | {r['requests']} | {r['server_errors']} | {r['unexpected']} |"
            for r in rows
        ),
        "",
        "```json",
        json.dumps(summary, indent=2),
        "```",
        "",
    ]
    (args.out / f"{stamp}-soak.md").write_text("\n".join(lines))
    print(json.dumps(summary, indent=2))
    print(f"wrote {csv_path} and {csv_path.with_suffix('.md')}")


if __name__ == "__main__":
    main()
