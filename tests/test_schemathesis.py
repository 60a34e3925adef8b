"""Property-based API testing of the example service against its own ``/openapi.json``.

schemathesis generates requests from the document (valid and invalid) and
checks every answer: no server error, status codes and bodies that the
document declares, content types that match. One answer is outside the
document, as in FastAPI's: a body that cannot be decoded at all (invalid UTF-8)
is FastAPI's 400, checked here to be given for exactly such bodies.
"""

import json

import pytest
import schemathesis
from examples.service import app
from hypothesis import HealthCheck, settings

from genever.exceptions import BODY_ERROR_DETAIL

schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_service_conforms_to_its_document(case: schemathesis.Case) -> None:
    response = case.call()
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
    case.validate_response(response)
