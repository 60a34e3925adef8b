"""Property-based API testing of the example service against its own ``/openapi.json``.

schemathesis generates requests from the document (valid and invalid) and
checks every answer: no server error, status codes and bodies that the
document declares, content types that match.
"""

import schemathesis
from examples.service import app
from hypothesis import HealthCheck, settings

schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_service_conforms_to_its_document(case: schemathesis.Case) -> None:
    case.call_and_validate()
