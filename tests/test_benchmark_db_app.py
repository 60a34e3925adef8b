"""The database suite's app (benchmarks/app_db.py) answers as ../shared/bench/SPEC.md says, on a real PostgreSQL."""

import asyncio
import html
import re
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest

from genever.testclient import TestClient
from tests.postgres import new_database

FORTUNES = [
    "fortune: No such file or directory",
    "A computer scientist is someone who fixes things that aren't broken.",
    "After enough decimal places, nobody gives a damn.",
    "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1",
    "A computer program does what you tell it to do, not what you want it to do.",
    "Emacs is a nice operating system, but I prefer UNIX. \u2014 Tom Christaensen",
    "Any program that runs right is obsolete.",
    "A list is only as strong as its weakest link. \u2014 Donald Knuth",
    "Feature: A bug with seniority.",
    "Computers make very fast, very accurate mistakes.",
    '<script>alert("This should not be displayed in a browser alert box.");</script>',
    "\u30d5\u30ec\u30fc\u30e0\u30ef\u30fc\u30af\u306e\u30d9\u30f3\u30c1\u30de\u30fc\u30af",
]


def run(url: str, *statements: tuple[str, Any]) -> list[Any]:
    async def go() -> list[Any]:
        connection = await asyncpg.connect(url)
        try:
            out = []
            for sql, args in statements:
                out.append(await (connection.executemany(sql, args) if args else connection.fetch(sql)))
            return out
        finally:
            await connection.close()

    return asyncio.run(go())


@pytest.fixture(params=["genever", "asyncpg"])
def client(
    postgres_cluster: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[tuple[TestClient, str]]:
    url = new_database(postgres_cluster)
    run(
        url,
        ("CREATE TABLE world (id integer PRIMARY KEY, randomnumber integer NOT NULL)", None),
        ("CREATE TABLE fortune (id integer PRIMARY KEY, message varchar(2048) NOT NULL)", None),
        ("INSERT INTO world VALUES ($1, $2)", [(i, 0) for i in range(1, 10001)]),
        ("INSERT INTO fortune VALUES ($1, $2)", list(enumerate(FORTUNES, 1))),
    )
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DB_POOL_SIZE", "2")
    monkeypatch.setenv("BENCH_POOL", request.param)  # genever.ext.asyncpg's pool, or asyncpg's own
    from benchmarks.app_db import app

    with TestClient(app) as client:
        yield client, url


def test_db_and_queries(client: tuple[TestClient, str]) -> None:
    http, _ = client
    one = http.get("/db")
    assert one.headers["content-type"] == "application/json"
    world = one.json()
    assert set(world) == {"id", "randomNumber"} and 1 <= world["id"] <= 10000 and world["randomNumber"] == 0
    for query, count in [("queries=20", 20), ("queries=0", 1), ("queries=x", 1), ("", 1), ("queries=", 1),
                         ("queries=501", 500), ("queries=-3", 1)]:  # fmt: skip
        worlds = http.get(f"/queries?{query}").json()
        assert isinstance(worlds, list) and len(worlds) == count, query


def test_fortunes(client: tuple[TestClient, str]) -> None:
    http, _ = client
    page = http.get("/fortunes")
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    rows = re.findall(r"<tr><td>(\d+)</td><td>(.*?)</td></tr>", page.text)
    messages = sorted([*FORTUNES, "Additional fortune added at request time."])
    assert [html.unescape(message) for _, message in rows] == messages
    assert "&lt;script&gt;alert(&#34;This" in page.text or "&lt;script&gt;alert(&quot;This" in page.text
    assert rows[messages.index("Additional fortune added at request time.")][0] == "0"


def test_updates_write_what_they_answer(client: tuple[TestClient, str]) -> None:
    http, url = client
    worlds = http.get("/updates?queries=20").json()
    assert len(worlds) == 20 and len({w["id"] for w in worlds}) == 20
    stored = dict(run(url, ("SELECT id, randomnumber FROM world WHERE randomnumber <> 0", None))[0])
    assert {w["id"]: w["randomNumber"] for w in worlds} == stored
