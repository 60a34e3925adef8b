"""Middleware: native chains (app, route group, route), ``@app.middleware``, ASGI middleware, built-ins."""


import gzip
import logging
from typing import Any

import pytest

from genever import APIRouter, ConfigurationError, Genever, Request
from genever.middleware import BaseMiddleware, CallNext, Middleware
from genever.middleware.gzip import GZipMiddleware
from genever.middleware.httpsredirect import HTTPSRedirectMiddleware
from genever.middleware.requestid import RequestIDMiddleware
from genever.middleware.timing import AccessLogMiddleware, ServerTimingMiddleware
from genever.middleware.trustedhost import TrustedHostMiddleware
from genever.responses import Response


class Tag(BaseMiddleware):
    """Records its name on the way in and out."""

    def __init__(self, name: str, log: list[str]) -> None:
        self.name = name
        self.log = log

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        self.log.append(f"{self.name}>")
        response = await call_next(request)
        self.log.append(f"<{self.name}")
        response.headers.append("x-tags", self.name)
        return response


def test_order_of_app_group_and_route_middleware(client_factory: Any) -> None:
    log: list[str] = []
    app = Genever(middleware=[Middleware(Tag, "app-first", log)])
    app.add_middleware(Tag, "app-added-1", log)
    app.add_middleware(Tag, "app-added-2", log)  # the last added is the outermost

    outer = APIRouter(prefix="/outer", middleware=[Middleware(Tag, "outer-group", log)])
    inner = APIRouter(prefix="/inner", middleware=[Middleware(Tag, "inner-group", log)])

    @inner.get("/x", middleware=[Middleware(Tag, "route", log)])
    def x() -> dict[str, bool]:
        log.append("handler")
        return {"ok": True}

    outer.include_router(inner)
    app.include_router(outer, middleware=[Middleware(Tag, "include", log)])

    @app.get("/plain")
    def plain() -> int:
        log.append("plain")
        return 1

    client = client_factory(app)
    assert client.get("/outer/inner/x").json() == {"ok": True}
    assert log == [
        "app-added-2>", "app-added-1>", "app-first>", "include>", "outer-group>", "inner-group>", "route>",
        "handler",
        "<route", "<inner-group", "<outer-group", "<include", "<app-first", "<app-added-1", "<app-added-2",
    ]
    log.clear()
    client.get("/plain")
    assert log == ["app-added-2>", "app-added-1>", "app-first>", "plain", "<app-first", "<app-added-1", "<app-added-2"]


def test_group_middleware_does_not_touch_other_routes(client_factory: Any) -> None:
    log: list[str] = []
    app = Genever()
    admin = APIRouter(prefix="/admin", middleware=[Middleware(Tag, "admin", log)])

    @admin.get("/a")
    def a() -> int:
        return 1

    @app.get("/b")
    def b() -> int:
        return 2

    app.include_router(admin)
    client = client_factory(app)
    assert client.get("/b").headers.get("x-tags") is None
    assert client.get("/admin/a").headers["x-tags"] == "admin"


def test_function_middleware_and_short_circuit(client_factory: Any) -> None:
    app = Genever()

    @app.middleware("http")
    async def auth(request: Request, call_next: CallNext) -> Response:
        if request.headers.get("x-key") != "k":
            return Response("no", status_code=403)
        response = await call_next(request)
        response.headers["x-checked"] = "yes"
        return response

    @app.get("/x")
    def x() -> int:
        return 1

    client = client_factory(app)
    assert client.get("/x").status_code == 403
    ok = client.get("/x", headers={"x-key": "k"})
    assert ok.json() == 1
    assert ok.headers["x-checked"] == "yes"
    assert client.get("/missing", headers={"x-key": "k"}).headers["x-checked"] == "yes"  # 404s pass through too


def test_exception_in_middleware_is_handled(client_factory: Any) -> None:
    app = Genever()

    @app.middleware("http")
    async def broken(request: Request, call_next: CallNext) -> Response:
        raise ValueError("broken middleware")

    @app.get("/x")
    def x() -> int:
        return 1

    response = client_factory(app, raise_server_exceptions=False).get("/x")
    assert response.status_code == 500


def test_asgi_middleware_wraps_both_adapters(client_factory: Any) -> None:
    class HeaderASGI:
        def __init__(self, app: Any, value: str) -> None:
            self.app = app
            self.value = value

        async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
            async def send_with_header(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    message["headers"] = [*message["headers"], (b"x-asgi", self.value.encode())]
                await send(message)

            await self.app(scope, receive, send_with_header)

    app = Genever()
    app.add_middleware(HeaderASGI, value="yes")

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, str]:
        return {"body": (await request.body()).decode()}

    response = client_factory(app).post("/echo", content=b"hello")
    assert response.json() == {"body": "hello"}
    assert response.headers["x-asgi"] == "yes"


