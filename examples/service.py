"""The example service: an inventory API on a real database, written the FastAPI way.

    genever run examples.service:app --port 8000
    curl localhost:8000/items/1
    curl 'localhost:8000/items?tag=tools&sort=-price&limit=5&offset=0'
    TOKEN=$(curl -s -d 'username=alice&password=secret&scope=me items' localhost:8000/token | jq -r .access_token)
    curl -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
         -d '{"name": "gadget", "price": 3, "tags": ["tools"]}' localhost:8000/items

SQLAlchemy 2 (async) through ``genever.ext.sqlalchemy``: SQLite (aiosqlite) in
``examples/data/service.db`` by default, created on the first run; PostgreSQL
(asyncpg) when ``DATABASE_URL`` says so (``postgresql://user:pass@host/db``).
The engine and its pool are an app-scoped dependency, made at start-up after
the Alembic migrations in ``examples/migrations`` ran, and disposed of at
shutdown; each request gets a session that commits when the handler returns
and rolls back when it raises. Reads are public; writes need a bearer token
with the ``items`` scope from ``examples/jwt_auth.py`` (``POST /token``).
"""

from __future__ import annotations

import contextlib
from pathlib import Path as FilePath
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import Float, ForeignKey, String, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from examples.jwt_auth import User, get_current_active_user, login
from genever import APIRouter, Depends, Genever, HTTPException, Path, Query, Response, Security, metrics, tracing
from genever import logging as genever_logging
from genever.exceptions import ConfigurationError
from genever.ext.sqlalchemy import Database, Page, paginate

HERE = FilePath(__file__).parent

db = Database(default_url=f"sqlite:///{HERE / 'data' / 'service.db'}", migrations=HERE / "migrations")
Session = Annotated[AsyncSession, Depends(db.session, scope="function")]  # committed before the response
WriteSession = Annotated[AsyncSession, Depends(db.write_session, scope="function")]  # SQLite: the write lock first
Writer = Annotated[User, Security(get_current_active_user, scopes=["items"])]

app = Genever(title="Inventory", version="2.0.0", description="The genever example service, on SQLAlchemy.")


# -- tables (the schema itself is made by the migrations) -------------------------------------------


class Base(DeclarativeBase):
    pass


class TagRow(Base):
    __tablename__ = "item_tags"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)


class ItemRow(Base):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    price: Mapped[float] = mapped_column(Float, index=True)
    owner: Mapped[str] = mapped_column(String(64))
    tag_rows: Mapped[list[TagRow]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin", order_by=TagRow.tag
    )

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]

    def set_tags(self, tags: list[str]) -> None:
        """Keep the rows of the tags that stay, so that no (item, tag) row is deleted and inserted again.

        Tags are a set, kept in order (as they are read back)."""
        wanted = sorted(set(tags))
        kept = {row.tag: row for row in self.tag_rows if row.tag in wanted}
        self.tag_rows = [kept.get(tag) or TagRow(tag=tag) for tag in wanted]


# -- the API's models ----------------------------------------------------------------------------------

# what the columns hold: 32-bit ids (PostgreSQL's integer), text without NUL (PostgreSQL refuses it), finite prices
MAX_ID = 2**31 - 1
NO_NUL = r"^[^\x00]*$"
ItemId = Annotated[int, Path(ge=1, le=MAX_ID)]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=NO_NUL)]


class ItemIn(BaseModel):
    name: str = Field(min_length=1, max_length=64, pattern=NO_NUL)
    price: float = Field(gt=0, allow_inf_nan=False)
    tags: list[Tag] = Field(default_factory=list, max_length=10)


class ItemPatch(BaseModel):
    """The fields to change; those left out keep their value."""

    name: str | None = Field(default=None, min_length=1, max_length=64, pattern=NO_NUL)
    price: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    tags: list[Tag] | None = Field(default=None, max_length=10)


class Item(ItemIn):
    model_config = ConfigDict(from_attributes=True)

    id: int
    owner: str


class Message(BaseModel):
    detail: str


SORTS = {
    "id": ItemRow.id,
    "-id": ItemRow.id.desc(),
    "name": ItemRow.name,
    "-name": ItemRow.name.desc(),
    "price": ItemRow.price,
    "-price": ItemRow.price.desc(),
}


