"""genever.ext.sqlalchemy: URLs to async drivers, engines, pages, and the Database dependencies (real SQLite)."""

import asyncio
import sqlite3
from pathlib import Path
from typing import Annotated

import pytest
from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from genever import Depends, Genever, HTTPException
from genever.ext.sqlalchemy import Database, Page, async_url, create_engine, paginate


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(50))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///data/app.db", "sqlite+aiosqlite:///data/app.db"),
        ("sqlite://", "sqlite+aiosqlite://"),
        ("postgresql://u:p@h:5/db", "postgresql+asyncpg://u:***@h:5/db"),
        ("postgres://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),  # a driver named stays
        ("mysql+aiomysql://u@h/db", "mysql+aiomysql://u@h/db"),
    ],
)
def test_async_url(url: str, expected: str) -> None:
    assert str(async_url(url)) == expected


def test_a_sqlite_file_gets_its_folder_wal_and_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "app.db"

    async def run() -> tuple[str, int]:
        engine = create_engine(f"sqlite:///{path}")
        try:
            async with engine.connect() as connection:
                mode = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar_one()
                keys = (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar_one()
                return mode, keys
        finally:
            await engine.dispose()

    assert asyncio.run(run()) == ("wal", 1)
    assert path.is_file()
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_in_memory_sqlite_is_one_database_for_every_session() -> None:
    async def run() -> tuple[list[str], int]:
        engine = create_engine("sqlite://")
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        async with AsyncSession(engine) as session:
            session.add_all([Note(text=f"n{i}") for i in range(7)])
            await session.commit()
        async with AsyncSession(engine) as session:
            statement = select(Note).where(Note.text != "n0").order_by(Note.id.desc())
            rows, total = await paginate(session, statement, limit=2, offset=1)
        await engine.dispose()
        return [row.text for row in rows], total

    assert asyncio.run(run()) == (["n5", "n4"], 6)


def test_database_url_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APP_DB", raising=False)
    assert Database(env="APP_DB", default_url="sqlite:///d.db").url == "sqlite:///d.db"
    monkeypatch.setenv("APP_DB", "sqlite:///env.db")
    assert Database(env="APP_DB", default_url="sqlite:///d.db").url == "sqlite:///env.db"
    assert Database("sqlite:///arg.db", env="APP_DB").url == "sqlite:///arg.db"


def test_page_is_a_generic_model() -> None:
    page = Page[int](items=[1, 2], total=5, limit=2, offset=0)
    assert page.model_dump() == {"items": [1, 2], "total": 5, "limit": 2, "offset": 0}
    assert Page[int].model_json_schema()["properties"]["items"]["items"] == {"type": "integer"}


def test_the_session_commits_or_rolls_back_and_the_engine_lives_with_the_app(
    client_factory, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    db = Database(f"sqlite:///{tmp_path}/notes.db")
    Session = Annotated[AsyncSession, Depends(db.session, scope="function")]
    WriteSession = Annotated[AsyncSession, Depends(db.write_session, scope="function")]
    app = Genever()
    engines = []

    @app.post("/setup")
    async def setup(session: Session) -> None:
        engines.append(session.bind)
        await session.run_sync(lambda sync: Base.metadata.create_all(sync.connection()))

    @app.post("/notes/{text}")
    async def add(text: str, session: WriteSession, fail: bool = False) -> int:
        note = Note(text=text)
        session.add(note)
        await session.flush()
        if fail:
            raise HTTPException(status_code=409, detail="rolled back")
        return note.id

    @app.get("/notes")
    async def notes(session: Session) -> list[str]:
        engines.append(session.bind)
        return list((await session.scalars(select(Note.text).order_by(Note.id))).all())

    with client_factory(app) as client:
        assert client.post("/setup").status_code == 200
        assert client.post("/notes/a").json() == 1
        assert client.post("/notes/b?fail=true").status_code == 409
        assert client.post("/notes/c").status_code == 200
        assert client.get("/notes").json() == ["a", "c"]
        assert engines[0] is engines[1]  # one engine for the app
        pool = engines[0].pool
        assert pool.checkedin() >= 1  # the pool is open while the app runs
    assert engines[0].pool is not pool  # dispose() at shutdown replaces the pool
