"""The example service: a small inventory API written the FastAPI way.

    genever run examples.service:app --port 8000
    curl localhost:8000/items/1
"""

from __future__ import annotations

import contextlib
from typing import Annotated

from pydantic import BaseModel, Field

from genever import APIRouter, Depends, Genever, Header, HTTPException, Path, Query, metrics, tracing
from genever import logging as genever_logging
from genever.exceptions import ConfigurationError

app = Genever(title="Inventory", version="1.0.0", description="The genever example service.")


class ItemIn(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    price: float = Field(gt=0)
    tags: list[str] = Field(default_factory=list, max_length=10)


class Item(ItemIn):
    id: int


class Message(BaseModel):
    detail: str


class Store:
    """An in-memory store, one per process."""

    def __init__(self) -> None:
        self.items: dict[int, Item] = {1: Item(id=1, name="widget", price=9.5, tags=["tools"])}

    def add(self, data: ItemIn) -> Item:
        item = Item(id=max(self.items, default=0) + 1, **data.model_dump())
        self.items[item.id] = item
        return item


STORE = Store()


def get_store() -> Store:
    return STORE


def require_token(x_token: Annotated[str, Header()]) -> str:
    if x_token != "secret":
        raise HTTPException(status_code=401, detail="invalid token", headers={"WWW-Authenticate": "Token"})
    return x_token


items = APIRouter(prefix="/items", tags=["items"])


@items.get("", response_model=list[Item])
async def list_items(
    store: Annotated[Store, Depends(get_store)],
    tag: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> list[Item]:
    """List items, optionally only those with a tag."""
    found = [item for item in store.items.values() if tag is None or tag in item.tags]
    return found[:limit]


@items.get("/{item_id}", responses={404: {"model": Message, "description": "No such item"}})
async def read_item(item_id: Annotated[int, Path(ge=1)], store: Annotated[Store, Depends(get_store)]) -> Item:
    """Read one item."""
    item = store.items.get(item_id)
    if item is None:
        raise HTTPException(status_code=404, detail="Item not found")
    return item


@items.post(
    "",
    status_code=201,
    dependencies=[Depends(require_token)],
    responses={401: {"model": Message, "description": "Missing or wrong token"}},
)
async def create_item(data: ItemIn, store: Annotated[Store, Depends(get_store)]) -> Item:
    """Create an item (needs the `X-Token: secret` header)."""
    return store.add(data)


app.include_router(items)


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


# Observability: Prometheus metrics at /metrics, a request id in every log record and an access
# log, /healthz and /readyz for probes, OpenTelemetry spans when genever[otel] is installed.
metrics.instrument(app)
genever_logging.instrument(app)
app.add_health_routes()
with contextlib.suppress(ConfigurationError):
    tracing.instrument(app)