def test_asgi_middleware_cannot_wrap_a_group() -> None:
    class ASGIOnly:
        def __init__(self, app: Any) -> None:
            self.app = app

    app = Genever()
    router = APIRouter(middleware=[Middleware(ASGIOnly)])

    @router.get("/x")
    def x() -> None: ...

    app.include_router(router)
    with pytest.raises(ConfigurationError, match=r"GET /x: .*ASGI middleware"):
        app.freeze()


def _app_with(*middleware: Middleware) -> Genever:
    app = Genever(middleware=list(middleware))

    @app.get("/text")
    def text() -> Response:
        return Response("x" * 1000, media_type="text/plain")

    @app.get("/small")
    def small() -> dict[str, str]:
        return {"a": "b"}

    @app.get("/state")
    def state(request: Request) -> dict[str, str]:
        return {"id": request.state.request_id}

    return app


def test_gzip(client_factory: Any) -> None:
    client = client_factory(_app_with(Middleware(GZipMiddleware, minimum_size=100)))
    response = client.get("/text", headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.text == "x" * 1000  # httpx decodes it
    assert int(response.headers["content-length"]) < 1000
    assert "content-encoding" not in client.get("/small", headers={"accept-encoding": "gzip"}).headers
    assert "content-encoding" not in client.get("/text", headers={"accept-encoding": "identity"}).headers
    assert gzip.decompress(gzip.compress(b"x")) == b"x"


def test_trusted_host(client_factory: Any) -> None:
    client = client_factory(_app_with(Middleware(TrustedHostMiddleware, allowed_hosts=["testserver", "*.example.com"])))
    assert client.get("/small").status_code == 200
    assert client.get("/small", headers={"host": "api.example.com"}).status_code == 200
    bad = client.get("/small", headers={"host": "evil.com"})
    assert (bad.status_code, bad.text) == (400, "Invalid host header")


def test_https_redirect(client_factory: Any) -> None:
    client = client_factory(_app_with(Middleware(HTTPSRedirectMiddleware)))
    response = client.get("/small?x=1", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "https://testserver/small?x=1"


def test_request_id_generated_and_propagated(client_factory: Any) -> None:
    client = client_factory(_app_with(Middleware(RequestIDMiddleware)))
    generated = client.get("/state")
    assert len(generated.headers["x-request-id"]) == 32
    assert generated.json() == {"id": generated.headers["x-request-id"]}
    given = client.get("/state", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    assert given.json() == {"id": "abc-123"}
    injected = client.get("/state", headers={"X-Request-ID": "bad id\nx"})
    assert injected.headers["x-request-id"] != "bad id\nx"


def test_server_timing_and_access_log(client_factory: Any, caplog: pytest.LogCaptureFixture) -> None:
    client = client_factory(_app_with(Middleware(AccessLogMiddleware), Middleware(ServerTimingMiddleware)))
    with caplog.at_level(logging.INFO, logger="genever.access"):
        response = client.get("/small?q=1")
    assert response.headers["server-timing"].startswith("app;dur=")
    record = next(r for r in caplog.records if r.name == "genever.access")
    assert (record.method, record.path, record.query, record.status) == ("GET", "/small", "q=1", 200)  # type: ignore[attr-defined]
    assert record.duration_ms >= 0  # type: ignore[attr-defined]


def test_trusted_host_compares_host_names_case_insensitively(client_factory: Any) -> None:
    allowed = ["Example.com", "*.API.example.com", "www.site.test", "[::1]"]
    client = client_factory(_app_with(Middleware(TrustedHostMiddleware, allowed_hosts=allowed)))
    for host in ("EXAMPLE.COM", "example.com:8000", "Example.Com.", "V1.api.EXAMPLE.com", "[::1]:8000", "[::1]"):
        assert client.get("/small", headers={"host": host}).status_code == 200, host
    for host in ("evil.com", "example.com.evil.com", "api.example.com", "[::2]:8000", "", "EXAMPLE.COM@evil.com"):
        assert client.get("/small", headers={"host": host}).status_code == 400, host
    redirect = client.get("/small?x=1", headers={"host": "SITE.test:8000"}, follow_redirects=False)
    assert redirect.status_code == 307
    assert redirect.headers["location"] == "http://www.SITE.test:8000/small?x=1"


def test_cors_any_origin_with_credentials_is_refused_at_start_up() -> None:
    from genever.middleware.cors import CORSMiddleware

    with pytest.raises(ConfigurationError, match=r"allow_origins=\['\*'\] with allow_credentials=True"):
        CORSMiddleware(allow_origins=["*"], allow_credentials=True)
    app = Genever()
    app.add_middleware(CORSMiddleware, allow_origins=["https://a.example", "*"], allow_credentials=True)

    @app.get("/x")
    def x() -> dict[str, int]:
        return {"x": 1}

    with pytest.raises(ConfigurationError, match="allow_credentials"):
        app.freeze()
    CORSMiddleware(allow_origins=["*"])  # any origin without credentials is fine
    CORSMiddleware(allow_origins=["https://a.example"], allow_credentials=True)
