"""Apps for the middleware benchmark (``bench_middleware.py``): the same /json route
with no middleware, behind CORS + request-id middleware for the whole app, and
(genever only, FastAPI has no equivalent) behind the same two in a route group.

    BENCH_MW=none|app|group genever run benchmarks.middleware_apps:genever_app
    BENCH_MW=none|app uvicorn benchmarks.middleware_apps:fastapi_app
"""

import os
import uuid
from typing import Any

MODE = os.environ.get("BENCH_MW", "none")
ORIGINS = ["https://app.example"]


def _genever() -> Any:
    from genever import APIRouter, Genever
    from genever.middleware import Middleware
    from genever.middleware.cors import CORSMiddleware
    from genever.middleware.requestid import RequestIDMiddleware

    stack = [Middleware(CORSMiddleware, allow_origins=ORIGINS), Middleware(RequestIDMiddleware)]
    app = Genever(middleware=stack if MODE == "app" else None, openapi_url=None)
    group = APIRouter(middleware=stack if MODE == "group" else None)

    @group.get("/json")
    async def json_() -> dict[str, str]:
        return {"message": "Hello, World!"}

    app.include_router(group)
    return app


def _fastapi() -> Any:
    from fastapi import FastAPI, Request
    from fastapi.middleware.cors import CORSMiddleware

    app = FastAPI(openapi_url=None)
    if MODE == "app":
        # the request-id middleware as FastAPI's docs write middleware: @app.middleware("http")
        @app.middleware("http")
        async def request_id(request: Request, call_next: Any) -> Any:
            rid = request.headers.get("x-request-id") or uuid.uuid4().hex
            response = await call_next(request)
            response.headers["x-request-id"] = rid
            return response

        app.add_middleware(CORSMiddleware, allow_origins=ORIGINS)

    @app.get("/json")
    async def json_() -> dict[str, str]:
        return {"message": "Hello, World!"}

    return app


def __getattr__(name: str) -> Any:
    # each framework's app is built only when its server imports it (they run in different venvs)
    if name == "genever_app":
        return _genever()
    if name == "fastapi_app":
        return _fastapi()
    raise AttributeError(name)
