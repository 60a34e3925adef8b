"""The real servers: ``genever run`` (Granian, RSGI) and uvicorn (ASGI) on a loopback socket.

The in-process clients fake the protocol objects; this checks the app against
the real Granian RSGI implementation (path decoding, bodies, HEAD, lifespan).
"""

from __future__ import annotations

import concurrent.futures
import os
import signal
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.servers import free_port, served_by_each, started

BIN = Path(sys.executable).parent


SERVERS = {
    "genever-run": lambda port: [str(BIN / "genever"), "run", "examples.service:app", "--port", str(port)],
    "uvicorn": lambda port: [sys.executable, "-m", "uvicorn", "examples.service:app", "--port", str(port)],
    "granian-asgi": lambda port: [
        sys.executable, "-m", "granian", "--interface", "asgi", "--port", str(port), "examples.service:app"
    ],
}


base_url = served_by_each(SERVERS)


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


# -- genever run as a production server: process shape, respawn, drain ----------------------------

PRODUCTION_APP = "tests.server_apps.production:app"


def genever_run(port: int, *flags: str, target: str = PRODUCTION_APP) -> list[str]:
    return [str(BIN / "genever"), "run", target, "--port", str(port), *flags]


def wait_for(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_one_worker_is_one_process() -> None:
    from benchmarks.respawn import children

    port = free_port()
    with started(genever_run(port, "--workers", "1"), port) as (base, proc):
        assert httpx.get(base + "/pid").json()["pid"] == proc.pid  # the app runs in the started process
        assert children(proc.pid) == set()


def test_a_killed_worker_is_respawned_and_few_requests_fail() -> None:
    from benchmarks.respawn import children, kill_one_worker

    port = free_port()
    with started(genever_run(port, "--workers", "2"), port) as (base, proc):
        deadline = time.monotonic() + 10
        while len(children(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        result = kill_one_worker(proc.pid, base, seconds=4, path="/health")
        assert len(children(proc.pid)) == 2
    # issue 14's bar is 2 s and 1%; the machine running the suite may be loaded, the figures are in the README
    assert result["respawn_s"] < 2, result
    assert result["sent"] > 100, result
    assert result["failed_pct"] < 1, result


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sigterm_drains_in_flight_requests(workers: str, tmp_path: Path) -> None:
    port = free_port()
    env = {"GENEVER_TEST_MARKERS": str(tmp_path)}
    with started(genever_run(port, "--workers", workers), port, env) as (base, proc):
        with concurrent.futures.ThreadPoolExecutor(10) as pool:
            calls = [pool.submit(httpx.get, f"{base}/slow?seconds=2&tag=t{i}", timeout=10) for i in range(10)]
            wait_for(lambda: len(list(tmp_path.glob("begun-*"))) == 10)
            os.kill(proc.pid, signal.SIGTERM)
            answers = [call.result() for call in calls]
        assert proc.wait(10) == 0
    assert [a.status_code for a in answers] == [200] * 10
    assert len(list(tmp_path.glob("cleanup-t*"))) == 10
    assert list(tmp_path.glob("shutdown-*"))  # the lifespan's shutdown ran in the worker(s)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_graceful_timeout_bounds_the_drain(workers: str, tmp_path: Path) -> None:
    port = free_port()
    env = {"GENEVER_TEST_MARKERS": str(tmp_path)}
    argv = genever_run(port, "--workers", workers, "--graceful-timeout", "1")
    with started(argv, port, env) as (base, proc), concurrent.futures.ThreadPoolExecutor(1) as pool:
        call = pool.submit(httpx.get, f"{base}/slow?seconds=30", timeout=60)
        wait_for(lambda: any(tmp_path.glob("begun-*")))
        stopping = time.monotonic()
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(15)
        took = time.monotonic() - stopping
        with pytest.raises(httpx.HTTPError):
            call.result()
    assert took < 10  # the request would have taken 30 s
