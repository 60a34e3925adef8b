"""Lifespan, differential: the app's and its included routers' start-up and shutdown (``lifespan=``
and the deprecated ``on_event``) run in the same order under FastAPI and genever, and the states
their lifespans yield reach ``request.state`` merged."""

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import fastapi
import fastapi.testclient
import pytest

import genever
import genever.testclient


def build(fw: Any, log: list[str]) -> Any:
    def lifespan(name: str) -> Any:
        @contextlib.asynccontextmanager
        async def span(app: Any) -> AsyncIterator[dict[str, str]]:
            log.append(f"{name}-start")
            yield {name: "ready"}
            log.append(f"{name}-stop")

        return span

    app = (getattr(fw, "Genever", None) or fw.FastAPI)(lifespan=lifespan("app"))
    router = fw.APIRouter(lifespan=lifespan("router"))
    sub = fw.APIRouter(lifespan=lifespan("sub"))

    @router.get("/state")
    def state(request: fw.Request) -> dict[str, str]:
        return {key: getattr(request.state, key) for key in ("app", "router", "sub")}

    router.include_router(sub)
    app.include_router(router)
    return app


@pytest.mark.filterwarnings(r"ignore:\s*on_event is deprecated")
def test_same_order_and_state() -> None:
    results = []
    for fw, client_cls in ((fastapi, fastapi.testclient.TestClient), (genever, genever.testclient.TestClient)):
        log: list[str] = []
        with client_cls(build(fw, log)) as client:
            answer = client.get("/state").json()
        results.append((answer, log))
    assert results[1] == results[0]
    assert results[1][0] == {"app": "ready", "router": "ready", "sub": "ready"}


@pytest.mark.filterwarnings(r"ignore:\s*on_event is deprecated")
def test_routers_on_event_handlers_run_once() -> None:
    """A router's on_event handlers reach the app through include_router and run once each.
    FastAPI 0.165 runs them once per level of include_router plus once (twice for a router
    included in the app, three times for a sub-router), so this is not compared with it."""
    log: list[str] = []
    app, router, sub = genever.Genever(), genever.APIRouter(), genever.APIRouter()
    sub.on_event("startup")(lambda: log.append("sub-startup"))
    router.on_event("shutdown")(lambda: log.append("router-shutdown"))
    router.include_router(sub)
    app.include_router(router)
    with genever.testclient.TestClient(app):
        assert log == ["sub-startup"]
    assert log == ["sub-startup", "router-shutdown"]


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_a_bare_generator_function_is_a_lifespan(kind: str) -> None:
    """``lifespan=`` given a generator function without ``@asynccontextmanager``: FastAPI 0.165 takes it."""

    def run(fw: Any, client_module: Any) -> list[str]:
        log: list[str] = []

        async def async_span(app: Any) -> AsyncIterator[dict[str, str]]:
            log.append("start")
            yield {"db": "ready"}
            log.append("stop")

        def sync_span(app: Any) -> Any:
            log.append("start")
            yield {"db": "ready"}
            log.append("stop")

        app = (getattr(fw, "Genever", None) or fw.FastAPI)(lifespan=async_span if kind == "async" else sync_span)

        @app.get("/")
        def read(request: fw.Request) -> str:
            return str(request.state.db)

        with client_module.TestClient(app) as client:
            log.append(client.get("/").json())
        return log

    assert run(genever, genever.testclient) == run(fastapi, fastapi.testclient) == ["start", "ready", "stop"]
