"""ProxyHeadersMiddleware: who is trusted, what the headers say, and what the app then sees
(both adapters in process; tests/test_run.py has it on the real servers)."""

from __future__ import annotations

from typing import Any

import pytest

from genever import Genever, Request
from genever.middleware.proxy_headers import ProxyHeadersMiddleware


class Headers:
    def __init__(self, **headers: str) -> None:
        self.headers = {k.replace("_", "-"): v for k, v in headers.items()}

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


TRUSTED = ProxyHeadersMiddleware("127.0.0.1, 10.0.0.0/8, ::1")


@pytest.mark.parametrize(
    ("host", "trusted"),
    [("127.0.0.1", True), ("10.2.3.4", True), ("::1", True), ("11.0.0.1", False), ("testclient", False), ("", False)],
)
def test_trusted_hosts(host: str, trusted: bool) -> None:
    assert TRUSTED.trusts(host) is trusted
    assert ProxyHeadersMiddleware("*").trusts(host)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x_forwarded_for": "203.0.113.7"}, (("203.0.113.7", 0), None, None)),
        # the right-most hop that is not a trusted proxy: the left part can be forged by the client
        ({"x_forwarded_for": "1.1.1.1, 203.0.113.7, 10.0.0.5"}, (("203.0.113.7", 0), None, None)),
        ({"x_forwarded_for": "10.0.0.9, 10.0.0.5"}, (("10.0.0.9", 0), None, None)),
        ({"x_forwarded_for": "[2001:db8::7]:443"}, (("2001:db8::7", 443), None, None)),
        ({"x_forwarded_proto": "https", "x_forwarded_host": "a.example, b.example"},
         (None, "https", "b.example")),
        ({"forwarded": 'for=192.0.2.60;proto=https;host="api.example"'}, (("192.0.2.60", 0), "https", "api.example")),
        ({"forwarded": 'for=192.0.2.60:8080, for=10.0.0.1;proto=http'}, (("192.0.2.60", 8080), None, None)),
        ({"forwarded": "For=unknown;Proto=https"}, (None, "https", None)),
        # Forwarded wins over the X- headers
        ({"forwarded": "for=192.0.2.1", "x_forwarded_for": "203.0.113.7"}, (("192.0.2.1", 0), None, None)),
        ({}, None),
    ],
)
def test_what_the_proxies_said(headers: dict[str, str], expected: Any) -> None:
    assert TRUSTED.forwarded(Headers(**headers)) == expected  # type: ignore[arg-type]


def test_a_bad_trusted_host_fails_at_startup() -> None:
    with pytest.raises(ValueError, match=r"'proxy\.local' is not an IP address or network"):
        ProxyHeadersMiddleware("proxy.local")


def make_app(trusted: str) -> Genever:
    app = Genever()

    @app.get("/whoami", name="whoami")
    async def whoami(request: Request) -> dict[str, Any]:
        client = request.client
        return {"client": client.host if client else None, "scheme": request.scheme, "url": str(request.url),
                "url_for": str(request.url_for("whoami")), "host": request.headers.get("host")}

    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=trusted)
    return app


def test_the_app_sees_the_clients_view(client_factory: Any) -> None:
    client = client_factory(make_app("*"))
    headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "api.example"}
    assert client.get("/whoami", headers=headers).json() == {
        "client": "203.0.113.7", "scheme": "https", "url": "https://api.example/whoami",
        "url_for": "https://api.example/whoami", "host": "api.example"}
    # nonsense is ignored field by field
    bad = {"X-Forwarded-For": "not-an-ip", "X-Forwarded-Proto": "gopher", "X-Forwarded-Host": "a b/c"}
    seen = client.get("/whoami", headers=bad).json()
    assert seen["scheme"] == "http"
    assert seen["host"] == "testserver"
    assert seen["client"] != "not-an-ip"


def test_an_untrusted_peer_changes_nothing(client_factory: Any) -> None:
    client = client_factory(make_app("192.0.2.250"))
    plain = client.get("/whoami").json()
    forged = client.get("/whoami", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}).json()
    assert forged == plain
