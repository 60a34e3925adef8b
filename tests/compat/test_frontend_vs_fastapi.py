"""Differential tests: ``app.frontend(...)`` (a single-page app's build as low-priority
routes) answers as FastAPI's: files, directory indexes and their redirects, ``index.html``
for a browser's navigation, ``404.html``, 405/404 for other methods, routes first, the
router's dependencies; in process on both protocols and on the real servers."""

from pathlib import Path
from typing import Any

import fastapi
import fastapi.testclient
import httpx
import pytest

import genever
import genever.testclient
from tests.rsgi_client import RSGITestClient
from tests.server_apps.frontend import build
from tests.servers import served_by_each, server_commands

HTML = {"accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}
REQUESTS: list[tuple[str, str, dict[str, str]]] = [
    ("GET", "/", {}),
    ("GET", "/assets/app.js", {}),
    ("HEAD", "/assets/app.js", {}),
    ("GET", "/dashboard/settings", HTML),
    ("GET", "/dashboard/settings", {}),
    ("GET", "/dashboard", {"accept": "text/html;q=0, */*"}),
    ("GET", "/missing.js", {"accept": "*/*"}),
    ("GET", "/guide", {}),
    ("GET", "/guide/", {}),
    ("POST", "/assets/app.js", {}),
    ("POST", "/nothing-here", HTML),
    ("GET", "/api/items", HTML),
    ("POST", "/api/items", {}),
    ("GET", "/site/page.txt", {}),
    ("GET", "/site/page.txt", {"x-token": "no"}),
    ("GET", "/site/elsewhere", HTML),
    ("GET", "/sitemap", HTML),
    ("GET", "/../secret", HTML),
]


def _answer(response: Any) -> tuple[Any, ...]:
    headers = response.headers
    return response.status_code, headers.get("content-type"), response.content, headers.get("location")


@pytest.fixture(scope="module")
def fastapi_client() -> Any:
    return fastapi.testclient.TestClient(build(fastapi), follow_redirects=False)


@pytest.mark.parametrize("protocol", ["asgi", "rsgi"])
@pytest.mark.parametrize(("method", "path", "headers"), REQUESTS)
def test_frontend_as_fastapi(fastapi_client: Any, protocol: str, method: str, path: str, headers: Any) -> None:
    app = build(genever)
    ours = (genever.testclient.TestClient if protocol == "asgi" else RSGITestClient)(app, follow_redirects=False)
    mine, theirs = ours.request(method, path, headers=headers), fastapi_client.request(method, path, headers=headers)
    assert _answer(mine) == _answer(theirs)


def test_frontend_declarations_fail_as_fastapis(tmp_path: Path) -> None:
    for framework in (fastapi, genever):
        app = framework.FastAPI() if framework is fastapi else framework.Genever()
        with pytest.raises(AssertionError, match="fallback"):
            app.frontend("/", directory=tmp_path, fallback="invalid")  # type: ignore[arg-type]
        with pytest.raises(AssertionError):
            app.frontend("app", directory=tmp_path)
        with pytest.raises(RuntimeError, match="does not exist"):
            app.frontend("/", directory=tmp_path / "missing", check_dir=True)
        with pytest.raises(RuntimeError, match=r"index\.html"):
            app.frontend("/", directory=tmp_path, fallback="index.html")


APP = "tests.server_apps.frontend:app"
SERVERS = server_commands(APP)


base_url = served_by_each(SERVERS)


def test_frontend_on_real_servers(fastapi_client: Any, base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=10, follow_redirects=False) as client:
        for method, path, headers in REQUESTS:
            if ".." in path:
                continue  # clients normalise dot segments before sending
            mine = client.request(method, path, headers=headers)
            theirs = fastapi_client.request(method, path, headers=headers)
            expected = _answer(theirs)
            got = _answer(mine)
            if got[3] is not None:  # an absolute redirect names the server it came from
                got = (*got[:3], httpx.URL(got[3]).path)
                expected = (*expected[:3], httpx.URL(expected[3]).path)
            assert got == expected, (method, path)
