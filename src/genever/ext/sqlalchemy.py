"""SQLAlchemy 2 (async) in a genever app: one engine for the app, one session per request.

    from genever.ext.sqlalchemy import Database

    db = Database(migrations="migrations")        # DATABASE_URL, else SQLite in ./data/app.db
    Session = Annotated[AsyncSession, Depends(db.session, scope="function")]

    @app.post("/items", status_code=201)
    async def create(data: ItemIn, session: Session) -> Item: ...

``db.engine`` is an app-scoped ``yield`` dependency (``Depends(db.engine,
scope="app")``): the engine and its pool are made once, at start-up (after
the Alembic migrations ran, when ``migrations=`` names their folder) and
disposed of at shutdown. ``db.session`` is a session per request that commits
when the handler returns and rolls back when it raises (``db.write_session``
is the same for a read-modify-write: on SQLite it takes the database's write
lock first; on PostgreSQL read the rows you change ``with_for_update=True``); with
``scope="function"`` the commit happens before the response goes out, so a
failed commit is an error answer, not a lost write after a 2xx. Tests replace
either with ``app.dependency_overrides``. ``db.ping`` is a readiness check
(``app.add_health_routes().add_check("database", db.ping)``): ``/readyz``
answers 503 while the database does not answer a ``SELECT 1``.

The URL picks the async driver: ``sqlite://`` runs on aiosqlite (the file's
folder is created, WAL journal, foreign keys on, a 30 s busy timeout so that
concurrent writers wait instead of failing), ``postgresql://`` on asyncpg.
Needs ``pip install 'genever[sqlalchemy]'`` (SQLAlchemy, aiosqlite, asyncpg,
Alembic).
"""

import os
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel

from ..params import Depends

try:
    from sqlalchemy import URL, Select, event, func, make_url, select, text
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
    from sqlalchemy.pool import StaticPool
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "genever.ext.sqlalchemy needs SQLAlchemy and the async drivers: pip install 'genever[sqlalchemy]'"
    ) from exc

__all__ = ["Database", "Page", "async_url", "create_engine", "paginate", "upgrade"]

T = TypeVar("T")

_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
}
# the key of the PostgreSQL advisory lock that serialises concurrent migrations (several workers starting)
_MIGRATION_LOCK = 0x67656E65


def async_url(url: str | URL) -> URL:
    """``url`` with the async driver of its database: ``sqlite://`` → aiosqlite, ``postgresql://`` → asyncpg."""
    parsed = make_url(url)
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    return parsed.set(drivername=driver) if driver else parsed


def create_engine(url: str | URL, **options: Any) -> AsyncEngine:
    """An ``AsyncEngine`` for ``url`` (see ``async_url``); ``options`` go to ``create_async_engine``.

    For a SQLite file the folder is created and each connection gets the WAL
    journal, foreign keys and a busy timeout; an in-memory SQLite database is
    one shared connection (``StaticPool``), so every session sees the same data.
    """
    parsed = async_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(parsed, **options)
    database = parsed.database or ""
    memory = database in ("", ":memory:") or parsed.query.get("mode") == "memory"
    if memory:
        options.setdefault("poolclass", StaticPool)
    else:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    connect_args = options.setdefault("connect_args", {})
    connect_args.setdefault("timeout", 30)
    engine = create_async_engine(parsed, **options)
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas(wal=not memory))
    return engine


def _sqlite_pragmas(wal: bool) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if wal:  # readers do not wait for a writer, and a writer does not wait for readers
            _enable_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return on_connect


def _enable_wal(cursor: Any, wait: float = 30.0) -> None:
    """Switch the database file to WAL (it stays so): once, by whichever connection comes first.

    Connections opening a new database at the same moment (workers starting together) race for
    the switch, and SQLite answers the loser "database is locked" at once, without its busy
    timeout: the loser retries until the file says WAL.
    """
    deadline = time.monotonic() + wait
    while True:
        cursor.execute("PRAGMA journal_mode")
        if cursor.fetchone()[0].lower() == "wal":
            return
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        except Exception as exc:  # the driver's OperationalError
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


