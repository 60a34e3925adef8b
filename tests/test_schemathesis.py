"""Property-based API testing of the example service against its own ``/openapi.json``.

schemathesis generates requests from the document (valid and invalid, both of its
generation modes) and runs every check it has on every answer, named explicitly so
that a schemathesis release that changes its defaults changes nothing here: no
server error, status codes, headers, content types and bodies that the document
declares, invalid data refused and valid data accepted, required headers enforced,
methods the document does not list refused with an ``Allow`` header (the stateful
checks need links, which the document has none of, and pass through).

It runs in process (ASGI) and against ``genever run`` on a real socket. One answer
is outside the document, as in FastAPI's: a body that cannot be decoded at all
(invalid UTF-8) is FastAPI's 400, checked here to be given for exactly such bodies.
"""

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from examples.service import app
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks

from genever.exceptions import BODY_ERROR_DETAIL
from genever.testclient import TestClient
from tests.servers import free_port, serve

load_all_checks()
ALL_CHECKS = list(CHECKS.get_all())
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)

schema = schemathesis.openapi.from_asgi("/openapi.json", app)


# the same document, for requests sent over a socket (a schema built from the app would call the app)
with TestClient(app) as _client:
    served = schemathesis.openapi.from_dict(_client.get("/openapi.json").json())


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = free_port()
    argv = [str(Path(sys.executable).parent / "genever"), "run", "examples.service:app", "--port", str(port)]
    with serve(argv, port) as base:
        yield base


def _check(case: schemathesis.Case, response: schemathesis.Response) -> None:
    if response.status_code == 400 and response.json() == {"detail": BODY_ERROR_DETAIL}:
        sent = response.request.body
        assert isinstance(sent, bytes)
        try:
            json.loads(sent)
        except json.JSONDecodeError:
            pytest.fail(f"malformed JSON is FastAPI's 422, not its 400: {sent!r}")
        except (ValueError, RecursionError):  # undecodable (UnicodeDecodeError is a ValueError)
            return
        pytest.fail(f"a body json.loads takes answered 400: {sent!r}")
    case.validate_response(response, checks=ALL_CHECKS)


def test_every_check_is_run() -> None:
    names = {check.__name__ for check in ALL_CHECKS}
    assert {"not_a_server_error", "response_schema_conformance", "negative_data_rejection"} <= names
    assert {"positive_data_acceptance", "unsupported_method", "missing_required_header"} <= names
    assert len(names) >= 12, names


@schema.parametrize()
@SETTINGS
def test_service_conforms_to_its_document(case: schemathesis.Case) -> None:
    _check(case, case.call())


@served.parametrize()
@settings(SETTINGS, max_examples=10)
def test_served_service_conforms_to_its_document(server: str, case: schemathesis.Case) -> None:
    _check(case, case.call(base_url=server, timeout=10))
