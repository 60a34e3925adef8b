"""The docs pages in a real browser, with the network cut off.

Starts the example service with ``genever run``, opens ``/docs`` and
``/redoc`` in headless Chromium (Debian's ``chromium``, driven by Playwright)
with every non-loopback request aborted, and uses Swagger UI as a person
would: every operation is listed, one is expanded, "Try it out" and
"Execute" send a real request, and the response shows on the page.
"""

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.servers import free_port, serve

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"), reason="chromium is not installed (scripts/install-browser.sh)"
)
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]  # fmt: skip


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    port = free_port()
    argv = [str(Path(sys.executable).parent / "genever"), "run", "examples.service:app", "--port", str(port)]
    with serve(argv, port) as base:
        yield base


@pytest.fixture(scope="module")
def page(base_url: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        context = browser.new_context()

        def only_loopback(route: Any) -> None:
            if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
                route.continue_()
            else:
                blocked.append(route.request.url)
                route.abort()

        context.route("**/*", only_loopback)
        page = context.new_page()
        page.blocked = blocked  # type: ignore[attr-defined]
        yield page
        browser.close()


def test_swagger_ui_lists_and_runs_operations(page: Any, base_url: str) -> None:
    document = httpx.get(base_url + "/openapi.json").json()
    operations = sum(len(methods) for methods in document["paths"].values())
    page.goto(base_url + "/docs")
    page.wait_for_selector(".opblock", timeout=30_000)
    assert page.locator(".opblock").count() == operations
    health = page.locator(".opblock-get", has_text="/health")
    health.locator(".opblock-summary").click()
    health.get_by_role("button", name="Try it out").click()
    health.get_by_role("button", name="Execute").click()
    body = health.locator(".live-responses-table .response-col_description pre").first
    body.wait_for(timeout=30_000)
    assert '"status": "ok"' in body.inner_text()
    assert page.blocked == []  # type: ignore[attr-defined]  # nothing tried to leave the machine


def test_redoc_renders_operations(page: Any, base_url: str) -> None:
    page.goto(base_url + "/redoc")
    page.wait_for_selector("h2:has-text('List Items')", timeout=30_000)
    for summary in ("Read Item", "Create Item", "Health"):
        assert page.locator(f"h2:has-text('{summary}')").first.is_visible()
    # ReDoc's footer asks its vendor's CDN for a logo image; that request is cut off and
    # changes nothing. Nothing else (scripts, styles, the document) leaves the machine.
    assert [url for url in page.blocked if not url.endswith((".svg", ".png"))] == []  # type: ignore[attr-defined]
