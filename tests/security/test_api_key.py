"""``security.api_key``: the key from a header, a query parameter or a cookie (both adapters)."""

from __future__ import annotations

from typing import Any

import pytest

from genever import Depends, Genever
from genever.security import APIKeyCookie, APIKeyHeader, APIKeyQuery

header_key = APIKeyHeader(name="X-API-Key")
query_key = APIKeyQuery(name="api_key", auto_error=False)
cookie_key = APIKeyCookie(name="session", scheme_name="Session", description="the session cookie")


def make_app() -> Genever:
    app = Genever()

    @app.get("/header")
    async def by_header(key: str = Depends(header_key)) -> str:
        return key

    @app.get("/query")
    async def by_query(key: str | None = Depends(query_key)) -> str | None:
        return key

    @app.get("/cookie")
    async def by_cookie(key: str = Depends(cookie_key)) -> str:
        return key

    return app


def test_the_openapi_model_of_each_location() -> None:
    assert header_key.model == {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": None}
    assert query_key.model["in"] == "query" and cookie_key.model["in"] == "cookie"
    assert (header_key.scheme_name, cookie_key.scheme_name) == ("APIKeyHeader", "Session")
    assert cookie_key.model["description"] == "the session cookie"


@pytest.mark.parametrize(
    ("path", "kwargs", "answer"),
    [
        ("/header", {"headers": {"x-api-key": "k1"}}, (200, "k1")),
        ("/header", {}, (401, {"detail": "Not authenticated"})),
        ("/header", {"headers": {"x-api-key": ""}}, (401, {"detail": "Not authenticated"})),
        ("/query?api_key=k2", {}, (200, "k2")),
        ("/query", {}, (200, None)),  # auto_error=False: None instead of a 401
        ("/cookie", {"headers": {"cookie": "session=k3"}}, (200, "k3")),
        ("/cookie", {"headers": {"cookie": "other=1"}}, (401, {"detail": "Not authenticated"})),
    ],
)
def test_the_key_or_a_401(client_factory: Any, path: str, kwargs: dict[str, Any], answer: tuple[int, Any]) -> None:
    response = client_factory(make_app()).get(path, **kwargs)
    assert (response.status_code, response.json()) == answer
    if response.status_code == 401:
        assert response.headers["www-authenticate"] == "APIKey"
