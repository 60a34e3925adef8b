"""FastAPI's "custom Request and APIRoute class" example, written once for FastAPI and
genever: a route class whose handler rebuilds the request as ``GzipRequest(request.scope,
request.receive)``. The differential tests build both; the real-server tests serve genever's."""


import gzip
from collections.abc import Callable
from types import ModuleType
from typing import Annotated, Any

import genever
import genever.routing


def build(framework: ModuleType) -> Any:
    class GzipRequest(framework.Request):  # type: ignore[name-defined,misc]
        async def body(self) -> bytes:
            if not hasattr(self, "_body"):
                body = await super().body()
                if "gzip" in self.headers.getlist("Content-Encoding"):
                    body = gzip.decompress(body)
                self._body = body
            return self._body  # type: ignore[no-any-return]

    class GzipRoute(framework.routing.APIRoute):  # type: ignore[name-defined,misc]
        def get_route_handler(self) -> Callable[..., Any]:
            original = super().get_route_handler()

            async def handler(request: Any) -> Any:
                return await original(GzipRequest(request.scope, request.receive))

            return handler  # type: ignore[no-any-return]

    app = framework.FastAPI() if hasattr(framework, "FastAPI") else framework.Genever()
    app.router.route_class = GzipRoute

    @app.post("/sum/{scale}")
    async def sum_numbers(scale: int, numbers: Annotated[list[int], framework.Body()]) -> dict[str, Any]:
        return {"sum": sum(numbers) * scale}

    @app.get("/class")
    async def request_class(request: framework.Request) -> dict[str, Any]:  # type: ignore[name-defined]
        return {"class": type(request).__name__, "path": request.url.path}

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


app = build(genever)
