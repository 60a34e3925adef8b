"""``genever run``'s options, each against the real server (Granian through ``genever run``), and
the ones that live in the app (proxy headers, request timeout, concurrency cap) also on uvicorn."""

from __future__ import annotations

import concurrent.futures
import datetime
import ipaddress
import json
import os
import socket
import ssl
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from genever.cli import _server_config, main
from tests.servers import ROOT, free_port, output, started

BIN = Path(sys.executable).parent
APP = "tests.server_apps.production:app"


def genever_run(port: int, *flags: str, target: str = APP) -> list[str]:
    # one worker unless a test asks for more (the default is one per core)
    return [str(BIN / "genever"), "run", target, "--port", str(port), "--workers", "1", "--log-level", "warning",
            *flags]


def wait_for(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


# -- options that live in the app: on genever run and on uvicorn ---------------------------------

APP_SERVERS = {
    "genever-run": lambda port: genever_run(
        port, "--forwarded-allow-ips", "127.0.0.1", "--request-timeout", "2", "--limit-concurrency", "2"
    ),
    "uvicorn": lambda port: [
        sys.executable, "-m", "uvicorn", "tests.server_apps.production_configured:app", "--port", str(port),
        "--no-proxy-headers", "--log-level", "warning",
    ],
}


@pytest.fixture(scope="module")
def markers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("markers")


@pytest.fixture(scope="module", params=sorted(APP_SERVERS))
def app_server(request: pytest.FixtureRequest, markers: Path) -> Iterator[str]:
    port = free_port()
    with started(APP_SERVERS[request.param](port), port, {"GENEVER_TEST_MARKERS": str(markers)}) as (base, _):
        yield base


def test_proxy_headers_from_a_trusted_peer(app_server: str) -> None:
    xff = {"X-Forwarded-For": "203.0.113.7, 127.0.0.1", "X-Forwarded-Proto": "https",
           "X-Forwarded-Host": "api.example.com"}
    seen = httpx.get(app_server + "/whoami", headers=xff).json()
    assert seen["client"][0] == "203.0.113.7"  # the right-most untrusted hop
    assert seen["scheme"] == "https"
    assert seen["url"] == "https://api.example.com/whoami"
    assert seen["url_for"] == "https://api.example.com/whoami"
    forwarded = {"Forwarded": 'for="[2001:db8::1]:4711";proto=https;host=shop.example'}
    seen = httpx.get(app_server + "/whoami", headers=forwarded).json()
    assert seen["client"] == ["2001:db8::1", 4711]
    assert seen["url"] == "https://shop.example/whoami"
    plain = httpx.get(app_server + "/whoami").json()
    assert plain["client"][0] == "127.0.0.1"
    assert plain["scheme"] == "http"


def test_a_request_over_the_timeout_is_answered_504_and_cleaned_up(app_server: str, markers: Path) -> None:
    tag = f"timeout{free_port()}"
    started_at = time.monotonic()
    response = httpx.get(f"{app_server}/slow?seconds=5&tag={tag}", timeout=10)
    assert (response.status_code, response.json()) == (504, {"detail": "Request timed out"})
    assert time.monotonic() - started_at < 4.5
    wait_for(lambda: (markers / f"cleanup-{tag}").exists(), 3)  # the yield dependency's finally ran
    assert not (markers / f"finished-{tag}").exists()
    assert httpx.get(f"{app_server}/slow?seconds=0&tag=quick").status_code == 200


def test_requests_over_the_concurrency_cap_get_503(app_server: str, markers: Path) -> None:
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        tags = [f"cap{free_port()}" for _ in range(2)]
        slow = [pool.submit(httpx.get, f"{app_server}/slow?seconds=1.5&tag={t}", timeout=10) for t in tags]
        wait_for(lambda: all((markers / f"begun-{t}").exists() for t in tags))
        refused = httpx.get(app_server + "/health")
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "1"
        assert [f.result().status_code for f in slow] == [200, 200]
    assert httpx.get(app_server + "/health").status_code == 200


def test_proxy_headers_from_an_untrusted_peer_are_ignored() -> None:
    port = free_port()
    with started(genever_run(port, "--forwarded-allow-ips", "10.0.0.0/8"), port) as (base, _):
        headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "Forwarded": "for=198.51.100.1"}
        seen = httpx.get(base + "/whoami", headers=headers).json()
    assert seen["client"][0] == "127.0.0.1"
    assert seen["scheme"] == "http"
    assert seen["url"] == f"http://127.0.0.1:{port}/whoami"


