"""An app with every observability signal on, served by the real-server tests of
``tests/test_metrics.py`` (and the other observability tests)."""

from __future__ import annotations

import os

from genever import Genever, HTTPException, metrics

app = Genever(title="observed")


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/pid")
async def pid() -> dict[str, int]:
    return {"pid": os.getpid()}


@app.get("/items/{item_id}")
async def item(item_id: int) -> dict[str, int]:
    if item_id == 0:
        raise HTTPException(404, "no such item")
    return {"id": item_id}


@app.post("/echo")
async def echo(data: dict[str, object]) -> dict[str, object]:
    return data


@app.get("/fail")
async def fail() -> None:
    raise RuntimeError("boom")


metrics.instrument(app)
