"""The OpenAPI document is valid OpenAPI 3.1 and the docs pages are served from the package."""

from typing import Any

import pytest
from examples.service import app as service
from openapi_spec_validator import validate

from genever import Genever
from genever.openapi import assets
from genever.security.base import SecurityBase
from genever.testclient import TestClient
from tests.compat import test_core_vs_fastapi as core


@pytest.mark.parametrize("app", [service, core.build(core.FRAMEWORKS["genever"])], ids=["service", "core"])
def test_document_is_valid_openapi_3_1(app: Genever) -> None:
    document = app.openapi()
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_document_is_built_once() -> None:
    assert service.openapi() is service.openapi()


def test_docs_pages_use_packaged_assets() -> None:
    assert assets.available(), "run `python -m genever.openapi.assets` (the build does it)"
    client = TestClient(service)
    page = client.get("/docs")
    assert page.status_code == 200
    assert '/docs/static/swagger-ui-bundle.js' in page.text
    assert "cdn" not in page.text.lower()
    assert "oauth2RedirectUrl" in page.text
    js = client.get("/docs/static/swagger-ui-bundle.js")
    assert js.status_code == 200
    assert js.headers["content-type"].startswith("text/javascript")
    assert len(js.content) > 100_000
    assert "/docs/static/redoc.standalone.js" in client.get("/redoc").text
    assert client.get("/docs/static/../../applications.py").status_code == 404
    assert client.get("/docs/static/nope.js").status_code == 404
    assert "swaggerUIRedirectOauth2" in client.get("/docs/oauth2-redirect").text


def test_docs_off_and_cdn() -> None:
    off = TestClient(Genever(openapi_url=None))
    assert off.get("/openapi.json").status_code == 404
    assert off.get("/docs").status_code == 404
    cdn = TestClient(Genever(docs_cdn=True, swagger_ui_parameters={"deepLinking": False}))
    page = cdn.get("/docs").text
    assert "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js" in page
    assert '"deepLinking": false' in page
    assert TestClient(Genever(docs_url=None)).get("/docs").status_code == 404


def test_security_schemes_and_requirements() -> None:
    from typing import Annotated

    from genever import Depends, Security
    from genever.requests import Request

    class Bearer(SecurityBase):
        def __init__(self) -> None:
            self.model = {"type": "oauth2", "flows": {"password": {"tokenUrl": "token", "scopes": {"me": "Me"}}}}
            self.scheme_name = "OAuth2PasswordBearer"

        async def __call__(self, request: Request) -> str:
            return "token"

    bearer = Bearer()

    def user(token: Annotated[str, Depends(bearer)]) -> str:
        return token

    app = Genever()

    @app.get("/me")
    def me(u: Annotated[str, Security(user, scopes=["me"])]) -> str:
        return u

    document: Any = app.openapi()
    assert document["components"]["securitySchemes"] == {"OAuth2PasswordBearer": bearer.model}
    assert document["paths"]["/me"]["get"]["security"] == [{"OAuth2PasswordBearer": ["me"]}]
    validate(document)


def test_root_path_adds_a_server() -> None:
    assert Genever(root_path="/api").openapi()["servers"] == [{"url": "/api"}]


def test_structs_dataclasses_typeddicts_and_name_clashes() -> None:
    import dataclasses

    import msgspec
    from typing_extensions import TypedDict

    from tests.openapi_models import first, second

    class Point(msgspec.Struct):
        x: int
        y: float = 0.0

    @dataclasses.dataclass
    class Size:
        w: int

    class Label(TypedDict):
        text: str

    app = Genever()

    @app.post("/point")
    def point(p: Point) -> Point:
        return p

    @app.post("/size")
    def size(s: Size, label: Label) -> Size:
        return s

    @app.post("/a")
    def a(item: first.Item) -> second.Item:
        return second.Item(b="x")

    document: Any = app.openapi()
    validate(document)
    schemas = document["components"]["schemas"]
    assert schemas["Point"]["properties"] == {"x": {"type": "integer"}, "y": {"type": "number", "default": 0.0}}
    assert document["paths"]["/point"]["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Point"
    }
    assert "Size" in schemas and "Label" in schemas
    item_names = sorted(name for name in schemas if "Item" in name)
    assert len(item_names) == 2  # two models called Item, two distinct component names
    assert app.openapi() == Genever.openapi(app)  # deterministic
    rebuilt = Genever()
    rebuilt.routes = app.routes
    assert sorted(rebuilt.openapi()["components"]["schemas"]) == sorted(schemas)


def test_same_name_models_named_as_fastapi_names_them() -> None:
    import fastapi

    from tests.openapi_models import first, second

    def build(fw: Any) -> Any:
        app = (getattr(fw, "Genever", None) or fw.FastAPI)()

        @app.post("/both")
        def both(a: first.Item, b: second.Item) -> first.Item:
            return a

        @app.post("/out")
        def out(a: second.Item) -> second.Item:
            return a

        return app

    expected = build(fastapi).openapi()
    got = build(__import__("genever")).openapi()
    assert sorted(got["components"]["schemas"]) == sorted(expected["components"]["schemas"])
    assert got["paths"] == expected["paths"]
