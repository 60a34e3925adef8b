"""Liveness and readiness routes: ``app.add_health_routes()``.

``GET /healthz`` (liveness) answers 200 while the process can answer at all.
``GET /readyz`` (readiness) answers 200 when every registered check passes,
503 when one fails or takes longer than its timeout, and 503 once the
process has begun to drain (its shutdown started), so a load balancer stops
sending it new work while the requests it has finish::

    health = app.add_health_routes()

    @health.check("database")
    async def database() -> None:
        await pool.execute("SELECT 1")       # raise (or return False) when not ready

Checks run concurrently, each bounded by its timeout; a plain ``def`` check
runs in the thread pool. The drain starts when the app's shutdown starts, or
earlier when a server's SIGTERM handler (or anything that knows the process
is about to stop) calls ``genever.health.begin_drain()``.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

from .concurrency import run_in_threadpool
from .responses import JSONResponse, Response

Check = Callable[[], Any]

_draining = False


def begin_drain() -> None:
    """Mark this process as draining: every readiness route answers 503 from now on."""
    global _draining
    _draining = True


def draining() -> bool:
    """Whether this process has begun to drain."""
    return _draining


def _reset_drain() -> None:  # for tests, which run many apps in one process
    global _draining
    _draining = False


class Health:
    """The readiness checks of an app; made by ``app.add_health_routes()``."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.checks: dict[str, tuple[Check, float]] = {}
        self.shutting_down = False

    def add_check(self, name: str, check: Check, *, timeout: float | None = None) -> None:
        """Readiness depends on ``check()`` (sync or async): it fails by raising or returning False."""
        if name in self.checks:
            raise ValueError(f"a readiness check named {name!r} is already registered")
        self.checks[name] = (check, self.timeout if timeout is None else timeout)

    def check(self, name: str, *, timeout: float | None = None) -> Callable[[Check], Check]:
        """Decorator form of ``add_check``."""

        def decorator(func: Check) -> Check:
            self.add_check(name, func, timeout=timeout)
            return func

        return decorator

    async def _run(self, check: Check, timeout: float) -> str:
        try:
            if inspect.iscoroutinefunction(check):
                result = await asyncio.wait_for(check(), timeout)
            else:
                result = await asyncio.wait_for(run_in_threadpool(check), timeout)
        except TimeoutError:
            return f"failed: no answer within {timeout:g}s"
        except Exception as exc:
            return f"failed: {type(exc).__name__}: {exc}"
        return "failed: returned False" if result is False else "ok"

    async def readiness(self) -> Response:
        if _draining or self.shutting_down:
            return JSONResponse({"status": "draining"}, status_code=503)
        names = list(self.checks)
        results = await asyncio.gather(*(self._run(*self.checks[name]) for name in names))
        checks = dict(zip(names, results, strict=True))
        ready = all(result == "ok" for result in results)
        body = {"status": "ready" if ready else "not ready", "checks": checks}
        return JSONResponse(body, status_code=200 if ready else 503)

    async def liveness(self) -> Response:
        return JSONResponse({"status": "alive"})


def add_health_routes(
    app: Any, *, liveness: str | None = "/healthz", readiness: str | None = "/readyz", timeout: float = 1.0
) -> Health:
    """Serve ``liveness`` and ``readiness`` on ``app`` (None leaves one out); ``timeout`` bounds each check."""
    health = Health(timeout)

    def shutdown_started() -> None:
        health.shutting_down = True

    def started() -> None:
        health.shutting_down = False

    app.on_startup.append(started)
    app.on_shutdown.insert(0, shutdown_started)
    if liveness is not None:
        app.add_api_route(liveness, health.liveness, methods=["GET"], include_in_schema=False, name="liveness")
    if readiness is not None:
        app.add_api_route(readiness, health.readiness, methods=["GET"], include_in_schema=False, name="readiness")
    return health


__all__ = ["Health", "add_health_routes", "begin_drain", "draining"]
