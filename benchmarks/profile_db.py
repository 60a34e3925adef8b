"""Where the time of the database suite goes, in process: the driver, the framework, the template.

Runs each endpoint of ``benchmarks/app_db.py`` through genever's RSGI adapter,
and the same endpoint of the framework-free ``../shared/bench/apps/raw_rsgi_db.py``
(on asyncpg's pool, as the harness runs it, and on genever's pool), with a
stand-in protocol object (no sockets, no server), one request at a time on one
uvloop, against the harness's PostgreSQL (``DATABASE_URL``; ``run_db.sh``
starts it); and the bare acquire + query of /db on each pool. Prints this
process's CPU time per request in microseconds (best of ``--repeat``; the
database's own CPU is not counted): genever minus the raw app on the same pool
is what the framework costs. (The stand-in protocol takes the raw app's str
body as it is, where Granian would encode it: /fortunes flatters the raw app
by that encoding, ~3 us.)

    PYTHONPATH=. .venv/bin/python benchmarks/profile_db.py

Instructions per request, which a loaded machine does not move: run one
endpoint between two ``os.getppid()`` calls under callgrind, which dumps its
counters at each (the second dump file holds the requests alone; divide its
``summary:`` by ``-n``); ``BENCH_POOL=asyncpg`` puts both apps on asyncpg's pool:

    PYTHONPATH=. valgrind --tool=callgrind --dump-before=getppid --callgrind-out-file=/tmp/cg.out \\
        .venv/bin/python benchmarks/profile_db.py --marks raw:/db -n 400
"""

import argparse
import functools
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
    import asyncpg
    import raw_rsgi_db

    from benchmarks.app_db import SELECT_WORLD, _keep_session, app

    await app.startup()
    pool = app._app_scope._slots[next(iter(app._app_scope._slots))].value  # genever.ext.asyncpg's pool
    size = int(os.environ["DB_POOL_SIZE"])
    asyncpg_pool = await asyncpg.create_pool(
        os.environ["DATABASE_URL"], min_size=size, max_size=size, max_queries=10_000_000, reset=_keep_session
    )
    raw = raw_rsgi_db.App()  # as the harness runs it: asyncpg's pool
    raw.pool = asyncpg_pool
    raw.routes = {"/db": raw.db, "/queries": raw.queries, "/fortunes": raw.fortunes, "/updates": raw.updates}
    same = raw_rsgi_db.App()  # on genever's pool: what the framework alone costs
    same.pool = pool
    same.routes = {"/db": same.db, "/queries": same.queries, "/fortunes": same.fortunes, "/updates": same.updates}
    rsgi = type(app).__rsgi__

    def bare_db(pool: Any) -> Any:
        async def run() -> None:
            async with pool.acquire() as connection:
                await connection.fetchrow(SELECT_WORLD, random.randint(1, 10000))

        return run

    print(f"CPU us per request in this process, one at a time, best of {repeat} x {n} (uvloop {uvloop.__version__})")
    print("raw: the framework-free app on asyncpg's pool (as the harness runs it) and on genever.ext.asyncpg's;")
    print("framework: genever minus the raw app on the same pool (genever.ext.asyncpg's)")
    header = f"{'acquire+1 query':>16} {'raw':>8} {'raw, same pool':>15} {'genever':>8} {'framework':>10}"
    print(f"{'endpoint':<22} {header}")
    for path, query in [("/db", ""), ("/queries", "queries=20"), ("/fortunes", ""), ("/updates", "queries=20")]:
        scope = Scope(path, query)

        async def via_genever(scope: Scope = scope) -> None:
            proto = Proto()
            await rsgi(app, scope, proto)
            assert proto.body

        def via(raw_app: Any, scope: Scope = scope) -> Any:
            async def run() -> None:
                proto = Proto()
                await raw_app.__rsgi__(scope, proto)
                assert proto.body

            return run

        count = n if path in ("/db", "/fortunes") else max(n // 20, 10)
        if path == "/db":
            theirs, ours = await timed(bare_db(asyncpg_pool), count, repeat), await timed(bare_db(pool), count, repeat)
            pools = f"{theirs:.1f} / {ours:.1f}"
        else:
            pools = ""
        raw_us = await timed(via(raw), count, repeat)
        same_us = await timed(via(same), count, repeat)
        genever_us = await timed(via_genever, count, repeat)
        label = f"{path}?{query}" if query else path
        print(f"{label:<22} {pools:>16} {raw_us:8.1f} {same_us:15.1f} {genever_us:8.1f} {genever_us - same_us:+10.1f}")
    print("acquire+1 query: asyncpg's pool / genever.ext.asyncpg's")
    await asyncpg_pool.close()
    await app.shutdown()


async def marked(which: str, target: str, n: int) -> None:
    """``n`` requests of one endpoint between two ``os.getppid()`` calls, for callgrind to count alone."""
    import raw_rsgi_db

    from benchmarks.app_db import app

    await app.startup()
    path, _, query = target.partition("?")
    scope = Scope(path, query)
    if which == "raw":  # the framework-free app on the pool app_db made (BENCH_POOL picks it)
        raw = raw_rsgi_db.App()
        raw.pool = app._app_scope._slots[next(iter(app._app_scope._slots))].value
        raw.routes = {"/db": raw.db, "/queries": raw.queries, "/fortunes": raw.fortunes, "/updates": raw.updates}
        handle = raw.__rsgi__
    else:
        handle = functools.partial(type(app).__rsgi__, app)
    for _ in range(50):
        proto = Proto()
        await handle(scope, proto)
        assert proto.body
    os.getppid()
    for _ in range(n):
        await handle(scope, Proto())
    os.getppid()
    await app.shutdown()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--marks",
        metavar="genever|raw:ENDPOINT",
        help="instead: -n requests of one endpoint (e.g. raw:/queries?queries=20) between two os.getppid() calls",
    )
    args = parser.parse_args()
    if args.marks:
        which, _, target = args.marks.partition(":")
        uvloop.run(marked(which, target, args.n))
    else:
        uvloop.run(main(args.n, args.repeat))
