"""Differential tests: the same app under FastAPI and genever, the same requests, the same answers."""

from typing import Any

import fastapi.testclient
import httpx

import genever.testclient
from tests.rsgi_client import RSGITestClient


def answers(
    theirs: Any, ours: Any, adapter: str, method: str, url: str, client: dict[str, Any] | None = None, **request: Any
) -> tuple[httpx.Response, httpx.Response]:
    """FastAPI's app's answer and genever's (served through ``adapter``, "asgi" or "rsgi") to one request;
    ``client`` holds the test clients' options (cookies, follow_redirects), ``request`` the request's."""
    with fastapi.testclient.TestClient(theirs, **(client or {})) as their_client:
        expected = their_client.request(method, url, **request)
    client_class = genever.testclient.TestClient if adapter == "asgi" else RSGITestClient
    with client_class(ours, **(client or {})) as our_client:
        got = our_client.request(method, url, **request)
    return expected, got
