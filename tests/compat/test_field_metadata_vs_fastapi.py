"""Differential tests: pydantic's ``Field(alias=...)`` beside a parameter marker
(``Annotated[int, Field(alias="wire"), Query()]``) names the request key, as in FastAPI."""

from typing import Annotated, Any

import fastapi
import fastapi.testclient
import pytest
from pydantic import Field

import genever
import genever.testclient
from tests.rsgi_client import RSGITestClient

MARKERS = ["Path", "Query", "Header", "Cookie", "Body", "Form"]
METADATA = [Field(alias="wire"), Field(alias="unused", validation_alias="wire")]


def _app(framework: Any, marker: str, metadata: Any) -> Any:
    app = framework.FastAPI() if framework is fastapi else framework.Genever()
    field = framework.Body(embed=True) if marker == "Body" else getattr(framework, marker)()

    @app.post("/{wire}" if marker == "Path" else "/")
    def read_value(value: Annotated[int, metadata, field]) -> Any:
        return value

    return app


def _request(client: Any, marker: str, value: str) -> Any:
    return {
        "Path": lambda: client.post(f"/{value}"),
        "Query": lambda: client.post("/", params={"wire": value}),
        "Header": lambda: client.post("/", headers={"wire": value}),
        "Cookie": lambda: client.post("/", headers={"cookie": f"wire={value}"}),
        "Body": lambda: client.post("/", json={"wire": value}),
        "Form": lambda: client.post("/", data={"wire": value}),
    }[marker]()


@pytest.mark.parametrize("protocol", ["asgi", "rsgi"])
@pytest.mark.parametrize("metadata", METADATA, ids=["alias", "validation_alias"])
@pytest.mark.parametrize("marker", MARKERS)
def test_field_alias_names_the_request_key(protocol: str, marker: str, metadata: Any) -> None:
    theirs = fastapi.testclient.TestClient(_app(fastapi, marker, metadata))
    app = _app(genever, marker, metadata)
    ours = genever.testclient.TestClient(app) if protocol == "asgi" else RSGITestClient(app)
    for value in ("5", "x"):
        mine, expected = _request(ours, marker, value), _request(theirs, marker, value)
        assert (mine.status_code, mine.json()) == (expected.status_code, expected.json())
