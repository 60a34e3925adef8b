"""The database suite (../shared/bench/SPEC.md, "Database suite") in genever, with asyncpg.

The same database work as the framework-free ``../shared/bench/apps/raw_rsgi_db.py``
and FastAPI's ``fastapi_db_app.py``: a pool of ``DB_POOL_SIZE`` connections (all
opened at start, nothing sent on release, as pgx's pool), one pooled
connection per request, the reads one after the other, the writes of /updates
as one pipelined ``executemany`` in id order. The pool is an app-scoped
dependency (``Depends(get_pool, scope="app")``): made at start-up, closed at
shutdown, and a request only reads its slot. /fortunes renders an autoescaped
Jinja2 template through ``genever.templating``.

The pool is genever's recommended one, ``genever.ext.asyncpg`` (the same
connections, without asyncpg's per-acquire machinery); ``BENCH_POOL=asyncpg``
uses ``asyncpg.create_pool`` instead, as the raw app does, to price the
framework alone.

    DATABASE_URL=postgresql://... genever run benchmarks.app_db:app
"""

import os
import random
from collections.abc import AsyncIterator
from typing import Annotated, Any

import asyncpg
import jinja2
import msgspec

from genever import Depends, Genever, Request
from genever.ext.asyncpg import create_pool
from genever.responses import HTMLResponse
from genever.templating import Jinja2Templates

WORLD_ROWS = 10000
SELECT_WORLD = "SELECT id, randomnumber FROM world WHERE id = $1"
UPDATE_WORLD = "UPDATE world SET randomnumber = $1 WHERE id = $2"
SELECT_FORTUNE = "SELECT id, message FROM fortune"
EXTRA_FORTUNE = (0, "Additional fortune added at request time.")

FORTUNES_HTML = """<!DOCTYPE html>
<html>
<head><title>Fortunes</title></head>
<body>
<table>
<tr><th>id</th><th>message</th></tr>
{% for id, message in fortunes %}<tr><td>{{ id }}</td><td>{{ message }}</td></tr>
{% endfor %}</table>
</body>
</html>
"""
templates = Jinja2Templates(
    env=jinja2.Environment(loader=jinja2.DictLoader({"fortunes.html": FORTUNES_HTML}), autoescape=True)
)
randint = random.randint


async def _keep_session(connection: asyncpg.Connection) -> None:
    """Pool reset hook: return the connection as it is, as pgx's pool does."""


async def get_pool() -> AsyncIterator[Any]:
    size = int(os.environ.get("DB_POOL_SIZE", "16"))
    if os.environ.get("BENCH_POOL") == "asyncpg":
        pool = await asyncpg.create_pool(
            os.environ.get("DATABASE_URL"), min_size=size, max_size=size, max_queries=10_000_000, reset=_keep_session
        )
    else:
        pool = await create_pool(os.environ.get("DATABASE_URL"), size=size)
    yield pool
    await pool.close()


Pool = Annotated[Any, Depends(get_pool, scope="app")]

app = Genever(openapi_url=None)


class World(msgspec.Struct):
    id: int
    randomNumber: int


def clamp_queries(queries: str | None) -> int:
    """Not an integer or below 1 counts as 1, above 500 as 500 (never a 4xx)."""
    try:
        n = int(queries)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 1
    return 1 if n < 1 else 500 if n > 500 else n


@app.get("/db")
async def single_query(pool: Pool) -> World:
    async with pool.acquire() as connection:
        row = await connection.fetchrow(SELECT_WORLD, randint(1, WORLD_ROWS))
    return World(row[0], row[1])


@app.get("/queries")
async def multiple_queries(pool: Pool, queries: str | None = None) -> list[World]:
    worlds = []
    async with pool.acquire() as connection:
        fetchrow = connection.fetchrow
        for _ in range(clamp_queries(queries)):
            row = await fetchrow(SELECT_WORLD, randint(1, WORLD_ROWS))
            worlds.append(World(row[0], row[1]))
    return worlds


@app.get("/fortunes", response_class=HTMLResponse)
async def fortunes(request: Request, pool: Pool) -> HTMLResponse:
    async with pool.acquire() as connection:
        rows = [tuple(row) for row in await connection.fetch(SELECT_FORTUNE)]
    rows.append(EXTRA_FORTUNE)
    rows.sort(key=lambda row: row[1])
    return templates.TemplateResponse(request, "fortunes.html", {"fortunes": rows})


@app.get("/updates")
async def updates(pool: Pool, queries: str | None = None) -> list[World]:
    ids = sorted(random.sample(range(1, WORLD_ROWS + 1), clamp_queries(queries)))
    worlds = []
    async with pool.acquire() as connection:
        fetchrow = connection.fetchrow
        for row_id in ids:
            row = await fetchrow(SELECT_WORLD, row_id)
            worlds.append(World(row[0], randint(1, WORLD_ROWS)))
        await connection.executemany(UPDATE_WORLD, [(world.randomNumber, world.id) for world in worlds])
    return worlds
