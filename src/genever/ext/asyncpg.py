"""A lean pool of asyncpg connections, for apps that talk to PostgreSQL in SQL.

    from genever.ext.asyncpg import Pool, create_pool

    async def get_pool() -> AsyncIterator[Pool]:
        pool = await create_pool(os.environ["DATABASE_URL"], size=16)
        yield pool
        await pool.close()

    DB = Annotated[Pool, Depends(get_pool, scope="app")]

    @app.get("/users/{id}")
    async def read_user(id: int, db: DB) -> User:
        async with db.acquire() as connection:
            row = await connection.fetchrow("SELECT id, name FROM users WHERE id = $1", id)

Why not ``asyncpg.create_pool``: its ``acquire``/``release`` pair runs a
timeout scope, a shielded task, a queue and a reset hook per use, about twice
the CPU of the query itself (measured under callgrind: ~115,000 instructions
per acquire and release, ~61,000 per single-row ``fetchrow``). This pool opens
all its connections at start, lends them whole (prepared statements stay
cached per connection, as asyncpg does by default), and gives them back as they
are -- nothing is sent to the server on release, as with pgx's pool -- unless
the lease ended badly:

- a connection still inside a transaction, or left by a cancellation (a
  client gone, a timeout) while a query may be running, is closed, not reused
  (an ordinary exception, such as an ``HTTPException`` or a server error,
  leaves it in the pool);
- a closed connection (that, or the server dropped it) is replaced by a new
  one the next time it is lent.

Requests wait in order when all connections are out. Needs ``asyncpg``
(``pip install 'genever[asyncpg]'``).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

try:
    import asyncpg  # type: ignore[import-untyped]
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError("genever.ext.asyncpg needs asyncpg: pip install 'genever[asyncpg]'") from exc

__all__ = ["Pool", "create_pool"]


async def create_pool(dsn: str | None = None, *, size: int = 10, **connect_kwargs: Any) -> Pool:
    """Open ``size`` connections (``asyncpg.connect(dsn, **connect_kwargs)``) and return the pool that lends them."""
    pool = Pool(lambda: asyncpg.connect(dsn, **connect_kwargs), size)
    await pool.open()
    return pool


class Pool:
    """``size`` asyncpg connections, lent one at a time with ``async with pool.acquire() as connection``."""

    def __init__(self, connect: Callable[[], Awaitable[asyncpg.Connection]], size: int) -> None:
        if size < 1:
            raise ValueError("a pool needs at least one connection (size >= 1)")
        self._connect = connect
        self.size = size
        self._idle: list[asyncpg.Connection] = []
        self._waiters: deque[asyncio.Future[asyncpg.Connection]] = deque()
        self._connections: list[asyncpg.Connection] = []
        self._closed = False
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop its connections belong to (open())

    async def open(self) -> None:
        """Open every connection now (a pool is opened once, at start-up)."""
        # PERF: the loop kept for the waiters' futures; on Python 3.11 asyncio.get_running_loop() is a
        # getpid() system call, once per request that waits for a connection
        self._loop = asyncio.get_running_loop()
        connections = await asyncio.gather(*(self._connect() for _ in range(self.size)))
        self._connections = list(connections)
        self._idle = list(connections)

    def acquire(self) -> _Lease:
        """``async with pool.acquire() as connection``: a connection for the block, back to the pool after it."""
        return _Lease(self)

    @property
    def idle(self) -> int:
        """How many connections are in the pool, not lent."""
        return len(self._idle)

    async def close(self) -> None:
        """Close every connection; requests still waiting for one get an error."""
        self._closed = True
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(asyncpg.InterfaceError("the pool is closed"))
        self._idle.clear()
        await asyncio.gather(*(c.close() for c in self._connections if not c.is_closed()), return_exceptions=True)

    async def _take(self) -> asyncpg.Connection:
        if self._closed:
            raise asyncpg.InterfaceError("the pool is closed")
        idle = self._idle
        if idle:
            connection = idle.pop()
        else:
            loop = self._loop or asyncio.get_running_loop()  # a pool used without open(): as before
            waiter: asyncio.Future[asyncpg.Connection] = loop.create_future()
            self._waiters.append(waiter)
            try:
                connection = await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                    self._give(waiter.result())  # handed over just as this request was cancelled
                elif waiter in self._waiters:
                    self._waiters.remove(waiter)
                raise
        if connection.is_closed():
            try:
                connection = await self._replace(connection)
            except BaseException:
                self._give(connection)  # keep the slot: the next lease tries again
                raise
        return connection

    async def _replace(self, old: asyncpg.Connection) -> asyncpg.Connection:
        new = await self._connect()
        self._connections[self._connections.index(old)] = new
        return new

    def _give(self, connection: asyncpg.Connection) -> None:
        waiters = self._waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        self._idle.append(connection)

    def _release(self, connection: asyncpg.Connection, failed: bool) -> None:
        # PERF: the common case (the block ended normally, no transaction left open) sends nothing
        if (failed or connection.is_in_transaction()) and not connection.is_closed():
            # a transaction left open, or a query maybe still running: this connection's state is
            # unknown; close it (replaced on its next lease) rather than lend it like that
            connection.terminate()
        self._give(connection)


class _Lease:
    """What ``Pool.acquire()`` returns: an async context manager around one connection."""

    __slots__ = ("_connection", "_pool")

    def __init__(self, pool: Pool) -> None:
        self._pool = pool

    async def __aenter__(self) -> asyncpg.Connection:
        self._connection = connection = await self._pool._take()
        return connection

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        # an error raised between queries (a server error, an HTTPException) leaves the connection
        # usable; a cancellation or a timeout (the client went away, asyncio.timeout) may have cut a
        # query short, leaving it running on the server
        failed = exc is not None and (isinstance(exc, TimeoutError) or not isinstance(exc, Exception))
        self._pool._release(self._connection, failed)
