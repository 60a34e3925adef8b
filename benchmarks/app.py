"""The reference API (../shared/bench/SPEC.md) written the FastAPI way, in genever.

It is ``../shared/bench/apps/fastapi_app.py`` with the imports changed, except
that the models of /items and /list are ``msgspec.Struct``s (genever validates
and encodes them natively, with FastAPI's 422 format) instead of pydantic
models; ``benchmarks/app_pydantic.py`` is the unchanged pydantic version, and
``benchmarks/run.sh`` measures both.

    genever run benchmarks.app:app            # Granian, RSGI
    uvicorn benchmarks.app:app                # any ASGI server
"""

from typing import Annotated

import msgspec

from genever import Depends, Genever, Header, HTTPException, Path, Query
from genever.responses import PlainTextResponse

app = Genever()


class Dims(msgspec.Struct):
    w: float
    h: float


class Item(msgspec.Struct):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    price: Annotated[float, msgspec.Meta(gt=0)]
    dims: Dims
    tags: Annotated[list[str], msgspec.Meta(max_length=10)] = []


class ItemOut(msgspec.Struct):
    name: str
    price: float
    tags: list[str]
    dims: Dims
    id: int


class ListItem(msgspec.Struct):
    id: int
    name: str
    price: float
    tags: list[str]


class Settings:
    token = "secret"


class Session:
    def __init__(self) -> None:
        self.open = True

    def close(self) -> None:
        self.open = False


def get_settings() -> Settings:
    return Settings()


async def get_db(settings: Annotated[Settings, Depends(get_settings)]):  # type: ignore[no-untyped-def]
    db = Session()
    try:
        yield db
    finally:
        db.close()


async def current_user(
    x_token: Annotated[str, Header()],
    db: Annotated[Session, Depends(get_db)],
    settings: Annotated[Settings, Depends(get_settings)],
) -> str:
    if x_token != settings.token:
        raise HTTPException(status_code=401, detail="invalid token")
    return "alice"


@app.get("/plaintext", response_class=PlainTextResponse)
async def plaintext() -> str:
    return "Hello, World!"


@app.get("/json")
async def json_() -> dict:  # type: ignore[type-arg]
    return {"message": "Hello, World!"}


@app.get("/users/{user_id}")
async def read_user(user_id: Annotated[int, Path(ge=1)], verbose: bool = False) -> dict:  # type: ignore[type-arg]
    return {"id": user_id, "name": f"user-{user_id}", "verbose": verbose}


@app.post("/items", status_code=201, response_model=ItemOut)
async def create_item(item: Item) -> ItemOut:
    return ItemOut(name=item.name, price=item.price, tags=item.tags, dims=item.dims, id=1)


@app.get("/deps")
async def deps(
    user: Annotated[str, Depends(current_user)],
    db: Annotated[Session, Depends(get_db)],
) -> dict:  # type: ignore[type-arg]
    return {"user": user, "db": "open" if db.open else "closed"}


@app.get("/list", response_model=list[ListItem])
async def list_items(n: Annotated[int, Query(ge=0, le=10000)] = 100) -> list[ListItem]:
    return [ListItem(id=i, name=f"item-{i}", price=i * 1.5, tags=["a", "b"]) for i in range(n)]
