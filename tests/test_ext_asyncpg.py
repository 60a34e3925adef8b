"""``genever.ext.asyncpg``: the lean pool, against a real PostgreSQL (tests/postgres.py)."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import pytest

from genever.ext.asyncpg import Pool, create_pool


def run(url: str, size: int, body: Callable[[Pool], Awaitable[Any]]) -> Any:
    async def go() -> Any:
        pool = await create_pool(url, size=size)
        try:
            return await body(pool)
        finally:
            await pool.close()

    return asyncio.run(go())


async def backend(pool: Pool) -> int:
    async with pool.acquire() as connection:
        pid: int = await connection.fetchval("SELECT pg_backend_pid()")
        return pid


def test_opens_every_connection_at_start_and_lends_them_again(postgres_cluster: str) -> None:
    async def body(pool: Pool) -> None:
        assert pool.idle == 3
        pids = [await backend(pool) for _ in range(6)]
        assert len(set(pids)) == 1  # the one idle on top is lent again: nothing reconnects
        async with pool.acquire() as a, pool.acquire() as b:
            assert pool.idle == 1
            assert await a.fetchval("SELECT pg_backend_pid()") != await b.fetchval("SELECT pg_backend_pid()")
        assert pool.idle == 3

    run(postgres_cluster, 3, body)


def test_more_requests_than_connections_wait_their_turn(postgres_cluster: str) -> None:
    held: set[int] = set()
    most = 0

    async def one(pool: Pool, n: int) -> int:
        nonlocal most
        async with pool.acquire() as connection:
            pid = await connection.fetchval("SELECT pg_backend_pid()")
            assert pid not in held  # never lent twice at once
            held.add(pid)
            most = max(most, len(held))
            value: int = await connection.fetchval("SELECT $1::int FROM pg_sleep(0.005)", n)
            held.discard(pid)
            return value

    async def body(pool: Pool) -> list[int]:
        return list(await asyncio.gather(*(one(pool, n) for n in range(40))))

    assert run(postgres_cluster, 2, body) == list(range(40))
    assert most == 2


def test_an_ordinary_error_keeps_the_connection(postgres_cluster: str) -> None:
    async def body(pool: Pool) -> None:
        pid = await backend(pool)
        with pytest.raises(asyncpg.UndefinedTableError):
            async with pool.acquire() as connection:
                await connection.fetch("SELECT * FROM no_such_table")
        with pytest.raises(LookupError):
            async with pool.acquire() as connection:
                await connection.fetchval("SELECT 1")
                raise LookupError("404: the handler gave up after a query")
        assert await backend(pool) == pid
        assert pool.idle == 1

    run(postgres_cluster, 1, body)


def test_a_cancelled_query_closes_its_connection_and_the_next_lease_gets_a_new_one(postgres_cluster: str) -> None:
    async def body(pool: Pool) -> None:
        pid = await backend(pool)

        async def slow() -> None:
            async with pool.acquire() as connection:
                await connection.execute("SELECT pg_sleep(10)")

        with pytest.raises(TimeoutError):
            await asyncio.wait_for(slow(), 0.2)
        assert pool.idle == 1
        assert await backend(pool) != pid  # replaced, and it answers: nothing left running on it

    run(postgres_cluster, 1, body)


def test_a_transaction_left_open_is_not_lent_again(postgres_cluster: str) -> None:
    async def body(pool: Pool) -> None:
        pid = await backend(pool)
        async with pool.acquire() as connection:
            await connection.execute("BEGIN")
            await connection.execute("CREATE TEMPORARY TABLE t (x int)")
        async with pool.acquire() as connection:
            assert not connection.is_in_transaction()
            assert await connection.fetchval("SELECT pg_backend_pid()") != pid

    run(postgres_cluster, 1, body)


def test_a_connection_the_server_dropped_is_replaced(postgres_cluster: str) -> None:
    async def body(pool: Pool) -> None:
        pid = await backend(pool)
        admin = await asyncpg.connect(postgres_cluster)
        try:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
        finally:
            await admin.close()
        for _ in range(50):  # the client sees the socket close a moment later
            async with pool.acquire() as connection:
                if connection.is_closed():
                    break
            await asyncio.sleep(0.01)
        assert await backend(pool) != pid

    run(postgres_cluster, 1, body)


def test_a_cancelled_waiter_loses_no_connection(postgres_cluster: str) -> None:
    async def body(pool: Pool) -> None:
        async with pool.acquire():
            waiter = asyncio.ensure_future(backend(pool))
            await asyncio.sleep(0.01)
            waiter.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiter
        assert pool.idle == 1
        await backend(pool)

    run(postgres_cluster, 1, body)


def test_closing_fails_the_waiters_and_later_leases(postgres_cluster: str) -> None:
    async def body(pool: Pool) -> None:
        async with pool.acquire():
            waiter = asyncio.ensure_future(backend(pool))
            await asyncio.sleep(0.01)
            await pool.close()
            with pytest.raises(asyncpg.InterfaceError, match="closed"):
                await waiter
        with pytest.raises(asyncpg.InterfaceError, match="closed"):
            await backend(pool)

    run(postgres_cluster, 1, body)


def test_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Pool(asyncpg.connect, 0)
