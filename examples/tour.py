"""The README's tour, as a runnable module (tests/examples/test_tour.py checks it)."""

from typing import Annotated

from pydantic import BaseModel, Field

from genever import Genever, HTTPException, Path, Query

app = Genever(title="Shop")


class Item(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    price: float = Field(gt=0)


@app.get("/")
async def hello() -> dict[str, str]:
    return {"message": "Hello, World!"}


@app.get("/items/{item_id}")
async def read_item(
    item_id: Annotated[int, Path(ge=1)], q: str | None = None, limit: Annotated[int, Query(le=100)] = 10
) -> dict[str, object]:
    if item_id == 404:
        raise HTTPException(status_code=404, detail="Item not found")
    return {"item_id": item_id, "q": q, "limit": limit}


@app.post("/items", status_code=201)
async def create_item(item: Item) -> Item:
    return item
