"""An app for the real-server tests of ``Depends(..., max_concurrency=N)``: each limited
dependency records how many of its calls run at once; ``/peak`` reports the most seen."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from genever import Depends, Genever

app = Genever()
_lock = threading.Lock()
_active = {"async": 0, "sync_gen": 0, "free": 0}
_peak = dict.fromkeys(_active, 0)


def _enter(name: str) -> None:
    with _lock:
        _active[name] += 1
        _peak[name] = max(_peak[name], _active[name])


def _exit(name: str) -> None:
    with _lock:
        _active[name] -= 1


async def limited_async() -> AsyncIterator[str]:
    _enter("async")
    try:
        await asyncio.sleep(0.2)
        yield "async"
    finally:
        _exit("async")


def limited_sync_gen() -> Iterator[str]:
    _enter("sync_gen")
    try:
        time.sleep(0.1)
        yield "sync_gen"
    finally:
        _exit("sync_gen")


async def unlimited() -> str:
    _enter("free")
    try:
        await asyncio.sleep(0.2)
        return "free"
    finally:
        _exit("free")


AsyncSlot = Annotated[str, Depends(limited_async, max_concurrency=2)]
SyncSlot = Annotated[str, Depends(limited_sync_gen, max_concurrency=1)]


@app.get("/health")
async def health() -> dict[str, bool]:
    return {"ok": True}


@app.get("/async")
async def read_async(value: AsyncSlot) -> str:
    await asyncio.sleep(0.02)  # held until the code after yield has run: the handler's time counts
    return value


@app.get("/also-async")
async def read_also_async(value: AsyncSlot) -> str:  # the same declaration: the same limit
    return value


@app.get("/sync")
def read_sync(value: SyncSlot) -> str:
    return value


@app.get("/free")
async def read_free(value: Annotated[str, Depends(unlimited)]) -> str:
    return value


@app.get("/peak")
async def peak() -> dict[str, int]:
    return dict(_peak)
