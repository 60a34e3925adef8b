"""An app with frontends (``app.frontend(...)``), written once for FastAPI and genever: the
differential tests build both, the real-server tests serve genever's."""

from pathlib import Path
from types import ModuleType
from typing import Any

import genever

HERE = Path(__file__).parent


def build(framework: ModuleType) -> Any:
    def require_token(request: framework.Request) -> None:  # type: ignore[name-defined]
        if request.headers.get("x-token") == "no":
            raise framework.HTTPException(status_code=401)

    app = framework.FastAPI() if hasattr(framework, "FastAPI") else framework.Genever()

    @app.get("/api/items")
    def items() -> list[int]:
        return [1, 2]

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    app.frontend("/", directory=HERE / "dist")
    site = framework.APIRouter(prefix="/site", dependencies=[framework.Depends(require_token)])
    site.frontend("/", directory=HERE / "site")
    app.include_router(site)
    return app


app = build(genever)
