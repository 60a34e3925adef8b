"""Where the time of the database suite goes, in process: the driver, the framework, the template.

Runs each endpoint of ``benchmarks/app_db.py`` through genever's RSGI adapter,
and the same endpoint of the framework-free ``../shared/bench/apps/raw_rsgi_db.py``
(on the same pool), with a stand-in protocol object (no sockets, no server),
one request at a time on one uvloop, against the harness's PostgreSQL
(``DATABASE_URL``; ``run_db.sh`` starts it); and the bare asyncpg call of /db.
Prints this process's CPU time per request in microseconds (best of
``--repeat``; the database's own CPU is not counted): the difference between
genever and the raw app is what the framework costs.

    PYTHONPATH=. .venv/bin/python benchmarks/profile_db.py
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "shared" / "bench" / "apps"))

os.environ.setdefault("DATABASE_URL", "postgresql://benchmarkdbuser:benchmarkdbpass@127.0.0.1:5433/hello_world")
os.environ.setdefault("DB_POOL_SIZE", "4")


class Headers(dict[str, str]):
    def get_all(self, key: str) -> list[str]:
        value = self.get(key)
        return [] if value is None else [value]


class Scope:
    proto = "http"
    http_version = "1.1"
    method = "GET"
    scheme = "http"
    client = "127.0.0.1:50000"
    server = "127.0.0.1:8000"
    authority = None
    rsgi_version = "1.5"

    def __init__(self, path: str, query: str = "") -> None:
        self.path = path
        self.query_string = query
        self.headers = Headers({"host": "bench"})


class Proto:
    """What Granian hands the app, keeping only what the response is."""

    body: Any = None

    async def __call__(self) -> bytes:
        return b""

    def response_bytes(self, status: int, headers: Any, body: bytes) -> None:
        self.body = body

    def response_str(self, status: int, headers: Any, body: str) -> None:
        self.body = body

    def response_empty(self, status: int, headers: Any) -> None:
        self.body = b""


async def timed(run: Any, n: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for _ in range(n):
            await run()
        best = min(best, (time.process_time() - start) / n)
    return best * 1e6


async def main(n: int, repeat: int) -> None:
    import raw_rsgi_db

    from benchmarks.app_db import SELECT_WORLD, app

    await app.startup()
    raw = raw_rsgi_db.App()
    raw.pool = app._app_scope._slots[next(iter(app._app_scope._slots))].value  # the same pool for both
    raw.routes = {"/db": raw.db, "/queries": raw.queries, "/fortunes": raw.fortunes, "/updates": raw.updates}
    rsgi = type(app).__rsgi__
    pool = raw.pool

    async def bare_db() -> None:
        async with pool.acquire() as connection:
            await connection.fetchrow(SELECT_WORLD, random.randint(1, 10000))

    print(f"CPU us per request in this process, one at a time, best of {repeat} x {n} (uvloop {uvloop.__version__})")
    print(f"{'endpoint':<22} {'asyncpg alone':>14} {'raw RSGI':>10} {'genever':>10} {'framework':>10}")
    for path, query in [("/db", ""), ("/queries", "queries=20"), ("/fortunes", ""), ("/updates", "queries=20")]:
        scope = Scope(path, query)

        async def via_genever(scope: Scope = scope) -> None:
            proto = Proto()
            await rsgi(app, scope, proto)
            assert proto.body

        async def via_raw(scope: Scope = scope) -> None:
            proto = Proto()
            await raw.__rsgi__(scope, proto)
            assert proto.body

        count = n if path in ("/db", "/fortunes") else max(n // 20, 10)
        bare = f"{await timed(bare_db, count, repeat):14.1f}" if path == "/db" else f"{'':>14}"
        raw_us = await timed(via_raw, count, repeat)
        genever_us = await timed(via_genever, count, repeat)
        label = f"{path}?{query}" if query else path
        print(f"{label:<22} {bare} {raw_us:10.1f} {genever_us:10.1f} {genever_us - raw_us:+10.1f}")
    await app.shutdown()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    uvloop.run(main(args.n, args.repeat))
