"""``genever.metrics``: per-route counters and histograms, process metrics, the /metrics scrape
(Prometheus text and OpenMetrics), and one scrape for all workers under ``genever run --workers 2``."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from genever import Genever, HTTPException, metrics
from genever.responses import StreamingResponse
from tests.servers import free_port, serve

BIN = Path(sys.executable).parent


def parse(text: str) -> dict[str, float]:
    """``{'name{labels}': value}`` for every sample of a scrape (labels as written)."""
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


def make_app() -> Genever:
    app = Genever()

    @app.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, int]:
        if item_id == 0:
            raise HTTPException(404)
        if item_id == 13:
            raise RuntimeError("unlucky")
        return {"id": item_id}

    @app.post("/items")
    async def create(data: dict[str, Any]) -> dict[str, Any]:
        return data

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def chunks() -> Any:
            yield b"abc"

        return StreamingResponse(chunks())

    metrics.instrument(app, buckets=(0.5, 1.0))
    return app


def test_requests_are_counted_by_route_template_method_and_status_class(client_factory: Callable[..., Any]) -> None:
    client = client_factory(make_app(), raise_server_exceptions=False)
    for item_id in (1, 2, 3, 0, 13):
        client.get(f"/items/{item_id}")
    client.post("/items", json={"name": "x"})
    client.get("/stream")
    client.get("/nowhere/1")
    client.get("/nowhere/2")
    client.delete("/items/1")  # 405: answered before a route is chosen
    scrape = client.get("/metrics")
    assert scrape.status_code == 200
    assert scrape.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    samples = parse(scrape.text)
    item = 'method="GET",route="/items/{item_id}"'
    assert samples[f'http_requests_total{{{item},status="2xx"}}'] == 3
    assert samples[f'http_requests_total{{{item},status="4xx"}}'] == 1
    assert samples[f'http_requests_total{{{item},status="5xx"}}'] == 1
    assert samples['http_requests_total{method="POST",route="/items",status="2xx"}'] == 1
    # raw paths never become labels: unmatched requests share one
    assert samples['http_requests_total{method="GET",route="<unmatched>",status="4xx"}'] == 2
    assert samples['http_requests_total{method="DELETE",route="<unmatched>",status="4xx"}'] == 1
    assert not any("/nowhere" in name or "/items/1" in name for name in samples)
    # the histogram: two buckets, +Inf, sum and count
    assert samples[f'http_request_duration_seconds_bucket{{{item},le="0.5"}}'] == 5
    assert samples[f'http_request_duration_seconds_bucket{{{item},le="+Inf"}}'] == 5
    assert samples[f"http_request_duration_seconds_count{{{item}}}"] == 5
    assert 0 < samples[f"http_request_duration_seconds_sum{{{item}}}"] < 5
    # nothing in flight once answered; the scrape itself is
    assert samples[f"http_requests_in_progress{{{item}}}"] == 0
    assert samples['http_requests_in_progress{method="GET",route="/metrics"}'] == 1
    # sizes: the request's Content-Length, bodies held in memory (a stream's size is unknown)
    assert samples['http_request_size_bytes_sum{method="POST",route="/items"}'] == len(b'{"name":"x"}')
    assert samples['http_response_size_bytes_sum{method="POST",route="/items"}'] == len(b'{"name":"x"}')
    assert samples['http_response_size_bytes_count{method="POST",route="/items"}'] == 1
    assert 'http_response_size_bytes_count{method="GET",route="/stream"}' not in samples
    assert samples['http_requests_total{method="GET",route="/stream",status="2xx"}'] == 1
    # process metrics
    assert samples["process_cpu_seconds_total"] > 0
    assert samples["process_resident_memory_bytes"] > 1e6
    assert samples["process_open_fds"] >= 3
    assert samples['python_gc_collections_total{generation="0"}'] >= 0


def test_openmetrics_on_content_negotiation(client_factory: Callable[..., Any]) -> None:
    client = client_factory(make_app())
    client.get("/items/1")
    accept = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"
    scrape = client.get("/metrics", headers={"accept": accept})
    assert scrape.headers["content-type"] == "application/openmetrics-text; version=1.0.0; charset=utf-8"
    text = scrape.text
    assert text.endswith("# EOF\n")
    assert "# TYPE http_requests counter\n" in text  # the family is named without _total in OpenMetrics
    assert 'http_requests_total{method="GET",route="/items/{item_id}",status="2xx"} 1.0' in text
    assert "# TYPE http_request_duration_seconds histogram" in text
    plain = client.get("/metrics").text
    assert "# TYPE http_requests_total counter\n" in plain
    assert "# EOF" not in plain


def test_prometheus_client_parses_both_formats(client_factory: Callable[..., Any]) -> None:
    from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
    from prometheus_client.parser import text_string_to_metric_families as parse_prometheus

    client = client_factory(make_app(), raise_server_exceptions=False)
    for path in ("/items/1", "/items/13", "/stream", "/nowhere", '/items/"quoted"'):
        client.get(path)
    openmetrics = client.get("/metrics", headers={"accept": "application/openmetrics-text"}).text
    families = {family.name: family for family in parse_openmetrics(openmetrics)}
    assert families["http_requests"].type == "counter"
    assert families["http_request_duration_seconds"].type == "histogram"
    assert families["process_cpu_seconds"].type == "counter"
    requests = {(s.labels["route"], s.labels["status"]): s.value for s in families["http_requests"].samples}
    assert requests[("/items/{item_id}", "2xx")] == 1
    assert requests[("/items/{item_id}", "5xx")] == 1
    prometheus = {family.name: family for family in parse_prometheus(client.get("/metrics").text)}
    assert prometheus["http_requests"].type == "counter"
    assert prometheus["http_requests_in_progress"].type == "gauge"


def test_head_requests_have_their_own_label(client_factory: Callable[..., Any]) -> None:
    client = client_factory(make_app())
    client.head("/items/5")
    samples = parse(client.get("/metrics").text)
    assert samples['http_requests_total{method="HEAD",route="/items/{item_id}",status="2xx"}'] == 1


def test_an_app_without_metrics_is_not_instrumented() -> None:
    app = Genever()

    @app.get("/")
    async def root() -> dict[str, str]:
        return {}

    server = app.freeze()
    assert app._instruments == []
    assert server.route_only  # the RSGI adapter still goes straight to the router
    assert server.pipeline == server.route


def test_metrics_survive_a_refreeze(client_factory: Callable[..., Any]) -> None:
    app = make_app()
    client = client_factory(app)
    client.get("/items/1")

    @app.get("/later")
    async def later() -> dict[str, str]:
        return {}

    client.get("/later")
    samples = parse(client.get("/metrics").text)
    assert samples['http_requests_total{method="GET",route="/items/{item_id}",status="2xx"}'] == 1
    assert samples['http_requests_total{method="GET",route="/later",status="2xx"}'] == 1


def test_bad_buckets_are_refused() -> None:
    with pytest.raises(ValueError, match="increasing"):
        metrics.instrument(Genever(), buckets=(1.0, 0.5))


def test_instrumenting_a_serving_app_is_an_error(client_factory: Callable[..., Any]) -> None:
    from genever.exceptions import FrozenAppError

    app = make_app()
    client_factory(app).get("/items/1")
    with pytest.raises(FrozenAppError):
        metrics.instrument(app)


def test_a_directory_of_worker_files_is_added_up(tmp_path: Path) -> None:
    # two stores in one directory, as two workers would write them: the scrape sums the counters
    from genever.metrics._store import Layout, Store

    app = make_app()
    app._instruments[0]._directory = str(tmp_path)
    from genever.testclient import TestClient

    client = TestClient(app)
    client.get("/items/1")
    mine = app._instruments[0]
    other = Store(Layout(mine.layout.series, mine.buckets), None)
    base = other.layout.base[("/items/{item_id}", "GET")]
    other.values[base + 1] = 41  # 2xx
    (tmp_path / "999999999.db").write_bytes(_file_bytes(other, 999999999))
    samples = parse(client.get("/metrics").text)
    assert samples['http_requests_total{method="GET",route="/items/{item_id}",status="2xx"}'] == 42
    # a worker that is gone keeps its counters but not its gauges or process metrics
    assert 'process_start_time_seconds{pid="999999999"}' not in samples


def _file_bytes(store: Any, pid: int) -> bytes:
    import struct

    header = store.layout.describe(pid)
    header += b" " * (-len(header) % 8)
    return b"GNVMTRC1" + struct.pack("<Q", len(header)) + header + store.values.tobytes()


# -- the real servers ------------------------------------------------------------------------------
def test_one_scrape_counts_the_requests_of_both_workers() -> None:
    port = free_port()
    argv = [str(BIN / "genever"), "run", "tests.server_apps.observed:app", "--port", str(port), "--workers", "2"]
    with serve(argv, port) as base:
        pids: dict[int, int] = {}
        sent = 0
        while len(pids) < 2 or sent < 40:
            assert sent < 400, f"only workers {pids} answered"
            with httpx.Client(base_url=base, timeout=10) as client:  # a new connection: any worker may take it
                pid = client.get("/pid").json()["pid"]
            pids[pid] = pids.get(pid, 0) + 1
            sent += 1
        with httpx.Client(base_url=base, timeout=10) as client:
            text = client.get("/metrics").text
    samples = parse(text)
    assert samples['http_requests_total{method="GET",route="/pid",status="2xx"}'] == sent
    workers = set(re.findall(r'process_start_time_seconds\{pid="(\d+)"\}', text))
    assert workers == {str(pid) for pid in pids}
    for pid in pids:
        assert samples[f'process_resident_memory_bytes{{pid="{pid}"}}'] > 1e6


@pytest.mark.parametrize("server", ["uvicorn", "granian-rsgi"])
def test_scrape_through_a_real_server(server: str) -> None:
    port = free_port()
    target = "tests.server_apps.observed:app"
    argv = {
        "uvicorn": [sys.executable, "-m", "uvicorn", target, "--port", str(port)],
        "granian-rsgi": [sys.executable, "-m", "granian", "--interface", "rsgi", "--port", str(port), target],
    }[server]
    with serve(argv, port) as base:
        with httpx.Client(base_url=base, timeout=10) as client:
            client.get("/items/7")
            client.get("/items/0")
            client.post("/echo", json={"a": 1})
            assert client.get("/fail").status_code == 500  # uvicorn then closes the connection
        samples = parse(httpx.get(base + "/metrics", timeout=10).text)
    assert samples['http_requests_total{method="GET",route="/items/{item_id}",status="2xx"}'] == 1
    assert samples['http_requests_total{method="GET",route="/items/{item_id}",status="4xx"}'] == 1
    assert samples['http_requests_total{method="GET",route="/fail",status="5xx"}'] == 1
    assert samples['http_request_size_bytes_sum{method="POST",route="/echo"}'] == len(b'{"a":1}')
