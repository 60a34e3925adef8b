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


def page(templates: Any, name: str, **context: Any) -> str:
    """The body ``TemplateResponse`` renders for ``name`` (the request a template may not use)."""
    return bytes(templates.TemplateResponse(object(), name, context).body).decode()


def test_an_edited_template_shows_on_the_next_page(tmp_path: Path) -> None:
    """Templates are remembered between pages, and checked as Jinja2 checks them (auto_reload)."""
    import os

    source = tmp_path / "p.html"
    source.write_text("one {{ x }}")
    templates = genever.templating.Jinja2Templates(directory=tmp_path)
    assert page(templates, "p.html", x="<1>") == "one &lt;1&gt;"
    assert page(templates, "p.html", x=2) == "one 2"
    source.write_text("two {{ x }}")
    stat = source.stat()
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))  # a later mtime, whatever the clock
    assert page(templates, "p.html", x=3) == "two 3"


def test_without_auto_reload_a_template_is_loaded_once(tmp_path: Path) -> None:
    """An environment with ``auto_reload=False`` (no stat per page): the template first loaded stays."""
    import os

    import jinja2

    source = tmp_path / "p.html"
    source.write_text("one")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(tmp_path), autoescape=True, auto_reload=False)
    templates = genever.templating.Jinja2Templates(env=env)
    assert page(templates, "p.html") == "one"
    source.write_text("two")
    stat = source.stat()
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
    assert page(templates, "p.html") == "one"  # as Jinja2's own get_template
    assert templates.env.get_template("p.html").render() == "one"


def jinja2_environment(pages: dict[str, str], **options: Any) -> Any:
    import jinja2

    return jinja2.Environment(loader=jinja2.DictLoader(pages), autoescape=True, **options)


def test_a_new_loader_or_cache_is_read_again() -> None:
    import jinja2

    env = jinja2_environment({"p.html": "one"}, auto_reload=False)
    templates = genever.templating.Jinja2Templates(env=env)
    assert page(templates, "p.html") == "one"
    env.loader = jinja2.DictLoader({"p.html": "two"})
    assert page(templates, "p.html") == "two"
    env.cache = {}  # type: ignore[assignment]  # a cache of the user's: Jinja2 loads again
    env.loader.mapping["p.html"] = "three"  # type: ignore[attr-defined]
    assert page(templates, "p.html") == "three"


def test_an_environment_without_a_cache_loads_every_page() -> None:
    pages = {"p.html": "one"}
    templates = genever.templating.Jinja2Templates(env=jinja2_environment(pages, cache_size=0, auto_reload=False))
    assert page(templates, "p.html") == "one"
    pages["p.html"] = "two"
    assert page(templates, "p.html") == "two"


def test_a_rendering_error_still_points_at_the_template_line() -> None:
    import traceback

    templates = genever.templating.Jinja2Templates(env=jinja2_environment({"e.html": "<p>{{ a }}</p>\n{{ 1 // c }}"}))
    with pytest.raises(ZeroDivisionError) as caught:
        templates.TemplateResponse(object(), "e.html", {"a": 1, "c": 0})
    last = traceback.extract_tb(caught.value.__traceback__)[-1]
    assert (last.filename, last.lineno) == ("<template>", 2)


def test_the_context_given_is_not_changed() -> None:
    templates = genever.templating.Jinja2Templates(
        env=jinja2_environment({"p.html": "{{ a }}{{ note }}"}), context_processors=[lambda request: {"note": "!"}]
    )
    context = {"a": "<1>"}
    assert page(templates, "p.html", **context) == "&lt;1&gt;!"
    response = templates.TemplateResponse(object(), "p.html", context)
    assert context == {"a": "<1>"} and response.context["note"] == "!" and "request" in response.context
