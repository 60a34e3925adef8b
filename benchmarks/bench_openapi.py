"""Startup cost of the OpenAPI document: build it for an app of 200 routes.

    .venv/bin/python benchmarks/bench_openapi.py

It is generated once (then cached on the app), so this is a startup cost,
not a per-request one. Prints the time of a cold build and of a cached call.
"""

import time
from typing import Annotated

from pydantic import BaseModel, Field

from genever import Depends, Genever, Header, Path, Query


def build(routes: int = 200) -> Genever:
    app = Genever()
    for i in range(routes // 4):
        item = type(f"Item{i}", (BaseModel,), {"__annotations__": {"name": str, "price": float, "tags": list[str]},
                                                "tags": Field(default_factory=list)})

        def dep(x_token: Annotated[str, Header()]) -> str:
            return x_token

        async def read(item_id: Annotated[int, Path(ge=1)], q: str | None = None,
                       limit: Annotated[int, Query(le=100)] = 10) -> dict[str, int]:
            return {"id": item_id}

        async def create(item: item, token: Annotated[str, Depends(dep)]) -> item:  # type: ignore[valid-type]
            return item

        async def listing(offset: int = 0) -> list[item]:  # type: ignore[valid-type]
            return []

        async def delete(item_id: int) -> None:
            return None

        app.add_api_route(f"/r{i}/items/{{item_id}}", read, methods=["GET"], name=f"read_{i}")
        app.add_api_route(f"/r{i}/items", create, methods=["POST"], name=f"create_{i}")
        app.add_api_route(f"/r{i}/list", listing, methods=["GET"], name=f"list_{i}")
        app.add_api_route(f"/r{i}/items/{{item_id}}", delete, methods=["DELETE"], name=f"delete_{i}")
    return app


if __name__ == "__main__":
    app = build()
    count = sum(1 for r in app.routes if getattr(r, "include_in_schema", False))
    start = time.perf_counter()
    document = app.openapi()
    cold = time.perf_counter() - start
    start = time.perf_counter()
    app.openapi()
    cached = time.perf_counter() - start
    print(f"{count} routes, {len(document['paths'])} paths, {len(document['components']['schemas'])} schemas: "
          f"built in {cold * 1000:.0f} ms, cached call {cached * 1e6:.1f} us")
