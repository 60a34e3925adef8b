"""An app served under a root path (behind a proxy, or mounted in another app), written once
for FastAPI and genever: templates build links with ``url_for(...)`` and ``url_for(...).path``.
The differential tests build both; the real-server test serves genever's under uvicorn's
``--root-path``."""

from pathlib import Path
from types import ModuleType
from typing import Any

import genever
import genever.staticfiles
import genever.templating

HERE = Path(__file__).parent


def build(framework: ModuleType, staticfiles: ModuleType, templating: ModuleType) -> Any:
    app = framework.FastAPI() if hasattr(framework, "FastAPI") else framework.Genever()
    app.mount("/static", staticfiles.StaticFiles(directory=HERE / "templates"), name="static")
    templates = templating.Jinja2Templates(directory=HERE / "templates")

    @app.get("/items/{id}", response_class=framework.responses.HTMLResponse)
    async def read_item(request: framework.Request, id: str) -> Any:
        return templates.TemplateResponse(request=request, name="links.html", context={"id": id})

    @app.get("/where")
    def where(request: framework.Request) -> dict[str, Any]:
        return {"path": request.url.path, "root_path": request.scope.get("root_path")}

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def mounted(framework: ModuleType, staticfiles: ModuleType, templating: ModuleType) -> Any:
    outer = framework.FastAPI() if hasattr(framework, "FastAPI") else framework.Genever()
    outer.mount("/subapp", build(framework, staticfiles, templating))
    return outer


app = build(genever, genever.staticfiles, genever.templating)
