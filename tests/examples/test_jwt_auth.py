"""The JWT example: token issue, scopes, expiry of bad tokens, inactive users, the security scheme in OpenAPI."""

from typing import Any

import jwt
import pytest
from examples import jwt_auth


def _token(client: Any, username: str = "alice", password: str = "secret", scope: str = "me items") -> str:
    response = client.post("/token", data={"username": username, "password": password, "scope": scope})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    return str(body["access_token"])


def test_login_and_me(client_factory: Any) -> None:
    client = client_factory(jwt_auth.app)
    token = _token(client)
    assert jwt.decode(token, jwt_auth.SECRET_KEY, algorithms=["HS256"])["scopes"] == ["me", "items"]
    me = client.get("/users/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json() == {"username": "alice", "full_name": "Alice", "disabled": False}
    items = client.get("/users/me/items", headers={"Authorization": f"Bearer {token}"})
    assert items.json() == [{"item_id": "Foo", "owner": "alice"}]


@pytest.mark.parametrize(
    ("headers", "status", "detail", "authenticate"),
    [
        ({}, 401, "Not authenticated", "Bearer"),
        ({"Authorization": "Bearer not-a-jwt"}, 401, "Could not validate credentials", 'Bearer scope="me"'),
    ],
)
def test_rejections(client_factory: Any, headers: dict[str, str], status: int, detail: str, authenticate: str) -> None:
    response = client_factory(jwt_auth.app).get("/users/me", headers=headers)
    assert (response.status_code, response.json()["detail"]) == (status, detail)
    assert response.headers["www-authenticate"] == authenticate


def test_scopes_and_passwords(client_factory: Any) -> None:
    client = client_factory(jwt_auth.app)
    only_me = _token(client, scope="me")
    response = client.get("/users/me/items", headers={"Authorization": f"Bearer {only_me}"})
    assert (response.status_code, response.json()["detail"]) == (401, "Not enough permissions")
    assert response.headers["www-authenticate"] == 'Bearer scope="items me"'
    wrong = client.post("/token", data={"username": "alice", "password": "nope"})
    assert (wrong.status_code, wrong.json()["detail"]) == (400, "Incorrect username or password")
    inactive = _token(client, "bob", "hunter2", "me")
    response = client.get("/users/me", headers={"Authorization": f"Bearer {inactive}"})
    assert response.json() == {"detail": "Inactive user"}


def test_openapi_has_the_oauth2_scheme() -> None:
    document = jwt_auth.app.openapi()
    scheme = document["components"]["securitySchemes"]["OAuth2PasswordBearer"]
    assert scheme["flows"]["password"]["tokenUrl"] == "token"
    assert document["paths"]["/users/me/items"]["get"]["security"] == [{"OAuth2PasswordBearer": ["items", "me"]}]
