"""The example service turns observability on: metrics, request ids, health routes, spans."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from examples.service import app


def test_the_example_service_is_observable(client_factory: Callable[..., Any]) -> None:
    client = client_factory(app)
    response = client.get("/items/1", headers={"X-Request-ID": "example-1"})
    assert response.headers["x-request-id"] == "example-1"
    assert client.get("/healthz").json() == {"status": "alive"}
    from genever.testclient import TestClient

    with TestClient(app) as started:  # readiness needs a started app (other tests shut this one down)
        assert started.get("/readyz").status_code == 200
    scrape = client.get("/metrics").text
    assert 'http_requests_total{method="GET",route="/items/{item_id}",status="2xx"}' in scrape
    assert any(type(i).__name__ == "Tracing" for i in app._instruments)
