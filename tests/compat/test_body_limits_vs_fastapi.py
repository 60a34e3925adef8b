"""Body limits per app, router, inclusion and route (FastAPI 0.165's ``max_body_size`` and
``form_limits``), differential: the same apps answer the same statuses and bodies under
FastAPI and genever (ASGI and RSGI). The real servers are in ``tests/test_server_bodies.py``.
"""

from typing import Annotated, Any

import fastapi
import fastapi.testclient
import pytest

import genever
import genever.testclient
from tests.rsgi_client import RSGITestClient

MIB = 1024 * 1024


def make_app(fw: Any, **kwargs: Any) -> Any:
    return (getattr(fw, "Genever", None) or fw.FastAPI)(**kwargs)


def build(fw: Any) -> Any:
    """FastAPI's documentation examples (request_body_limits/tutorial001 and 002) in one app,
    and a three-level inclusion."""
    app = make_app(fw, max_body_size=MIB, form_limits={"max_fields": 5})
    uploads = fw.APIRouter(prefix="/uploads", max_body_size=100 * MIB)

    @app.post("/items")
    def create_item(item: dict) -> Any:  # type: ignore[type-arg]
        return item

    @uploads.post("/")
    def upload(file: fw.UploadFile) -> Any:
        return {"filename": file.filename, "size": file.size}

    @uploads.post("/small", max_body_size=10)
    async def small(request: fw.Request) -> Any:
        return {"size": len(await request.body())}

    app.include_router(uploads)
    forms = fw.APIRouter(max_body_size=4 * MIB)  # tutorial002's app has no body limit

    @forms.post("/notes")
    async def create_note(text: Annotated[str, fw.Form()]) -> Any:
        return {"size": len(text)}

    @forms.post("/documents", form_limits={"max_part_size": 2 * MIB})
    async def create_document(text: Annotated[str, fw.Form()]) -> Any:
        return {"size": len(text)}

    app.include_router(forms)
    child = fw.APIRouter(max_body_size=20, form_limits={"max_fields": 1})

    @child.post("/echo")
    async def echo(request: fw.Request) -> Any:
        return {"size": len(await request.body())}

    @child.post("/field", form_limits={"max_part_size": 7})  # a field's name and value count
    async def field(text: Annotated[str, fw.Form()]) -> Any:
        return text

    parent = fw.APIRouter()
    parent.include_router(child, prefix="/child", max_body_size=5, form_limits={"max_fields": 4})
    app.include_router(parent, prefix="/nested", max_body_size=7)
    return app


def requests() -> list[tuple[str, dict[str, Any]]]:
    big = "x" * (MIB + 1)
    return [
        ("/items", {"json": {"name": "Plumbus"}}),
        ("/items", {"content": b"x" * (MIB + 1)}),
        ("/uploads/", {"files": {"file": ("example.txt", b"x" * (MIB + 1))}}),
        ("/uploads/small", {"content": b"x" * 10}),
        ("/uploads/small", {"content": b"x" * 11}),
        ("/notes", {"data": {"text": "ok"}}),
        ("/notes", {"data": {"text": big}}),
        ("/notes", {"files": {"text": (None, big)}}),
        ("/documents", {"data": {"text": big}}),
        ("/documents", {"data": {"text": "ok", **{str(i): "v" for i in range(4)}}}),
        ("/documents", {"data": {"text": "ok", **{str(i): "v" for i in range(5)}}}),
        ("/documents", {"files": {"text": (None, "ok"), **{str(i): (None, "v") for i in range(5)}}}),
        ("/nested/child/echo", {"content": b"x" * 20}),
        ("/nested/child/echo", {"content": b"x" * 21}),
        ("/nested/child/field", {"data": {"text": "abc"}}),
        ("/nested/child/field", {"data": {"text": "abcd"}}),
        ("/nested/child/field", {"data": {"text": "a", "b": "c"}}),  # max_fields 1 (the child's) wins over 4
    ]


def answers(client: Any) -> list[tuple[int, Any]]:
    out = []
    for url, kwargs in requests():
        response = client.post(url, **kwargs)
        # the 413's body differs (README: FastAPI's body limiter answers text, genever its HTTPException)
        out.append((response.status_code, None if response.status_code == 413 else response.json()))
    return out


@pytest.mark.parametrize("adapter", ["asgi", "rsgi"])
def test_the_same_answers(adapter: str) -> None:
    with fastapi.testclient.TestClient(build(fastapi)) as client:
        expected = answers(client)
    client_class = genever.testclient.TestClient if adapter == "asgi" else RSGITestClient
    with client_class(build(genever)) as client:
        assert answers(client) == expected
    assert [status for status, _ in expected] == [200, 413, 200, 200, 413, 200, 400, 400, 200, 200, 400, 400,
                                                  200, 413, 200, 400, 400]  # fmt: skip


@pytest.mark.parametrize(
    "declare",
    [
        lambda fw: make_app(fw, max_body_size=-1),
        lambda fw: fw.APIRouter(max_body_size=True),
        lambda fw: make_app(fw, form_limits={"max_parts": 1}),
        lambda fw: make_app(fw, form_limits={"max_files": -1}),
        lambda fw: make_app(fw, form_limits={"max_fields": False}),
        lambda fw: make_app(fw).include_router(fw.APIRouter(), form_limits={"max_fields": -1}),
        lambda fw: make_app(fw).post("/", max_body_size=1.5)(lambda: None),
    ],
)
def test_invalid_settings_are_value_errors(declare: Any) -> None:
    with pytest.raises(ValueError):
        declare(fastapi)
    with pytest.raises(ValueError) as caught:
        declare(genever)
    assert isinstance(caught.value, genever.exceptions.ConfigurationError)


def test_request_form_as_a_context_manager_closes_its_files() -> None:
    def build_manual(fw: Any) -> Any:
        app = make_app(fw, form_limits={"max_fields": 0})

        @app.post("/")
        async def manual(request: fw.Request) -> Any:
            async with request.form(max_fields=1) as form:
                upload = form["file"]
                content = await upload.read()
            return {"content": content.decode(), "closed": upload.file.closed}

        return app

    for fw, module in ((fastapi, fastapi.testclient), (genever, genever.testclient)):
        with module.TestClient(build_manual(fw)) as client:
            assert client.post("/", files={"file": ("a.txt", b"abc")}).json() == {"content": "abc", "closed": True}
