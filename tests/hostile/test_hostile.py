"""The hostile-input suite on the real servers: every probe of ``probes.py`` against
``genever run`` (Granian, RSGI) and uvicorn (ASGI), with real sockets.

For each server it prints a table (probes tried, answered correctly, 500s, hangs,
leaks) and fails unless every probe was answered correctly, the server still
answers, and no descriptor or asyncio task was left behind (``/proc/PID/fd``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.hostile.probes import LIMIT, PROBES, Outcome, Target
from tests.hostile.tree import make_tree
from tests.hostile.wire import open_fds
from tests.servers import free_port, serve, server_commands

APP = "tests.server_apps.hostile:app"
SERVERS = server_commands(APP)


@pytest.fixture(scope="module", params=sorted(SERVERS))
def target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Target, str]]:
    site = make_tree(tmp_path_factory.mktemp(f"hostile-{request.param}"))
    port = free_port()
    env = {"GENEVER_TEST_STATIC": str(site), "GENEVER_TEST_MAX_BODY": str(LIMIT)}
    with serve(SERVERS[request.param](port), port, env=env) as base:
        yield Target(request.param, port), base


def _resources(base: str) -> tuple[int, int]:
    pid = httpx.get(base + "/health", timeout=5).json()["pid"]
    return open_fds(pid), httpx.get(base + "/tasks", timeout=5).json()["tasks"]


def _settled(base: str, baseline: tuple[int, int], seconds: float = 15) -> tuple[int, int]:
    deadline = time.monotonic() + seconds
    now = _resources(base)
    while (now[0] > baseline[0] or now[1] > baseline[1]) and time.monotonic() < deadline:
        time.sleep(0.25)
        now = _resources(base)
    return now


def test_every_probe_is_answered_correctly(target: tuple[Target, str], capsys: pytest.CaptureFixture[str]) -> None:
    server, base = target
    for _ in range(3):  # warm up: the first requests open what stays open (pools, caches)
        httpx.get(base + "/query?q=x")
        httpx.post(base + "/upload", files={"file": ("w.bin", b"w" * 2_000_000)}, data={"note": "w"})
    baseline = _settled(base, _resources(base), seconds=2)
    results: list[tuple[str, str, Outcome]] = []
    dead_after: list[str] = []
    started = time.monotonic()
    for probe in PROBES:
        try:
            outcome = probe.run(server)
        except Exception as exc:  # a probe that breaks is a failed probe, reported with the others
            outcome = Outcome(False, "error", f"{type(exc).__name__}: {exc}"[:80])
        results.append((probe.category, probe.name, outcome))
        try:
            alive = httpx.get(base + "/health", timeout=5).status_code == 200
        except httpx.HTTPError:
            alive = False
        if not alive:
            dead_after.append(probe.name)
            break
    elapsed = time.monotonic() - started
    final = _settled(base, baseline)
    leaked_fds = max(final[0] - baseline[0], 0)
    leaked_tasks = max(final[1] - baseline[1], 0)

    failures = [(c, n, o) for c, n, o in results if not o.ok]
    errors_500 = [n for _, n, o in results if o.status == 500]
    hangs = [n for _, n, o in results if o.status == "hang"]
    lines = [f"hostile suite on {server.name}: {len(results)} probes in {elapsed:.1f}s"]
    lines.append(f"  {'category':<9}{'tried':>7}{'correct':>9}{'500s':>6}{'hangs':>7}")
    for category in ("http", "body", "path", "ws"):
        rows = [o for c, _, o in results if c == category]
        lines.append(
            f"  {category:<9}{len(rows):>7}{sum(o.ok for o in rows):>9}"
            f"{sum(o.status == 500 for o in rows):>6}{sum(o.status == 'hang' for o in rows):>7}"
        )
    lines.append(
        f"  {'total':<9}{len(results):>7}{len(results) - len(failures):>9}{len(errors_500):>6}{len(hangs):>7}"
        f"   leaks: {leaked_fds} descriptors, {leaked_tasks} tasks"
    )
    for category, name, outcome in failures:
        lines.append(f"  FAILED [{category}] {name}: {outcome.status} {outcome.note}")
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert not dead_after, f"the server stopped answering after {dead_after}"
    assert not failures, "\n".join(lines)
    assert (leaked_fds, leaked_tasks) == (0, 0), "\n".join(lines)
