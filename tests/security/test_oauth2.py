"""``security.oauth2`` and ``security.open_id_connect_url``: bearer tokens of the OAuth2 flows,
the password-flow form, OpenID Connect (both adapters)."""

from __future__ import annotations

from typing import Annotated, Any

import pytest

from genever import Depends, Genever
from genever.security import (
    OAuth2,
    OAuth2AuthorizationCodeBearer,
    OAuth2PasswordBearer,
    OAuth2PasswordRequestForm,
    OAuth2PasswordRequestFormStrict,
    OpenIdConnect,
)

password = OAuth2PasswordBearer(tokenUrl="/token", scopes={"read": "Read"}, refreshUrl="/refresh")
code = OAuth2AuthorizationCodeBearer(authorizationUrl="/authorize", tokenUrl="/token", auto_error=False)
raw = OAuth2()
oidc = OpenIdConnect(openIdConnectUrl="/.well-known/openid-configuration")


def make_app() -> Genever:
    app = Genever()

    @app.get("/password")
    async def by_password(token: str = Depends(password)) -> str:
        return token

    @app.get("/code")
    async def by_code(token: str | None = Depends(code)) -> str | None:
        return token

    @app.get("/raw")
    async def by_raw(header: str = Depends(raw)) -> str:
        return header

    @app.get("/oidc")
    async def by_oidc(header: str = Depends(oidc)) -> str:
        return header

    @app.post("/token")
    async def token(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> dict[str, Any]:
        return {"username": form.username, "password": form.password, "scopes": form.scopes,
                "grant_type": form.grant_type, "client_id": form.client_id}  # fmt: skip

    @app.post("/token-strict")
    async def token_strict(form: Annotated[OAuth2PasswordRequestFormStrict, Depends()]) -> str:
        return form.username

    return app


def test_flows_in_the_openapi_models() -> None:
    assert password.model["flows"] == {
        "password": {"tokenUrl": "/token", "scopes": {"read": "Read"}, "refreshUrl": "/refresh"}
    }
    assert code.model["flows"] == {
        "authorizationCode": {"authorizationUrl": "/authorize", "tokenUrl": "/token", "scopes": {}}
    }
    assert raw.model == {"type": "oauth2", "flows": {}, "description": None}
    assert oidc.model == {"type": "openIdConnect", "openIdConnectUrl": "/.well-known/openid-configuration",
                          "description": None}  # fmt: skip


@pytest.mark.parametrize(
    ("path", "authorization", "answer"),
    [
        ("/password", "Bearer abc", (200, "abc")),
        ("/password", "Basic abc", (401, {"detail": "Not authenticated"})),
        ("/password", None, (401, {"detail": "Not authenticated"})),
        ("/code", "Bearer xyz", (200, "xyz")),
        ("/code", None, (200, None)),  # auto_error=False
        ("/raw", "Whatever 1", (200, "Whatever 1")),
        ("/raw", None, (401, {"detail": "Not authenticated"})),
        ("/oidc", "Bearer t", (200, "Bearer t")),
    ],
)
def test_tokens_or_a_401(client_factory: Any, path: str, authorization: str | None, answer: tuple[int, Any]) -> None:
    headers = {} if authorization is None else {"authorization": authorization}
    response = client_factory(make_app()).get(path, headers=headers)
    assert (response.status_code, response.json()) == answer
    if response.status_code == 401:
        assert response.headers["www-authenticate"] == "Bearer"


def test_the_password_request_form(client_factory: Any) -> None:
    client = client_factory(make_app())
    response = client.post("/token", data={"username": "u", "password": "p", "scope": "read  write", "client_id": "c"})
    assert response.json() == {"username": "u", "password": "p", "scopes": ["read", "write"], "grant_type": None,
                               "client_id": "c"}  # fmt: skip
    wrong_grant = client.post("/token", data={"username": "u", "password": "p", "grant_type": "code"})
    assert wrong_grant.status_code == 422
    assert wrong_grant.json()["detail"][0]["loc"] == ["body", "grant_type"]
    missing = client.post("/token-strict", data={"username": "u", "password": "p"})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "grant_type"]
    assert client.post("/token-strict", data={"username": "u", "password": "p", "grant_type": "password"}).json() == "u"
