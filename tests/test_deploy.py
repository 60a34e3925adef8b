"""deploy/: the Kubernetes manifests parse and hang together, the Dockerfile keeps its promises,
and the nginx config passes ``nginx -t`` and balances two real ``genever run`` instances."""

from __future__ import annotations

import concurrent.futures
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.servers import ROOT, free_port, started

DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"  # .ci/run installs Debian's nginx


def manifests() -> dict[str, dict[str, Any]]:
    docs = {}
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            docs[doc["kind"]] = doc
    return docs


def test_kubernetes_manifests() -> None:
    docs = manifests()
    assert set(docs) == {"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"}
    deployment = docs["Deployment"]
    labels = deployment["spec"]["selector"]["matchLabels"]
    assert deployment["spec"]["template"]["metadata"]["labels"] == labels
    assert docs["Service"]["spec"]["selector"] == labels
    assert docs["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"] == labels
    assert docs["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    env = {item["name"]: item["value"] for item in container["env"] if "value" in item}
    assert all(name.startswith("GENEVER_") for name in env)
    secrets = {item["name"]: item["valueFrom"]["secretKeyRef"] for item in container["env"] if "valueFrom" in item}
    assert set(secrets) == {"DATABASE_URL"}
    assert env["GENEVER_WORKERS"] == "1"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    ports = {port["name"] for port in container["ports"]}
    assert container["readinessProbe"]["httpGet"]["port"] in ports
    assert docs["Service"]["spec"]["ports"][0]["targetPort"] in ports
    # the pod is killed only after the preStop pause and the whole drain
    pre_stop = container["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    assert int(pre_stop[1]) + float(env["GENEVER_GRACEFUL_TIMEOUT"]) < pod["terminationGracePeriodSeconds"]
    # one worker measured at ~40 MiB PSS after load (benchmarks/memory.py): requests above it, a limit with room
    assert _mib(container["resources"]["requests"]["memory"]) >= 48
    assert _mib(container["resources"]["limits"]["memory"]) >= 2 * 48
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert pod["securityContext"]["runAsNonRoot"] is True


def _mib(quantity: str) -> float:
    number, unit = re.fullmatch(r"(\d+)(Mi|Gi)", quantity).groups()  # type: ignore[union-attr]
    return int(number) * (1024 if unit == "Gi" else 1)


def test_dockerfile() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)(?: AS (\w+))?", text, re.M)
    assert len(stages) == 2
    assert all(image.startswith("python:") and image.endswith("-slim") for image, _ in stages)
    final = text.split("\nFROM ")[-1]
    assert "binutils" not in final and "apt-get install" not in final  # no build tools in the final stage
    assert re.search(r"^USER 10001", final, re.M)
    assert "HEALTHCHECK" in final and "/healthz" in final
    assert "exec genever run" in final
    build = text.split("\nFROM ")[1]
    assert "--without-pip" in build and "strip" in build


def test_nginx_config_is_valid(tmp_path: Path) -> None:
    result = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(DEPLOY / "nginx" / "nginx.conf")],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_nginx_balances_instances_and_skips_a_stopped_one(tmp_path: Path) -> None:
    ports = [free_port(), free_port()]
    front = free_port()
    config = (DEPLOY / "nginx" / "nginx.conf").read_text()
    config = config.replace("worker_processes auto;", "worker_processes 1;")
    config = config.replace("listen 8080;", f"listen 127.0.0.1:{front};")
    upstreams = re.findall(r"server 127\.0\.0\.1:800\d[^;]*;", config)
    assert len(upstreams) == 3
    config = config.replace(upstreams[0], upstreams[0].replace("8001", str(ports[0])))
    config = config.replace(upstreams[1], upstreams[1].replace("8002", str(ports[1])))
    config = config.replace(upstreams[2], "")
    (tmp_path / "nginx.conf").write_text(config)
    argv = [[str(BIN / "genever"), "run", "tests.server_apps.production:app", "--port", str(port), "--workers", "1",
             "--forwarded-allow-ips", "127.0.0.1", "--log-level", "warning"] for port in ports]
    nginx = [NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"]
    with (started(argv[0], ports[0]) as (_, first), started(argv[1], ports[1]),
          started(nginx, front, probe=f"http://127.0.0.1:{front}/nginx-health"),
          httpx.Client(base_url=f"http://127.0.0.1:{front}") as client):
        pids = {client.get("/pid").json()["pid"] for _ in range(20)}
        assert len(pids) == 2  # both instances served
        seen = client.get("/whoami", headers={"X-Forwarded-For": "203.0.113.9"}).json()
        # nginx appends the peer it saw (127.0.0.1, trusted) to the client's header: the client is the one before
        assert seen["client"][0] == "203.0.113.9"
        assert seen["url"] == f"http://127.0.0.1:{front}/whoami"
        first.send_signal(signal.SIGTERM)
        first.wait(15)
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda _: client.get("/pid"), range(40)))
        assert [a.status_code for a in answers] == [200] * 40
        assert {a.json()["pid"] for a in answers} == pids - {first.pid}