# -- server options --------------------------------------------------------------------------------


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its PKCS#8 key, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    certfile, keyfile = directory / "cert.pem", directory / "key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return certfile, keyfile


def test_tls_with_http2_by_alpn(tmp_path: Path) -> None:
    certfile, keyfile = self_signed(tmp_path)
    port = free_port()
    argv = genever_run(port, "--ssl-certfile", str(certfile), "--ssl-keyfile", str(keyfile))
    with started(argv, port, probe=f"https://127.0.0.1:{port}/health") as _:
        url = f"https://127.0.0.1:{port}/whoami"
        trust = ssl.create_default_context(cafile=str(certfile))
        with httpx.Client(verify=trust) as h1:
            response = h1.get(url)
            assert (response.http_version, response.json()["scheme"]) == ("HTTP/1.1", "https")
        with httpx.Client(verify=trust, http2=True) as h2:
            response = h2.get(url)
            assert (response.http_version, response.json()["scheme"]) == ("HTTP/2", "https")
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/health")  # plain HTTP on the TLS port


def test_plain_tcp_is_http1_only_unless_http2_is_asked_for() -> None:
    prior_knowledge = {"http1": False, "http2": True}
    port = free_port()
    with (started(genever_run(port), port) as (base, _), httpx.Client(**prior_knowledge) as client,
          pytest.raises(httpx.RemoteProtocolError)):
        client.get(base + "/health")
    port = free_port()
    with (started(genever_run(port, "--http", "2"), port, probe="tcp") as (base, _),
          httpx.Client(**prior_knowledge) as client):
        response = client.get(base + "/whoami")
    assert response.http_version == "HTTP/2"


def _idle_connection_closed_after(port: int, idle: float) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert b"200 OK" in sock.recv(4096)
        time.sleep(idle)
        try:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            return sock.recv(4096) == b""
        except (ConnectionResetError, BrokenPipeError):
            return True


def test_timeout_keep_alive_closes_idle_connections() -> None:
    port = free_port()
    with started(genever_run(port, "--timeout-keep-alive", "1"), port):
        assert _idle_connection_closed_after(port, 2.5)
    port = free_port()
    with started(genever_run(port, "--timeout-keep-alive", "10"), port):
        assert not _idle_connection_closed_after(port, 2.5)


def test_root_path() -> None:
    port = free_port()
    with started(genever_run(port, "--root-path", "/api/"), port) as (base, _):
        seen = httpx.get(base + "/whoami").json()
        openapi = httpx.get(base + "/openapi.json").json()
    assert seen["root_path"] == "/api"
    assert seen["url_for"] == f"http://127.0.0.1:{port}/api/whoami"
    assert openapi["servers"] == [{"url": "/api"}]


def test_unix_domain_socket(tmp_path: Path) -> None:
    path = tmp_path / "genever.sock"
    argv = [str(BIN / "genever"), "run", APP, "--uds", str(path), "--workers", "1"]
    with started(argv, 0, probe=f"unix:{path}"):
        with httpx.Client(transport=httpx.HTTPTransport(uds=str(path))) as client:
            assert client.get("http://localhost/whoami").json()["scheme"] == "http"
        assert path.is_socket()
    assert not path.exists()  # removed on shutdown


