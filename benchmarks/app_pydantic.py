"""The reference API (../shared/bench/SPEC.md): ``../shared/bench/apps/fastapi_app.py``
with only its imports changed (pydantic models everywhere), measured beside
``benchmarks/app.py`` (msgspec Structs for the body and list models) to show
what the model library costs.

    genever run benchmarks.app_pydantic:app
"""
from typing import Annotated

from pydantic import BaseModel, Field

from genever import Depends, FastAPI, Header, HTTPException, Path, Query
from genever.responses import PlainTextResponse

app = FastAPI()


class Dims(BaseModel):
    w: float
    h: float


class Item(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    price: float = Field(gt=0)
    tags: list[str] = Field(default_factory=list, max_length=10)
    dims: Dims


class ItemOut(Item):
    id: int


class ListItem(BaseModel):
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


async def get_db(settings: Annotated[Settings, Depends(get_settings)]):
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
async def json_() -> dict:
    return {"message": "Hello, World!"}


@app.get("/users/{user_id}")
async def read_user(user_id: Annotated[int, Path(ge=1)], verbose: bool = False) -> dict:
    return {"id": user_id, "name": f"user-{user_id}", "verbose": verbose}


@app.post("/items", status_code=201, response_model=ItemOut)
async def create_item(item: Item) -> ItemOut:
    return ItemOut(id=1, **item.model_dump())


@app.get("/deps")
async def deps(
    user: Annotated[str, Depends(current_user)],
    db: Annotated[Session, Depends(get_db)],
) -> dict:
    return {"user": user, "db": "open" if db.open else "closed"}


@app.get("/list", response_model=list[ListItem])
async def list_items(n: Annotated[int, Query(ge=0, le=10000)] = 100) -> list[ListItem]:
    return [ListItem(id=i, name=f"item-{i}", price=i * 1.5, tags=["a", "b"]) for i in range(n)]