async def upgrade(engine: AsyncEngine, script_location: str | Path, revision: str = "head") -> None:
    """Run the Alembic migrations in ``script_location`` up to ``revision``, on ``engine``, in one transaction.

    The migrations' ``env.py`` finds the connection in ``config.attributes["connection"]``
    (Alembic's recipe for sharing a connection). Concurrent callers (several
    workers starting at once) are serialised: an advisory lock on PostgreSQL,
    ``BEGIN IMMEDIATE`` on SQLite.
    """
    try:
        from alembic import command
        from alembic.config import Config
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("migrations need Alembic: pip install 'genever[sqlalchemy]'") from exc
    config = Config()
    config.set_main_option("script_location", str(script_location))

    def run(connection: Any) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            await connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            await connection.begin()
            if connection.dialect.name == "postgresql":
                await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        await connection.run_sync(run)
        await connection.commit()


async def paginate(
    session: AsyncSession, statement: Select[Any], *, limit: int, offset: int = 0
) -> tuple[list[Any], int]:
    """One page of ``statement``'s rows (ORM objects for ``select(Model)``) and the total without the page."""
    count = select(func.count()).select_from(statement.order_by(None).subquery())
    total = await session.scalar(count)
    rows = await session.scalars(statement.limit(limit).offset(offset))
    return list(rows.all()), int(total or 0)


class Page(BaseModel, Generic[T]):
    """A page of a list: ``items``, the ``total`` count, and the ``limit``/``offset`` that cut it."""

    items: list[T]
    total: int
    limit: int
    offset: int


class Database:
    """The dependencies of one database: ``engine`` (app-scoped), ``session`` and ``write_session`` (per request).

    ``url`` is read when the app starts: the argument, else the environment
    variable ``env`` (``DATABASE_URL``), else ``default_url``. ``migrations``:
    an Alembic script folder to upgrade to its head before serving.
    ``engine_options`` go to ``create_async_engine`` (``pool_size=`` ...).
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        env: str = "DATABASE_URL",
        default_url: str = "sqlite:///data/app.db",
        migrations: str | Path | None = None,
        expire_on_commit: bool = False,
        **engine_options: Any,
    ) -> None:
        self._url = url
        self.env = env
        self.default_url = default_url
        self.migrations = migrations
        self.engine_options = engine_options

        async def engine() -> AsyncIterator[AsyncEngine]:
            made = create_engine(self.url, **self.engine_options)
            try:
                if self.migrations is not None:
                    await upgrade(made, self.migrations)
                yield made
            finally:
                await made.dispose()

        async def session(engine: Annotated[AsyncEngine, Depends(engine, scope="app")]) -> AsyncIterator[AsyncSession]:
            async with AsyncSession(engine, expire_on_commit=expire_on_commit) as current:
                try:
                    yield current
                except BaseException:
                    await current.rollback()
                    raise
                await current.commit()

        async def write_session(
            engine: Annotated[AsyncEngine, Depends(engine, scope="app")],
        ) -> AsyncIterator[AsyncSession]:
            async with AsyncSession(engine, expire_on_commit=expire_on_commit) as current:
                try:
                    connection = await current.connection()
                    if connection.dialect.name == "sqlite":
                        # SQLite has one writer: take its lock before the first read, so that a
                        # read-modify-write cannot lose another's update (writers queue here)
                        await connection.exec_driver_sql("BEGIN IMMEDIATE")
                    yield current
                except BaseException:
                    await current.rollback()
                    raise
                await current.commit()

        async def ping(engine: Annotated[AsyncEngine, Depends(engine, scope="app")]) -> None:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))

        self.engine: Callable[[], AsyncIterator[AsyncEngine]] = engine
        self.session: Callable[..., AsyncIterator[AsyncSession]] = session
        self.write_session: Callable[..., AsyncIterator[AsyncSession]] = write_session
        self.ping: Callable[..., Any] = ping

    @property
    def url(self) -> str:
        """The URL the engine is made from (see the class docstring)."""
        return self._url or os.environ.get(self.env) or self.default_url
