"""CORS and GZip: genever's native middleware answers as FastAPI's (Starlette's) do."""

from typing import Any

import fastapi
import fastapi.testclient
import pytest
from fastapi.middleware.cors import CORSMiddleware as FastCORS
from fastapi.middleware.gzip import GZipMiddleware as FastGZip

import genever
from genever.middleware.cors import CORSMiddleware
from genever.middleware.gzip import GZipMiddleware
from tests.rsgi_client import RSGITestClient

CORS_CONFIGS: list[dict[str, Any]] = [
    {"allow_origins": ["https://a.example"]},
    {"allow_origins": ["*"]},
    {"allow_origins": ["*"], "allow_methods": ["*"], "allow_headers": ["*"]},
    {"allow_origins": ["https://a.example", "https://b.example"], "allow_credentials": True, "allow_methods": ["*"],
     "allow_headers": ["*"]},
    {"allow_origin_regex": r"https://.*\.example", "allow_methods": ["GET", "POST"], "allow_headers": ["X-Custom"],
     "expose_headers": ["X-Exposed"], "max_age": 60},
]

CORS_REQUESTS: list[tuple[str, dict[str, str]]] = [
    ("GET", {}),
    ("GET", {"Origin": "https://a.example"}),
    ("GET", {"Origin": "https://b.example"}),
    ("GET", {"Origin": "https://evil.test"}),
    ("GET", {"Origin": "https://a.example", "Cookie": "a=1"}),
    ("OPTIONS", {"Origin": "https://a.example", "Access-Control-Request-Method": "GET"}),
    ("OPTIONS", {"Origin": "https://a.example", "Access-Control-Request-Method": "DELETE"}),
    ("OPTIONS", {"Origin": "https://evil.test", "Access-Control-Request-Method": "GET"}),
    ("OPTIONS", {"Origin": "https://b.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "X-Custom, Content-Type"}),
    ("OPTIONS", {"Origin": "https://b.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "X-Other"}),
    ("OPTIONS", {}),
]

CORS_HEADERS = ("access-control-allow-origin", "access-control-allow-credentials", "access-control-allow-methods",
                "access-control-allow-headers", "access-control-expose-headers", "access-control-max-age", "vary")


def _app(mod: Any, cls: Any, options: dict[str, Any]) -> Any:
    app = (getattr(mod, "Genever", None) or mod.FastAPI)()
    app.add_middleware(cls, **options)

    @app.get("/x")
    def x() -> dict[str, int]:
        return {"x": 1}

    @app.get("/big")
    def big() -> dict[str, str]:
        return {"data": "y" * 2000}

    return app


def _answer(response: Any) -> tuple[Any, ...]:
    return response.status_code, response.text, {k: response.headers.get(k) for k in CORS_HEADERS}


@pytest.mark.parametrize("options", CORS_CONFIGS)
@pytest.mark.parametrize("adapter", ["asgi", "rsgi"])
def test_cors_same_as_fastapi(options: dict[str, Any], adapter: str) -> None:
    expected_client = fastapi.testclient.TestClient(_app(fastapi, FastCORS, options))
    app = _app(genever, CORSMiddleware, options)
    if adapter == "asgi":
        from genever.testclient import TestClient

        client: Any = TestClient(app)
    else:
        client = RSGITestClient(app)
    for method, headers in CORS_REQUESTS:
        expected = _answer(expected_client.request(method, "/x", headers=headers))
        assert _answer(client.request(method, "/x", headers=headers)) == expected, (method, headers)


def test_gzip_same_as_fastapi() -> None:
    expected_client = fastapi.testclient.TestClient(_app(fastapi, FastGZip, {"minimum_size": 500}))
    client = RSGITestClient(_app(genever, GZipMiddleware, {"minimum_size": 500}))
    for path in ("/x", "/big"):
        for accept in ("gzip", "identity", "gzip, deflate"):
            want = expected_client.get(path, headers={"accept-encoding": accept})
            got = client.get(path, headers={"accept-encoding": accept})
            assert got.status_code == want.status_code
            assert got.json() == want.json()
            assert got.headers.get("content-encoding") == want.headers.get("content-encoding")
            assert got.headers.get("vary") == want.headers.get("vary")
