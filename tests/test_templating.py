"""``Jinja2Templates``: the same page under FastAPI and genever (request, url_for routes and mounts,
autoescaping, context processors, both call styles)."""

from pathlib import Path
from typing import Any

import fastapi
import fastapi.templating
import fastapi.testclient
import pytest

import genever
import genever.templating
import genever.testclient
from genever.exceptions import ConfigurationError
from genever.staticfiles import StaticFiles
from tests.rsgi_client import RSGITestClient

TEMPLATES = Path(__file__).parent / "templates"


def build(fw: Any, templating: Any, static: Any) -> Any:
    app = (getattr(fw, "Genever", None) or fw.FastAPI)()
    app.mount("/static", static(directory=TEMPLATES), name="static")
    templates = templating.Jinja2Templates(
        directory=TEMPLATES, context_processors=[lambda request: {"note": f"<{request.method}>"}]
    )

    @app.get("/items/{id}", response_class=fw.responses.HTMLResponse)
    async def read_item(request: fw.Request, id: str) -> Any:
        return templates.TemplateResponse(request=request, name="item.html", context={"id": id})

    @app.get("/created/{id}", response_class=fw.responses.HTMLResponse)
    async def created(request: fw.Request, id: str) -> Any:
        return templates.TemplateResponse(request, "item.html", {"id": id}, status_code=201)

    @app.get("/plain/{id}")
    async def plain(request: fw.Request, id: str) -> Any:
        return templates.TemplateResponse(
            request, "item.html", {"id": id}, headers={"X-Item": id}, media_type="text/plain"
        )

    return app


@pytest.mark.parametrize("url", ["/items/a&b", "/created/7", "/plain/9"])
@pytest.mark.parametrize("adapter", ["asgi", "rsgi"])
def test_same_page(url: str, adapter: str) -> None:
    import starlette.staticfiles

    expected = fastapi.testclient.TestClient(build(fastapi, fastapi.templating, starlette.staticfiles.StaticFiles))
    app = build(genever, genever.templating, StaticFiles)
    client = genever.testclient.TestClient(app) if adapter == "asgi" else RSGITestClient(app)
    want, got = expected.get(url), client.get(url)
    assert (got.status_code, got.text) == (want.status_code, want.text)
    assert got.headers["content-type"] == want.headers["content-type"]
    assert got.headers.get("x-item") == want.headers.get("x-item")
    assert "&lt;GET&gt;" in got.text  # the context processor's value, autoescaped
    assert ("Item a&amp;b" in got.text) == ("&" in url)


def test_the_older_call_style_still_works() -> None:
    """``TemplateResponse(name, {"request": request, ...})``: Starlette dropped it, genever keeps it."""
    templates = genever.templating.Jinja2Templates(directory=TEMPLATES)
    app = genever.Genever()
    app.mount("/static", StaticFiles(directory=TEMPLATES), name="static")

    @app.get("/items/{id}")
    async def read_item(request: genever.Request, id: str) -> Any:
        return templates.TemplateResponse("item.html", {"request": request, "id": id})

    response = genever.testclient.TestClient(app).get("/items/9")
    assert '<a href="http://testserver/items/9">Item 9</a>' in response.text
    assert 'href="http://testserver/static/styles.css"' in response.text


def test_one_of_directory_or_env() -> None:
    with pytest.raises(ConfigurationError, match="either directory= or env="):
        genever.templating.Jinja2Templates()
