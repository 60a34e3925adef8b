"""FastAPI's own markers and routers handed to genever (the real FastAPI installed beside it).

A package built on FastAPI, used without the alias, gives genever functions
declared with ``fastapi.Depends``/``Security``/``Query``... and routers that are
``fastapi.APIRouter``s: they work as their genever counterparts, or fail at
start-up saying what to do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import fastapi
import fastapi.security
import pytest
import starlette.background
import starlette.requests
import starlette.responses

import genever
from genever import ConfigurationError, Genever

if TYPE_CHECKING:
    from decimal import Decimal  # only for type checkers: never resolvable at run time


scheme = fastapi.security.HTTPBearer()


def get_token(token: Annotated[str, fastapi.Header(alias="x-token")]) -> str:
    return token


def who(connection: starlette.requests.HTTPConnection) -> str:
    return connection.headers.get("x-who", "nobody")


def scoped(scopes: fastapi.security.SecurityScopes) -> list[str]:
    return scopes.scopes


def test_fastapi_markers_are_read_as_genevers(client_factory: Any) -> None:
    app = Genever()

    @app.get("/items/{item_id}", dependencies=[fastapi.Depends(get_token)])
    def read(
        item_id: Annotated[int, fastapi.Path(ge=1)],
        token: Annotated[str, fastapi.Depends(get_token)],
        granted: list[str] = fastapi.Security(scoped, scopes=["items:read"]),
        q: str = fastapi.Query("none", max_length=5, alias="query"),
        tags: Annotated[list[str] | None, fastapi.Query()] = None,
        agent: str | None = fastapi.Header(None, convert_underscores=False, alias="user-agent"),
    ) -> dict[str, Any]:
        return {"item_id": item_id, "token": token, "granted": granted, "q": q, "tags": tags}

    @app.post("/things")
    def create(name: Annotated[str, fastapi.Body(embed=True, min_length=2)]) -> dict[str, str]:
        return {"name": name}

    client = client_factory(app)
    answer = client.get("/items/3?query=abc&tags=a&tags=b", headers={"x-token": "t"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"item_id": 3, "token": "t", "granted": ["items:read"], "q": "abc", "tags": ["a", "b"]}
    assert client.get("/items/3", headers={"x-token": "t"}).json()["q"] == "none"
    too_long = client.get("/items/3?query=abcdef", headers={"x-token": "t"})
    assert too_long.status_code == 422
    assert too_long.json()["detail"][0]["loc"] == ["query", "query"]
    assert client.get("/items/0", headers={"x-token": "t"}).json()["detail"][0]["type"] == "greater_than_equal"
    missing = client.get("/items/3")
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["header", "x-token"]
    assert client.post("/things", json={"name": "ok"}).json() == {"name": "ok"}
    assert client.post("/things", json={"name": "x"}).status_code == 422


def test_a_fastapi_security_scheme_dependency_works(client_factory: Any) -> None:
    app = Genever()

    @app.get("/me")
    def me(credentials: Annotated[Any, fastapi.Security(scheme)]) -> dict[str, str]:
        return {"token": credentials.credentials}

    client = client_factory(app)
    assert client.get("/me", headers={"Authorization": "Bearer abc"}).json() == {"token": "abc"}
    assert client.get("/me").status_code in (401, 403)


def test_a_fastapi_security_scheme_is_documented_as_fastapi_documents_it() -> None:
    """fastapi-users hands genever FastAPI's own ``OAuth2PasswordBearer`` inside its dependencies."""
    bearer = fastapi.security.OAuth2PasswordBearer(tokenUrl="auth/login", scopes={"read": "read things"})
    key = fastapi.security.APIKeyHeader(name="x-key", auto_error=False)

    def current_user(token: str = fastapi.Depends(bearer), api_key: str | None = fastapi.Depends(key)) -> str:
        return token

    documents = []
    for framework in (genever, fastapi):
        app = framework.FastAPI()

        @app.get("/me")
        def me(user: str = fastapi.Security(current_user, scopes=["read"])) -> dict[str, str]:
            return {"user": user}

        document = app.openapi()
        documents.append((document["components"]["securitySchemes"], document["paths"]["/me"]["get"]["security"]))
    assert documents[0] == documents[1]
    assert documents[0][0]["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"] == "auth/login"


def test_fastapis_own_validation_error_is_answered_as_fastapi_answers_it(client_factory: Any) -> None:
    """fastapi-filter raises FastAPI's own ``RequestValidationError`` from a dependency."""
    import fastapi.exceptions
    from fastapi.testclient import TestClient

    errors = [{"type": "value_error", "loc": ("order_by",), "msg": "Value error, bad", "input": ["x"]}]

    def check() -> None:
        raise fastapi.exceptions.RequestValidationError(errors)

    answers = []
    for framework, make_client in ((genever, client_factory), (fastapi, TestClient)):
        app = framework.FastAPI()

        @app.get("/checked", dependencies=[fastapi.Depends(check)])
        def checked() -> None:
            return None

        answer = make_client(app).get("/checked")
        answers.append((answer.status_code, answer.json()))
    assert answers[0] == answers[1] == (422, {"detail": [{**errors[0], "loc": ["order_by"]}]})


def test_a_handler_for_fastapis_validation_error_gets_genevers(client_factory: Any) -> None:
    import fastapi.exceptions

    app = Genever()

    @app.exception_handler(fastapi.exceptions.RequestValidationError)
    def on_invalid(request: genever.Request, exc: genever.exceptions.RequestValidationError) -> Any:
        return genever.responses.JSONResponse({"invalid": [list(err["loc"]) for err in exc.errors()]}, 400)

    @app.get("/items/{item_id}")
    def item(item_id: int) -> int:
        return item_id

    answer = client_factory(app).get("/items/x")
    assert (answer.status_code, answer.json()) == (400, {"invalid": [["path", "item_id"]]})


