"""The thread pool behind plain ``def`` handlers and dependencies: FastAPI's semantics (results
and exceptions come back, context variables travel, blocking calls do not block the loop, at most
``limit`` threads run at once), with the batched way back under load."""

import asyncio
import contextvars
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from genever import concurrency
from genever.concurrency import iterate_in_threadpool, run_in_threadpool

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


def test_results_exceptions_and_context_come_back() -> None:
    def work(n: int, *, factor: int) -> tuple[int, str, str]:
        return n * factor, REQUEST_ID.get(), threading.current_thread().name

    def fail() -> None:
        raise KeyError("missing")

    async def scenario() -> None:
        REQUEST_ID.set("req-7")
        value, seen, thread = await run_in_threadpool(work, 6, factor=7)
        assert (value, seen) == (42, "req-7")
        assert thread != threading.current_thread().name  # not on the loop's thread
        with pytest.raises(KeyError, match="missing"):
            await run_in_threadpool(fail)

    asyncio.run(scenario())


def test_many_concurrent_calls_each_get_their_own_answer() -> None:
    async def scenario() -> list[int]:
        return list(await asyncio.gather(*(run_in_threadpool(lambda i=i: i * i) for i in range(500))))

    assert asyncio.run(scenario()) == [i * i for i in range(500)]


def test_blocking_calls_do_not_block_the_loop() -> None:
    async def scenario() -> tuple[int, float]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.005)
                ticks += 1

        task = asyncio.ensure_future(ticker())
        started = time.perf_counter()
        await asyncio.gather(*(run_in_threadpool(time.sleep, 0.2) for _ in range(4)))
        elapsed = time.perf_counter() - started
        task.cancel()
        return ticks, elapsed

    ticks, elapsed = asyncio.run(scenario())
    assert ticks >= 10  # the loop kept running while four threads slept
    assert elapsed < 0.7  # the four sleeps overlapped


def test_at_most_limit_threads_run_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(concurrency, "_pool", concurrency._Pool(3))
    running = peak = 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.02)
        with lock:
            running -= 1

    async def scenario() -> None:
        await asyncio.gather(*(run_in_threadpool(work) for _ in range(12)))

    asyncio.run(scenario())
    assert peak == 3


def test_a_cancelled_call_does_not_disturb_the_others() -> None:
    async def scenario() -> Any:
        slow = asyncio.ensure_future(run_in_threadpool(time.sleep, 0.1))
        await asyncio.sleep(0.01)
        slow.cancel()
        return await run_in_threadpool(lambda: "after")

    assert asyncio.run(scenario()) == "after"


def test_iterate_in_threadpool_and_stop_iteration() -> None:
    def numbers() -> Iterator[int]:
        yield from range(3)

    async def scenario() -> list[int]:
        with pytest.raises(RuntimeError, match="StopIteration"):  # a bare next() past the end
            await run_in_threadpool(next, iter([]))
        return [n async for n in iterate_in_threadpool(numbers())]

    assert asyncio.run(scenario()) == [0, 1, 2]


def test_the_pool_still_grows_after_a_loop_closed_with_its_watch_pending(monkeypatch: pytest.MonkeyPatch) -> None:
    """A watch timer dies with its loop (asyncio.run, a test client): the next loop must start its own."""
    pool = concurrency._Pool(8)
    monkeypatch.setattr(concurrency, "_pool", pool)

    async def quick() -> None:
        await asyncio.gather(run_in_threadpool(lambda: 1), run_in_threadpool(lambda: 2))

    asyncio.run(quick())
    assert pool.watching is None or pool.watching.is_closed()

    async def burst() -> float:
        started = time.perf_counter()
        await asyncio.gather(*(run_in_threadpool(time.sleep, 0.2) for _ in range(4)))
        return time.perf_counter() - started

    assert asyncio.run(burst()) < 0.7  # the four sleeps overlapped: the pool grew
