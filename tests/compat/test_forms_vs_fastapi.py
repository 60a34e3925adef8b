"""Forms, files and cookies, differential: FastAPI and genever answer alike."""

import re
from typing import Annotated, Any, Literal

import fastapi
import fastapi.testclient
import pytest
from pydantic import BaseModel, ConfigDict

import genever
import genever.testclient
from tests.rsgi_client import RSGITestClient


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str
    tags: list[str] = []


class Profile(BaseModel):
    name: str
    age: int = 0


class Preferences(BaseModel):
    tags: list[str] = []


class Person(BaseModel):
    kind: Literal["person"]
    name: str


class Company(BaseModel):
    kind: Literal["company"]
    company_name: str


class Login(BaseModel):
    username: str
    password: str
    remember: bool = False


def build(fw: Any) -> Any:
    app = (getattr(fw, "Genever", None) or fw.FastAPI)()
    Form, File, UploadFile, Cookie = fw.Form, fw.File, fw.UploadFile, fw.Cookie

    @app.post("/login")
    def login(username: Annotated[str, Form()], password: Annotated[str, Form(min_length=3)],
              age: Annotated[int | None, Form()] = None) -> dict[str, Any]:
        return {"username": username, "password": password, "age": age}

    @app.post("/tags")
    def tags(tag: Annotated[list[str], Form()]) -> list[str]:
        return tag

    @app.post("/model")
    def model(data: Annotated[Login, Form()]) -> Login:
        return data

    @app.post("/strict")
    def strict(data: Annotated[Strict, Form()]) -> Strict:
        return data

    @app.post("/profiles")
    def profiles(profile: Annotated[Profile, Form()], preferences: Annotated[Preferences, Form()],
                 token: Annotated[str, Form()]) -> Any:
        return {"profile": profile, "preferences": preferences, "token": token}

    @app.post("/optional-profile")
    def optional_profile(token: Annotated[str, Form()], profile: Annotated[Profile | None, Form()] = None) -> Any:
        return {"token": token, "profile": profile}

    @app.post("/contacts")
    def contacts(contact: Annotated[Person | Company | None, Form(discriminator="kind")] = None) -> Any:
        return contact

    @app.post("/either")
    def either(contact: Annotated[Person | Company, Form()]) -> Any:
        return contact

    @app.post("/upload")
    async def upload(file: UploadFile, note: Annotated[str, Form()] = "none") -> dict[str, Any]:
        content = await file.read()
        return {"name": file.filename, "type": file.content_type, "size": len(content), "note": note}

    @app.post("/bytes")
    def raw_bytes(data: Annotated[bytes, File()]) -> dict[str, int]:
        return {"size": len(data)}

    @app.post("/many")
    async def many(files: list[UploadFile]) -> list[str]:
        return [f.filename or "" for f in files]

    @app.post("/optional-file")
    async def optional_file(file: UploadFile | None = None) -> dict[str, Any]:
        return {"file": None if file is None else file.filename}

    @app.get("/cookies")
    def cookies(session: Annotated[str | None, Cookie()] = None, n: Annotated[int | None, Cookie()] = None) -> Any:
        return {"session": session, "n": n}

    @app.get("/set-cookie")
    def set_cookie(response: fw.Response) -> dict[str, bool]:
        response.set_cookie("session", "abc", max_age=60, httponly=True, secure=True, samesite="strict")
        response.delete_cookie("old")
        return {"ok": True}

    return app


CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/login", {"data": {"username": "ann", "password": "secret", "age": "3"}}),
    ("POST", "/login", {"data": {"username": "ann", "password": "se"}}),
    ("POST", "/login", {"data": {"username": "", "password": "secret", "age": "x"}}),
    ("POST", "/login", {"data": {"username": "\u00e9l\u00e8ve&co", "password": "p w+d"}}),
    ("POST", "/login", {"files": {"username": (None, "bob"), "password": (None, "secret")}}),
    ("POST", "/login", {"json": {"username": "ann", "password": "secret"}}),
    ("POST", "/login", {}),
    ("POST", "/tags", {"data": {"tag": ["a", "b"]}}),
    ("POST", "/tags", {"data": {}}),
    ("POST", "/model", {"data": {"username": "a", "password": "b", "remember": "true"}}),
    ("POST", "/model", {"data": {"username": "a"}}),
    ("POST", "/strict", {"data": {"username": "a", "tags": ["x", "y"]}}),
    ("POST", "/strict", {"data": {"username": "a", "extra": "1"}}),
    ("POST", "/strict", {"data": {"username": "a", "more": ["1", "2"]}}),
    ("POST", "/profiles", {"data": {"name": "Rick", "tags": ["a", "b"], "token": "t"}}),
    ("POST", "/profiles", {"data": {"name": "Rick", "token": "t", "age": "x"}}),
    ("POST", "/profiles", {"data": {"token": "t"}}),
    ("POST", "/optional-profile", {"data": {"token": "t"}}),
    ("POST", "/optional-profile", {"data": {"token": "t", "name": "Rick", "age": "3"}}),
    ("POST", "/optional-profile", {"data": {"token": "t", "name": "Rick", "age": ""}}),
    ("POST", "/contacts", {"data": {"kind": "person", "name": "Rick"}}),
    ("POST", "/contacts", {"data": {"kind": "company", "company_name": "Acme"}}),
    ("POST", "/contacts", {"data": {"kind": "person"}}),
    ("POST", "/contacts", {"data": {"kind": "robot", "name": "x"}}),
    ("POST", "/contacts", {"data": {"other": "x"}}),
    ("POST", "/contacts", {}),
    ("POST", "/either", {"data": {"kind": "company", "company_name": "Acme"}}),
    ("POST", "/either", {"data": {"name": "x"}}),
    ("POST", "/upload", {"files": {"file": ("a.txt", b"hello", "text/plain")}, "data": {"note": "n"}}),
    ("POST", "/upload", {"data": {"note": "n"}}),
    ("POST", "/upload", {"files": {"file": ("big.bin", b"x" * (3 * 1024 * 1024), "application/octet-stream")}}),
    ("POST", "/bytes", {"files": {"data": ("d.bin", b"12345", "application/octet-stream")}}),
    ("POST", "/bytes", {"data": {"data": "plain"}}),
    ("POST", "/many", {"files": [("files", ("a.txt", b"a")), ("files", ("b.txt", b"b"))]}),
    ("POST", "/many", {"files": {"other": ("a.txt", b"a")}}),
    ("POST", "/optional-file", {"files": {"file": ("a.txt", b"a")}}),
    ("POST", "/optional-file", {"data": {"x": "1"}}),
    ("GET", "/cookies", {"headers": {"Cookie": "session=s1; n=5"}}),
    ("GET", "/cookies", {"headers": {"Cookie": "n=abc"}}),
    ("GET", "/set-cookie", {}),
]


_EXPIRES = re.compile(r"expires=[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT")


def _answer(response: Any) -> tuple[Any, ...]:
    # an "expires" date is 'now': the two servers answer a second apart at worst; compare its shape
    cookies = sorted(_EXPIRES.sub("expires=<date>", c) for c in response.headers.get_list("set-cookie"))
    return response.status_code, response.json(), cookies


@pytest.fixture(scope="module")
def fastapi_client() -> Any:
    return fastapi.testclient.TestClient(build(fastapi))


@pytest.fixture(scope="module", params=["asgi", "rsgi"])
def genever_client(request: pytest.FixtureRequest) -> Any:
    app = build(genever)
    client: Any = genever.testclient.TestClient(app) if request.param == "asgi" else RSGITestClient(app)
    yield client
    client.close()


@pytest.mark.parametrize(("method", "url", "kwargs"), CASES, ids=[f"{m} {u} {i}" for i, (m, u, _) in enumerate(CASES)])
def test_same_answer_as_fastapi(fastapi_client: Any, genever_client: Any, method: str, url: str,
                                kwargs: dict[str, Any]) -> None:
    expected = _answer(fastapi_client.request(method, url, **kwargs))
    assert _answer(genever_client.request(method, url, **kwargs)) == expected
