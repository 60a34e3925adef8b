"""RequestTimeoutMiddleware and ConcurrencyLimitMiddleware in process, on both adapters
(tests/test_run.py has them on Granian through genever run and on uvicorn)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import pytest

from genever import Depends, Genever
from genever.middleware.concurrency import ConcurrencyLimitMiddleware
from genever.middleware.timeout import RequestTimeoutMiddleware

events: list[str] = []


async def resource() -> AsyncIterator[str]:
    events.append("open")
    try:
        yield "r"
    finally:
        events.append("closed")


def sync_resource() -> Iterator[str]:
    try:
        yield "s"
    finally:
        events.append("sync closed")


def test_the_timeout_answers_504_and_runs_the_clean_up(client_factory: Any) -> None:
    events.clear()
    app = Genever()

    @app.get("/slow")
    async def slow(r: Annotated[str, Depends(resource)], s: Annotated[str, Depends(sync_resource)]) -> dict[str, str]:
        await asyncio.sleep(5)
        events.append("finished")
        return {"r": r}

    @app.get("/fast")
    async def fast() -> dict[str, bool]:
        return {"ok": True}

    app.add_middleware(RequestTimeoutMiddleware, 0.2)
    client = client_factory(app)
    started = time.monotonic()
    response = client.get("/slow")
    assert (response.status_code, response.json()) == (504, {"detail": "Request timed out"})
    assert time.monotonic() - started < 3
    assert sorted(events) == ["closed", "open", "sync closed"]
    assert client.get("/fast").json() == {"ok": True}


def test_the_concurrency_cap_refuses_the_excess(client_factory: Any) -> None:
    app = Genever()
    gate = {"open": False}

    @app.get("/wait")
    async def wait() -> dict[str, bool]:
        while not gate["open"]:
            await asyncio.sleep(0.01)
        return {"ok": True}

    cap = ConcurrencyLimitMiddleware(1)
    app.add_middleware(lambda request, call_next: cap(request, call_next))
    client = client_factory(app)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        first = pool.submit(client.get, "/wait")
        deadline = time.monotonic() + 5
        while cap.in_flight == 0:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        refused = client.get("/wait")
        gate["open"] = True
        assert first.result().status_code == 200
    assert (refused.status_code, refused.headers["retry-after"]) == (503, "1")
    assert cap.in_flight == 0
    assert client.get("/wait").status_code == 200


@pytest.mark.parametrize(
    ("cls", "args", "message"),
    [(RequestTimeoutMiddleware, (0,), "must be positive"), (RequestTimeoutMiddleware, (1, 500), "503 or 504"),
     (ConcurrencyLimitMiddleware, (0,), "at least 1")],
)
def test_bad_settings_fail_at_startup(cls: Any, args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cls(*args)
