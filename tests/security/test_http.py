"""``security.http``: Basic, Bearer and Digest credentials from ``Authorization`` (both adapters)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from genever import Depends, Genever
from genever.security import (
    HTTPAuthorizationCredentials,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
    HTTPDigest,
)

basic = HTTPBasic(realm="genever")
basic_plain = HTTPBasic(auto_error=False)
bearer = HTTPBearer(bearerFormat="JWT")
digest = HTTPDigest()


def make_app() -> Genever:
    app = Genever()

    @app.get("/basic")
    async def by_basic(credentials: HTTPBasicCredentials = Depends(basic)) -> list[str]:
        return [credentials.username, credentials.password]

    @app.get("/basic-optional")
    async def by_basic_optional(credentials: HTTPBasicCredentials | None = Depends(basic_plain)) -> str | None:
        return None if credentials is None else credentials.username

    @app.get("/bearer")
    async def by_bearer(credentials: HTTPAuthorizationCredentials = Depends(bearer)) -> list[str]:
        return [credentials.scheme, credentials.credentials]

    @app.get("/digest")
    async def by_digest(credentials: HTTPAuthorizationCredentials = Depends(digest)) -> list[str]:
        return [credentials.scheme, credentials.credentials]

    return app


def encoded(text: str) -> str:
    return "Basic " + base64.b64encode(text.encode()).decode()


def test_models() -> None:
    assert basic.model == {"type": "http", "scheme": "basic", "description": None}
    assert bearer.model == {"type": "http", "scheme": "bearer", "description": None, "bearerFormat": "JWT"}
    assert digest.make_authenticate_headers() == {"WWW-Authenticate": "Digest"}
    assert basic.make_authenticate_headers() == {"WWW-Authenticate": 'Basic realm="genever"'}
    assert basic_plain.make_authenticate_headers() == {"WWW-Authenticate": "Basic"}


@pytest.mark.parametrize(
    ("path", "authorization", "status", "body"),
    [
        ("/basic", encoded("alice:s3:cret"), 200, ["alice", "s3:cret"]),
        ("/basic", encoded("no-separator"), 401, {"detail": "Not authenticated"}),
        ("/basic", "Basic !!!not-base64", 401, {"detail": "Not authenticated"}),
        ("/basic", "Bearer abc", 401, {"detail": "Not authenticated"}),
        ("/basic", None, 401, {"detail": "Not authenticated"}),
        ("/basic-optional", None, 200, None),
        ("/bearer", "Bearer tok.en", 200, ["Bearer", "tok.en"]),
        ("/bearer", "bearer   spaced  ", 200, ["bearer", "spaced"]),
        ("/bearer", "Basic abc", 401, {"detail": "Not authenticated"}),
        ("/bearer", "Bearer", 401, {"detail": "Not authenticated"}),
        ("/digest", 'Digest username="a"', 200, ["Digest", 'username="a"']),
        ("/digest", "Bearer x", 401, {"detail": "Not authenticated"}),
    ],
)
def test_credentials_or_a_401(
    client_factory: Any, path: str, authorization: str | None, status: int, body: Any
) -> None:
    headers = {} if authorization is None else {"authorization": authorization}
    response = client_factory(make_app()).get(path, headers=headers)
    assert (response.status_code, response.json()) == (status, body)
    if status == 401:
        expected = {"/basic": 'Basic realm="genever"', "/bearer": "Bearer", "/digest": "Digest"}[path]
        assert response.headers["www-authenticate"] == expected
