"""The client side of scripts/scaleout.sh: writes and reads through the load balancer for a while,
and records which writes were acknowledged.

    scaleout_load.py BASE_URL SECONDS RUN_ID OUT.json [--threads 4]

Each thread logs in (``POST /token``, the example service's user), then loops: ``POST /items``
with a name unique to the run, and ``GET /items/{id}`` of what it wrote. A 201 is an
acknowledged write (its name is recorded); a transport error or a 5xx on a POST leaves the
write's fate unknown (it may have committed before the instance died), so those are counted
apart and never as lost.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections import Counter
from pathlib import Path

import httpx


def worker(base: str, deadline: float, run_id: str, index: int, out: dict[str, object], lock: threading.Lock) -> None:
    acked: list[str] = []
    unknown: list[str] = []
    counts: Counter[str] = Counter()
    client = httpx.Client(base_url=base, timeout=10)
    token = None
    sequence = 0
    while time.monotonic() < deadline:
        try:
            if token is None:
                login = client.post("/token", data={"username": "alice", "password": "secret", "scope": "me items"})
                counts["sent"] += 1
                if login.status_code != 200:
                    counts[f"status {login.status_code}"] += 1
                    time.sleep(0.05)
                    continue
                counts["answered"] += 1
                token = login.json()["access_token"]
            name = f"so-{run_id}-{index}-{sequence}"
            sequence += 1
            counts["sent"] += 1
            try:
                created = client.post("/items", json={"name": name, "price": 1.5, "tags": ["scaleout"]},
                                      headers={"Authorization": f"Bearer {token}"})
            except httpx.HTTPError:
                unknown.append(name)
                raise
            if created.status_code != 201:
                counts[f"status {created.status_code}"] += 1
                if created.status_code >= 500:
                    unknown.append(name)
                continue
            counts["answered"] += 1
            acked.append(name)
            counts["sent"] += 1
            read = client.get(f"/items/{created.json()['id']}")
            if read.status_code == 200 and read.json()["name"] == name:
                counts["answered"] += 1
            else:
                counts[f"read status {read.status_code}"] += 1
        except httpx.HTTPError as exc:
            counts[f"transport {type(exc).__name__}"] += 1
            client.close()
            client = httpx.Client(base_url=base, timeout=10)
    client.close()
    with lock:
        out["acked"].extend(acked)  # type: ignore[attr-defined]
        out["unknown"].extend(unknown)  # type: ignore[attr-defined]
        out["counts"].update(counts)  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("seconds", type=float)
    parser.add_argument("run_id")
    parser.add_argument("out", type=Path)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    out: dict[str, object] = {"acked": [], "unknown": [], "counts": Counter()}
    lock = threading.Lock()
    deadline = time.monotonic() + args.seconds
    threads = [threading.Thread(target=worker, args=(args.base, deadline, args.run_id, i, out, lock))
               for i in range(args.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    args.out.write_text(json.dumps(out))


if __name__ == "__main__":
    main()
