"""Security helpers, differential: status, body and WWW-Authenticate as FastAPI's, and the
same OpenAPI security schemes."""

import base64
from typing import Annotated, Any

import fastapi
import fastapi.security
import fastapi.testclient
import pytest

import genever
import genever.security
import genever.testclient
from tests.rsgi_client import RSGITestClient


def build(fw: Any, sec: Any) -> Any:
    app = (getattr(fw, "Genever", None) or fw.FastAPI)()
    Depends = fw.Depends
    schemes = {
        "header": sec.APIKeyHeader(name="X-API-Key"),
        "query": sec.APIKeyQuery(name="api_key"),
        "cookie": sec.APIKeyCookie(name="session"),
        "basic": sec.HTTPBasic(realm="test"),
        "bearer": sec.HTTPBearer(bearerFormat="JWT"),
        "digest": sec.HTTPDigest(),
        "oauth2": sec.OAuth2PasswordBearer(tokenUrl="token", scopes={"me": "Read me"}),
        "code": sec.OAuth2AuthorizationCodeBearer(authorizationUrl="auth", tokenUrl="token"),
        "optional": sec.HTTPBearer(auto_error=False, scheme_name="OptionalBearer"),
        "oidc": sec.OpenIdConnect(openIdConnectUrl="https://id.example/.well-known/openid-configuration"),
    }

    def route(name: str, scheme: Any) -> None:
        @app.get(f"/{name}", name=f"get_{name}")
        def handler(value: Annotated[Any, Depends(scheme)]) -> Any:
            if value is None:
                return None
            return value if isinstance(value, str) else value.model_dump()

    for name, scheme in schemes.items():
        route(name, scheme)

    @app.post("/token")
    def token(form: Annotated[sec.OAuth2PasswordRequestForm, Depends()]) -> dict[str, Any]:
        return {"username": form.username, "password": form.password, "scopes": form.scopes,
                "grant_type": form.grant_type, "client_id": form.client_id}

    @app.post("/strict-token")
    def strict(form: Annotated[sec.OAuth2PasswordRequestFormStrict, Depends()]) -> dict[str, Any]:
        return {"username": form.username}

    return app


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/header", {"headers": {"X-API-Key": "k"}}),
    ("GET", "/header", {}),
    ("GET", "/query?api_key=k", {}),
    ("GET", "/query", {}),
    ("GET", "/cookie", {"headers": {"Cookie": "session=s"}}),
    ("GET", "/cookie", {}),
    ("GET", "/basic", {"headers": {"Authorization": basic("ann", "pw:with:colons")}}),
    ("GET", "/basic", {"headers": {"Authorization": "Basic !!!notbase64"}}),
    ("GET", "/basic", {"headers": {"Authorization": "Basic " + base64.b64encode(b"nocolon").decode()}}),
    ("GET", "/basic", {"headers": {"Authorization": "Bearer x"}}),
    ("GET", "/basic", {}),
    ("GET", "/bearer", {"headers": {"Authorization": "Bearer tok"}}),
    ("GET", "/bearer", {"headers": {"Authorization": "Basic tok"}}),
    ("GET", "/bearer", {"headers": {"Authorization": "Bearer"}}),
    ("GET", "/bearer", {}),
    ("GET", "/digest", {"headers": {"Authorization": "Digest abc"}}),
    ("GET", "/digest", {}),
    ("GET", "/oauth2", {"headers": {"Authorization": "Bearer tok"}}),
    ("GET", "/oauth2", {"headers": {"Authorization": "Token tok"}}),
    ("GET", "/oauth2", {}),
    ("GET", "/code", {"headers": {"Authorization": "Bearer c"}}),
    ("GET", "/code", {}),
    ("GET", "/optional", {}),
    ("GET", "/oidc", {}),
    ("GET", "/oidc", {"headers": {"Authorization": "Bearer x"}}),
    ("GET", "/optional", {"headers": {"Authorization": "Bearer o"}}),
    ("POST", "/token", {"data": {"username": "u", "password": "p", "scope": "a b"}}),
    ("POST", "/token", {"data": {"username": "u", "password": "p", "grant_type": "wrong"}}),
    ("POST", "/token", {"data": {"username": "u"}}),
    ("POST", "/strict-token", {"data": {"username": "u", "password": "p"}}),
    ("POST", "/strict-token", {"data": {"username": "u", "password": "p", "grant_type": "password"}}),
]


@pytest.fixture(scope="module")
def clients() -> dict[str, Any]:
    gapp = build(genever, genever.security)
    return {
        "fastapi": fastapi.testclient.TestClient(build(fastapi, fastapi.security)),
        "asgi": genever.testclient.TestClient(gapp),
        "rsgi": RSGITestClient(gapp),
    }


def _answer(response: Any) -> tuple[Any, ...]:
    return response.status_code, response.json(), response.headers.get("www-authenticate")


@pytest.mark.parametrize("adapter", ["asgi", "rsgi"])
@pytest.mark.parametrize(("method", "url", "kwargs"), CASES, ids=[f"{m} {u} {i}" for i, (m, u, _) in enumerate(CASES)])
def test_same_answer_as_fastapi(clients: dict[str, Any], adapter: str, method: str, url: str,
                                kwargs: dict[str, Any]) -> None:
    expected = _answer(clients["fastapi"].request(method, url, **kwargs))
    assert _answer(clients[adapter].request(method, url, **kwargs)) == expected


def test_openapi_security_schemes_equal() -> None:
    expected = build(fastapi, fastapi.security).openapi()
    got = build(genever, genever.security).openapi()
    expected["info"].pop("title")
    got["info"].pop("title")
    assert got == expected
