"""The OpenAPI document, differential: for the apps of the other compat tests (core
parameters and bodies, forms and files, dependencies and security scopes),
genever's ``/openapi.json`` equals FastAPI's — paths, parameters, bodies,
responses, operationIds, tags and components — except the default title."""

from typing import Any

import fastapi
import pytest

import genever
from tests.compat import test_core_vs_fastapi as core
from tests.compat import test_dependencies_vs_fastapi as deps
from tests.compat import test_forms_vs_fastapi as forms
from tests.compat import test_param_models_vs_fastapi as param_models
from tests.compat import test_streaming_vs_fastapi as streaming

APPS = {
    "core": lambda fw: core.build(core.FRAMEWORKS["fastapi" if fw is fastapi else "genever"]),
    "forms": lambda fw: forms.build(fw),
    "dependencies": lambda fw: deps.build(fw, fw.security.SecurityScopes)[0],
    "parameter models": lambda fw: param_models.build(fw),
    "streaming": lambda fw: streaming.build(fw, fw.sse)[0],
}


@pytest.mark.parametrize("name", sorted(APPS))
def test_document_equals_fastapis(name: str) -> None:
    expected = APPS[name](fastapi).openapi()
    got = APPS[name](genever).openapi()
    assert got["info"].pop("title") == "Genever"
    assert expected["info"].pop("title") == "FastAPI"
    assert got == expected


def test_served_document_equals_app_openapi() -> None:
    from genever.testclient import TestClient

    app = APPS["core"](genever)
    assert TestClient(app).get("/openapi.json").json() == app.openapi()


def test_app_metadata_like_fastapi() -> None:
    def build(fw: Any) -> Any:
        app = (getattr(fw, "Genever", None) or fw.FastAPI)(
            title="T", version="9", summary="S", description="D", terms_of_service="https://t.example",
            contact={"name": "C", "email": "c@example.org"}, license_info={"name": "MIT"},
            openapi_tags=[{"name": "a", "description": "A"}], servers=[{"url": "https://api.example"}],
        )

        @app.get("/x/{item_id}", tags=["a"], summary="Get X", deprecated=True, status_code=202,
                 responses={404: {"description": "Missing"}, 418: {"model": core.UserOut}},
                 openapi_extra={"x-extra": 1})
        def x(item_id: int, q: str = fw.Query(None, description="The q", examples=["a"], deprecated=True)) -> Any:
            """Docstring."""

        @app.get("/hidden", include_in_schema=False)
        def hidden() -> None: ...

        return app

    expected = build(fastapi).openapi()
    assert build(genever).openapi() == expected


def test_callbacks_and_webhooks_like_fastapi() -> None:
    from pydantic import BaseModel

    class Invoice(BaseModel):
        id: str
        total: float

    class Event(BaseModel):
        ok: bool

    def build(fw: Any) -> Any:
        app = (getattr(fw, "Genever", None) or fw.FastAPI)(title="T")
        callbacks = fw.APIRouter()

        @callbacks.post("{$callback_url}/invoices/{$request.body.id}", response_model=Event)
        def invoice_notification(body: Event) -> None: ...

        @app.post("/invoices", callbacks=callbacks.routes)
        def create_invoice(invoice: Invoice, callback_url: str | None = None) -> dict[str, str]:
            return {"msg": "received"}

        @app.webhooks.post("new-subscription", tags=["hooks"])
        def new_subscription(body: Invoice) -> None:
            """Sent when someone subscribes."""

        return app

    expected = build(fastapi).openapi()
    got = build(genever).openapi()
    assert got["webhooks"] == expected["webhooks"]
    assert got == expected


def test_a_served_route_must_start_with_a_slash() -> None:
    app = genever.Genever()
    app.add_api_route("items", lambda: None)
    with pytest.raises(genever.ConfigurationError, match="GET items: a served route's path must start with '/'"):
        app.freeze()


def test_global_dependencies_do_not_guard_the_docs_and_hidden_parameters_still_validate() -> None:
    from fastapi.testclient import TestClient as FastAPIClient

    from genever.testclient import TestClient

    def build(fw: Any) -> Any:
        def token(x_token: str = fw.Header()) -> None: ...

        app = (getattr(fw, "Genever", None) or fw.FastAPI)(title="T", dependencies=[fw.Depends(token)])

        @app.get("/items")
        def items(hidden: str | None = fw.Query(None, include_in_schema=False)) -> list[str]:
            """List the items.

            More for the reader.
            \f
            :param hidden: for the code's own docs, cut from the description
            """
            return []

        return app

    for client in (FastAPIClient(build(fastapi)), TestClient(build(genever))):
        assert client.get("/items").status_code == 422  # the app's dependency guards the routes
        assert client.get("/openapi.json").status_code == 200  # not the docs
        assert client.get("/docs").status_code == 200
    assert build(genever).openapi() == build(fastapi).openapi()