def test_access_log_is_json_lines() -> None:
    port = free_port()
    with started(genever_run(port, "--access-log"), port) as (base, proc):
        httpx.get(base + '/whoami?q="x"')
        wait_for(lambda: "/whoami" in output(proc))
        text = output(proc)
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{") and "/whoami" in line]
    assert len(lines) == 1
    entry = lines[0]
    assert {k: entry[k] for k in ("client", "method", "path", "status", "protocol")} == {
        "client": "127.0.0.1", "method": "GET", "path": "/whoami", "status": 200, "protocol": "HTTP/1.1"}
    assert entry["query"] == "q=%22x%22"
    assert entry["duration_ms"] >= 0
    assert entry["time"].endswith("Z")


def test_settings_from_the_environment(tmp_path: Path) -> None:
    port = free_port()
    env = {"GENEVER_PORT": str(port), "GENEVER_ROOT_PATH": "/env", "GENEVER_ACCESS_LOG": "true",
           "GENEVER_WORKERS": "1", "GENEVER_LOG_LEVEL": "warning"}
    with started([str(BIN / "genever"), "run", APP], port, env) as (base, proc):
        assert httpx.get(base + "/whoami").json()["root_path"] == "/env"
        wait_for(lambda: '"path":"/whoami"' in output(proc))
    port = free_port()
    env = {"GENEVER_PORT": str(port), "GENEVER_ROOT_PATH": "/env"}
    with started(genever_run(port, "--root-path", "/flag"), port, env) as (base, _):
        assert httpx.get(base + "/whoami").json()["root_path"] == "/flag"  # a flag wins over the environment


def test_workers_default_to_one_per_core(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import argparse

    from genever import cli

    def parse(argv: list[str]) -> argparse.Namespace:
        parser = argparse.ArgumentParser()
        parser.add_argument("target")
        cli._add_run_options(parser)
        return parser.parse_args(argv)

    cores = len(os.sched_getaffinity(0))
    assert _server_config(parse([APP])).workers == min(cores, cli._default_workers())
    # a container's CPU limit (cgroup v2 cpu.max: quota and period in microseconds), rounded up
    limits = tmp_path / "cpu.max"
    for text, expected in [("max 100000", cores), ("150000 100000", min(cores, 2)), ("50000 100000", 1),
                           ("garbage", cores)]:
        limits.write_text(text + "\n")
        assert cli._default_workers(limits) == expected
    assert cli._default_workers(tmp_path / "missing") == cores
    assert _server_config(parse([APP, "--workers", "3"])).workers == 3
    monkeypatch.setenv("GENEVER_WORKERS", "5")
    assert _server_config(parse([APP])).workers == 5
    monkeypatch.setenv("GENEVER_WORKERS", "many")
    monkeypatch.chdir(ROOT)
    assert main(["run", APP]) == 2
    assert "GENEVER_WORKERS='many' is not valid" in capsys.readouterr().err


def test_reload_restarts_on_a_change(tmp_path: Path) -> None:
    module = tmp_path / "reloadable_app.py"
    module.write_text(
        "from genever import Genever\napp = Genever()\n"
        "@app.get('/health')\ndef health() -> dict[str, int]:\n    return {'version': 1}\n"
    )
    port = free_port()
    argv = [str(BIN / "genever"), "run", "reloadable_app:app", "--port", str(port), "--workers", "1", "--reload"]
    with started(argv, port, cwd=tmp_path) as (base, _):
        assert httpx.get(base + "/health").json() == {"version": 1}
        module.write_text(module.read_text().replace("'version': 1", "'version': 2"))

        def reloaded() -> bool:
            try:
                return bool(httpx.get(base + "/health").json() == {"version": 2})
            except httpx.TransportError:
                return False

        wait_for(reloaded, 20)


def test_backpressure_queues_the_excess_and_granian_settings_apply() -> None:
    port = free_port()
    flags = ("--backpressure", "1", "--backlog", "256", "--loop", "asyncio", "--runtime-mode", "mt")
    with started(genever_run(port, *flags), port) as (base, _), concurrent.futures.ThreadPoolExecutor(2) as pool:
        began = time.monotonic()
        calls = [pool.submit(httpx.get, f"{base}/slow?seconds=1&tag=bp{i}", timeout=10) for i in range(2)]
        assert [call.result().status_code for call in calls] == [200, 200]
        took = time.monotonic() - began
    assert took >= 1.9  # one at a time: the second waited for the first (not refused)