def test_fastapis_response_validation_error_meets_the_handler_for_it(client_factory: Any) -> None:
    import fastapi.exceptions

    app = Genever()

    @app.exception_handler(fastapi.exceptions.ResponseValidationError)  # genever's own is raised below
    def on_bad_response(request: genever.Request, exc: genever.exceptions.ResponseValidationError) -> Any:
        return genever.responses.JSONResponse({"bad response": [list(err["loc"]) for err in exc.errors()]}, 502)

    @app.get("/mine", response_model=int)
    def mine() -> Any:
        return "not a number"

    @app.get("/theirs")
    def theirs() -> None:  # a package built on FastAPI raising FastAPI's own
        raise fastapi.exceptions.ResponseValidationError([{"type": "int_type", "loc": ("response",), "msg": "no"}])

    client = client_factory(app)
    assert client.get("/mine").json() == {"bad response": [["response"]]}
    assert (client.get("/theirs").status_code, client.get("/theirs").json()) == (502, {"bad response": [["response"]]})


def test_a_fastapi_router_is_taken_over(client_factory: Any) -> None:
    inner = fastapi.APIRouter(prefix="/inner", tags=["inner"])

    @inner.get("/{n}", status_code=201)
    def get_n(n: int, token: Annotated[str, fastapi.Depends(get_token)]) -> dict[str, Any]:
        return {"n": n, "token": token}

    @inner.websocket("/ws")
    async def ws(websocket: fastapi.WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hi")
        await websocket.close()

    outer = fastapi.APIRouter()
    outer.include_router(inner, prefix="/outer")
    app = Genever()
    app.include_router(outer, prefix="/api")
    client = client_factory(app)
    answer = client.get("/api/outer/inner/5", headers={"x-token": "t"})
    assert answer.status_code == 201 and answer.json() == {"n": 5, "token": "t"}
    assert client.get("/api/outer/inner/x", headers={"x-token": "t"}).status_code == 422
    operation = app.openapi()["paths"]["/api/outer/inner/{n}"]["get"]
    assert operation["tags"] == ["inner"]


def test_websocket_of_a_taken_over_router() -> None:
    from genever.testclient import TestClient

    router = fastapi.APIRouter()

    @router.websocket("/ws")
    async def ws(websocket: fastapi.WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hi")
        await websocket.close()

    app = Genever()
    app.include_router(router)
    with TestClient(app).websocket_connect("/ws") as session:
        assert session.receive_text() == "hi"


def test_a_fastapi_route_class_that_replaces_the_handler_is_refused() -> None:
    class Timed(fastapi.routing.APIRoute):
        def get_route_handler(self) -> Any:
            return super().get_route_handler()

    router = fastapi.APIRouter(route_class=Timed)

    @router.get("/x")
    def x() -> None:
        return None

    with pytest.raises(ConfigurationError, match=r"get_route_handler\(\) genever cannot run; call genever"):
        Genever().include_router(router)


def test_something_else_is_not_a_router() -> None:
    with pytest.raises(ConfigurationError, match="is not an APIRouter"):
        Genever().include_router(object())  # type: ignore[arg-type]


def test_each_annotation_is_resolved_on_its_own(client_factory: Any) -> None:
    app = Genever()

    def price() -> float:
        return 2.5

    # "Decimal" exists only for type checkers; the route needs only the names it reads
    def read(n: int, value: Decimal = genever.Depends(price)) -> dict[str, Any]:
        return {"n": n, "value": value}

    read.__annotations__ = {"n": "int", "value": "Decimal", "return": "dict[str, Any]"}
    app.get("/read")(read)

    def broken(n: Decimal) -> None:
        return None

    broken.__annotations__ = {"n": "Decimal"}
    with pytest.raises(ConfigurationError, match=r"parameter 'n' of .*broken\(\) has the annotation 'Decimal'"):
        app.get("/broken")(broken)
    client = client_factory(app)
    assert client.get("/read?n=2").json() == {"n": 2, "value": 2.5}
    assert client.get("/read?n=x").status_code == 422


def test_router_websocket_route_with_an_empty_path(client_factory: Any) -> None:
    from genever.testclient import TestClient

    router = genever.APIRouter()

    @router.get("")
    def page() -> str:
        return "page"

    @router.websocket("")
    async def ws(websocket: genever.WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("socket")
        await websocket.close()

    app = Genever()
    app.include_router(router, prefix="/graphql")
    assert client_factory(app).get("/graphql").json() == "page"
    with TestClient(app).websocket_connect("/graphql") as session:
        assert session.receive_text() == "socket"
    served_alone = Genever()
    served_alone.include_router(router)
    with pytest.raises(ConfigurationError, match="a served route's path must start with '/'"):
        served_alone.freeze()


def test_parameters_annotated_with_starlettes_classes_are_injected(client_factory: Any) -> None:
    done: list[str] = []
    app = Genever()

    @app.get("/hello")
    def hello(
        request: starlette.requests.Request,
        response: starlette.responses.Response,
        tasks: starlette.background.BackgroundTasks,
        name: Annotated[str, fastapi.Depends(who)],
    ) -> dict[str, str]:
        response.headers["x-seen"] = request.url.path
        tasks.add_task(done.append, name)
        return {"name": name}

    answer = client_factory(app).get("/hello", headers={"x-who": "ana"})
    assert answer.json() == {"name": "ana"}
    assert answer.headers["x-seen"] == "/hello"
    assert done == ["ana"]