class ItemFilters(BaseModel):
    """The query of ``GET /items``: filters, the order, and the page."""

    tag: Tag | None = Field(default=None, description="Only items with this tag.")
    q: str | None = Field(
        default=None, max_length=64, pattern=NO_NUL, description="Only items whose name contains this (any case)."
    )
    min_price: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    max_price: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    sort: Literal["id", "-id", "name", "-name", "price", "-price"] = "id"
    limit: int = Field(default=10, ge=1, le=100)
    offset: int = Field(default=0, ge=0, le=MAX_ID)


# -- the routes -----------------------------------------------------------------------------------------

NOT_FOUND = {404: {"model": Message, "description": "No such item"}}
WRITE = {
    401: {"model": Message, "description": "Missing, wrong or expired token, or no `items` scope"},
    409: {"model": Message, "description": "An item with that name exists"},
}

items = APIRouter(prefix="/items", tags=["items"])


async def _get_row(session: AsyncSession, item_id: int, for_update: bool = False) -> ItemRow:
    # for_update: the row stays locked until the commit (PostgreSQL), so concurrent changes queue
    row = await session.get(ItemRow, item_id, with_for_update=for_update)
    if row is None:
        raise HTTPException(status_code=404, detail="Item not found")
    return row


async def _flush(session: AsyncSession, name: str) -> None:
    try:
        await session.flush()
    except IntegrityError:
        # the session dependency rolls the transaction back when this leaves the handler
        raise HTTPException(status_code=409, detail=f"an item named {name!r} exists") from None


@items.get("")
async def list_items(filters: Annotated[ItemFilters, Query()], session: Session) -> Page[Item]:
    """List items: filter by tag, name and price, sort, and page with `limit`/`offset` (`total` counts all)."""
    statement = select(ItemRow)
    if filters.tag is not None:
        statement = statement.where(ItemRow.tag_rows.any(TagRow.tag == filters.tag))
    if filters.q:
        statement = statement.where(func.lower(ItemRow.name).contains(filters.q.lower(), autoescape=True))
    if filters.min_price is not None:
        statement = statement.where(ItemRow.price >= filters.min_price)
    if filters.max_price is not None:
        statement = statement.where(ItemRow.price <= filters.max_price)
    statement = statement.order_by(SORTS[filters.sort], ItemRow.id)
    rows, total = await paginate(session, statement, limit=filters.limit, offset=filters.offset)
    return Page[Item](
        items=[Item.model_validate(row) for row in rows], total=total, limit=filters.limit, offset=filters.offset
    )


@items.get("/{item_id}", responses=NOT_FOUND)
async def read_item(item_id: ItemId, session: Session) -> Item:
    """Read one item."""
    return Item.model_validate(await _get_row(session, item_id))


@items.post("", status_code=201, responses=WRITE)
async def create_item(data: ItemIn, user: Writer, session: WriteSession) -> Item:
    """Create an item (needs a token with the `items` scope)."""
    row = ItemRow(name=data.name, price=data.price, owner=user.username)
    row.set_tags(data.tags)
    session.add(row)
    await _flush(session, data.name)
    return Item.model_validate(row)


@items.patch("/{item_id}", responses={**NOT_FOUND, **WRITE})
async def update_item(
    item_id: ItemId, data: ItemPatch, user: Writer, session: WriteSession
) -> Item:
    """Change some fields of an item (needs a token with the `items` scope)."""
    row = await _get_row(session, item_id, for_update=True)
    if data.name is not None:
        row.name = data.name
    if data.price is not None:
        row.price = data.price
    if data.tags is not None:
        row.set_tags(data.tags)
    await _flush(session, row.name)
    return Item.model_validate(row)


@items.delete("/{item_id}", status_code=204, responses={**NOT_FOUND, 401: WRITE[401]})
async def delete_item(item_id: ItemId, user: Writer, session: WriteSession) -> Response:
    """Delete an item (needs a token with the `items` scope)."""
    await session.delete(await _get_row(session, item_id, for_update=True))
    return Response(status_code=204)


app.include_router(items)
# the OAuth2 password flow of examples/jwt_auth.py
app.post("/token", tags=["auth"], responses={400: {"model": Message, "description": "Wrong username or password"}})(
    login
)


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


# Observability: Prometheus metrics at /metrics, a request id in every log record and an access
# log, /healthz and /readyz for probes (ready while the database answers), OpenTelemetry spans
# when genever[otel] is installed.
metrics.instrument(app)
genever_logging.instrument(app)
app.add_health_routes().add_check("database", db.ping)
with contextlib.suppress(ConfigurationError):
    tracing.instrument(app)


__all__ = ["Base", "Item", "ItemIn", "ItemRow", "app", "db"]
