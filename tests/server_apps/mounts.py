"""An app with mounts (``StaticFiles``, a Starlette router), written once for FastAPI
and genever: the differential tests build both, the real-server tests serve genever's.
Their 404 and 405 go through the app's exception handlers (FastAPI's JSON)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route, Router

import genever
import genever.staticfiles

FILES = Path(__file__).parent


async def hello(request: Request) -> PlainTextResponse:
    return PlainTextResponse("hello")


def build(framework: ModuleType, static_files: type) -> Any:
    """``build(fastapi, fastapi.staticfiles.StaticFiles)`` or ``build(genever, genever.staticfiles.StaticFiles)``."""
    app = framework.FastAPI() if hasattr(framework, "FastAPI") else framework.Genever()
    app.mount("/static", static_files(directory=FILES), name="static")
    app.mount("/site", static_files(directory=FILES, html=True))
    app.mount("/router", Router(routes=[Route("/hello", hello)]))

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


app = build(genever, genever.staticfiles.StaticFiles)
