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

A check may take the app's app-scoped dependencies, as a handler does (they
are checked when the check is added, and made on first use if the app has not
made them yet)::

    @health.check("database")
    async def database(pool: Annotated[Pool, Depends(get_pool, scope="app")]) -> None:
        async with pool.acquire() as connection:
            await connection.execute("SELECT 1")

``genever.ext.sqlalchemy``'s ``Database.ping`` is such a check.

Checks run concurrently, each bounded by its timeout; a plain ``def`` check
runs in the thread pool. The drain starts when the app's shutdown starts, or
earlier when a server's SIGTERM handler (or anything that knows the process
is about to stop) calls ``genever.health.begin_drain()``.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from .concurrency import run_in_threadpool
from .exceptions import ConfigurationError
from .params import Depends
from .responses import JSONResponse, Response

Check = Callable[..., Any]
Arguments = Callable[[], Awaitable[dict[str, Any]]]
# given a check that takes parameters and its label: what makes its arguments (the app's app-scoped values)
Prepare = Callable[[Check, str], Arguments]

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

    def __init__(self, timeout: float, prepare: Prepare | None = None) -> None:
        self.timeout = timeout
        self.checks: dict[str, tuple[Check, float, Arguments | None]] = {}
        self.shutting_down = False
        self._prepare = prepare

    def add_check(self, name: str, check: Check, *, timeout: float | None = None) -> None:
        """Readiness depends on ``check()`` (sync or async): it fails by raising or returning False.

        ``check`` may take app-scoped dependencies (``Depends(..., scope="app")``) and nothing else."""
        if name in self.checks:
            raise ValueError(f"a readiness check named {name!r} is already registered")
        try:  # a parameter with a plain default is left to it (as before checks could take values)
            parameters = inspect.signature(check).parameters.values()
            takes = any(p.default is p.empty or isinstance(p.default, Depends) for p in parameters)
        except (TypeError, ValueError):  # a callable without a signature takes nothing
            takes = False
        arguments = None
        if takes:
            if self._prepare is None:
                raise ConfigurationError(f"readiness check {name!r}: {check!r} takes parameters, but no app gives them")
            arguments = self._prepare(check, f"readiness check {name!r}")
        self.checks[name] = (check, self.timeout if timeout is None else timeout, arguments)

    def check(self, name: str, *, timeout: float | None = None) -> Callable[[Check], Check]:
        """Decorator form of ``add_check``."""

        def decorator(func: Check) -> Check:
            self.add_check(name, func, timeout=timeout)
            return func

        return decorator

    async def _run(self, check: Check, timeout: float, arguments: Arguments | None) -> str:
        async def call() -> Any:
            kwargs = {} if arguments is None else await arguments()
            if inspect.iscoroutinefunction(check):
                return await check(**kwargs)
            return await run_in_threadpool(check, **kwargs)

        try:
            result = await asyncio.wait_for(call(), timeout)
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
    health = Health(timeout, getattr(app, "_outside_request", None))

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
