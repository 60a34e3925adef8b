"""The real servers: ``genever run`` (Granian, RSGI) and uvicorn (ASGI) on a loopback socket.

The in-process clients fake the protocol objects; this checks the app against
the real Granian RSGI implementation (path decoding, bodies, HEAD, lifespan).
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.servers import free_port, serve

BIN = Path(sys.executable).parent


SERVERS = {
    "genever-run": lambda port: [str(BIN / "genever"), "run", "examples.service:app", "--port", str(port)],
    "uvicorn": lambda port: [sys.executable, "-m", "uvicorn", "examples.service:app", "--port", str(port)],
    "granian-asgi": lambda port: [
        sys.executable, "-m", "granian", "--interface", "asgi", "--port", str(port), "examples.service:app"
    ],
}


@pytest.fixture(scope="module", params=sorted(SERVERS))
def base_url(request: pytest.FixtureRequest) -> Iterator[str]:
    port = free_port()
    with serve(SERVERS[request.param](port), port) as base:
        yield base


def test_example_service_on_a_real_server(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        assert client.get("/health").json() == {"status": "ok"}
        assert client.get("/items/1").json()["name"] == "widget"
        assert client.get("/items/%31").json()["id"] == 1  # the path is percent-decoded, as in ASGI
        assert client.get("/items/0").status_code == 422
        assert client.get("/items/abc").json()["detail"][0]["type"] == "int_parsing"
        assert client.get("/items?tag=tools&limit=5").json()["items"][0]["id"] == 1
        # the OAuth2 password form (urlencoded body) read from the real server's stream
        login = client.post("/token", data={"username": "alice", "password": "secret", "scope": "me items"})
        assert login.status_code == 200, login.text
        auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
        name = f"gadget {uuid.uuid4().hex[:8]}"  # the servers share the session's database
        created = client.post("/items", json={"name": name, "price": 3}, headers=auth)
        assert created.status_code == 201
        assert created.json()["name"] == name
        assert client.get(f"/items/{created.json()['id']}").json() == created.json()
        wrong = {"Authorization": "Bearer no"}
        assert client.post("/items", json={"name": "x", "price": 3}, headers=wrong).status_code == 401
        json_headers = {**auth, "Content-Type": "application/json"}
        bad = client.post("/items", content=b'{"name": ', headers=json_headers)
        assert bad.status_code == 422
        assert bad.json()["detail"][0]["type"] == "json_invalid"
        head = client.head("/health")
        assert head.status_code == 200
        assert head.content == b""
        assert client.delete("/health").headers["allow"] == "GET, HEAD"
        assert client.get("/nowhere").status_code == 404
