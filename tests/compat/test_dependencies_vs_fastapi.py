"""Dependency injection, differential: the same app under FastAPI and genever
gives the same status, body, and the same order of set-up and clean-up.

Each app records what its dependencies do in ``log``; the test compares the
log after each request too (clean-up runs after the response is sent, so the
log is read once the request has completed).
"""

from typing import Annotated, Any

import fastapi
import fastapi.testclient
import pytest

import genever
import genever.testclient
from genever.security import SecurityScopes as GSecurityScopes
from tests.rsgi_client import RSGITestClient


class Failure(Exception):
    pass


def build(fw: Any, SecurityScopes: Any) -> tuple[Any, list[str]]:
    log: list[str] = []
    Depends, Header, HTTPException, Query = fw.Depends, fw.Header, fw.HTTPException, fw.Query
    app = (getattr(fw, "Genever", None) or fw.FastAPI)(dependencies=[Depends(lambda: log.append("app-dep"))])

    def settings() -> dict[str, str]:
        log.append("settings")
        return {"token": "secret"}

    async def db(cfg: Annotated[dict[str, str], Depends(settings)]) -> Any:
        log.append("db-open")
        try:
            yield "db"
        except HTTPException as exc:
            log.append(f"db-http-{exc.status_code}")
            raise
        except Failure:
            log.append("db-failure")
            raise
        finally:
            log.append("db-close")

    def sync_resource() -> Any:
        log.append("sync-open")
        yield "sync"
        log.append("sync-close")

    async def user(
        x_token: Annotated[str, Header()],
        conn: Annotated[str, Depends(db)],
        cfg: Annotated[dict[str, str], Depends(settings)],
    ) -> str:
        log.append("user")
        if x_token != cfg["token"]:
            raise HTTPException(status_code=401, detail="invalid token", headers={"WWW-Authenticate": "Token"})
        return "alice"

    class Pager:
        def __init__(self, skip: int = 0, limit: Annotated[int, Query(le=50)] = 10) -> None:
            self.skip = skip
            self.limit = limit

    class Multiplier:
        def __init__(self, factor: int) -> None:
            self.factor = factor

        def __call__(self, value: int = 1) -> int:
            return value * self.factor

    counter = {"n": 0}

    def counted() -> int:
        counter["n"] += 1
        return counter["n"]

    def scoped(security_scopes: SecurityScopes) -> list[str]:
        return security_scopes.scopes

    def needs_read(scopes: Annotated[list[str], fw.Security(scoped, scopes=["read"])]) -> list[str]:
        return scopes

    CurrentUser = Annotated[str, Depends(user)]

    @app.get("/me")
    async def me(who: CurrentUser, conn: Annotated[str, Depends(db)]) -> dict[str, str]:
        log.append("handler")
        return {"user": who, "db": conn}

    @app.get("/alias")
    def alias(who: CurrentUser) -> str:
        return who

    @app.get("/fail/{kind}")
    async def fail(kind: str, conn: Annotated[str, Depends(db)], res: Annotated[str, Depends(sync_resource)]) -> str:
        log.append("handler")
        if kind == "http":
            raise HTTPException(status_code=409, detail="conflict")
        if kind == "failure":
            raise Failure()
        return "ok"

    @app.get("/pager")
    def pager(p: Annotated[Pager, Depends()]) -> dict[str, int]:
        return {"skip": p.skip, "limit": p.limit}

    @app.get("/instance")
    def instance(v: Annotated[int, Depends(Multiplier(3))]) -> int:
        return v

    @app.get("/cache")
    def cache(
        a: Annotated[int, Depends(counted)],
        b: Annotated[int, Depends(counted)],
        c: Annotated[int, Depends(counted, use_cache=False)],
    ) -> list[int]:
        counter["n"] = 0
        return [a, b, c]

    @app.get("/scopes")
    def scopes(
        s: Annotated[list[str], fw.Security(needs_read, scopes=["write"])],
    ) -> list[str]:
        return s

    @app.get("/deco", dependencies=[Depends(lambda: log.append("route-dep"))])
    def deco() -> str:
        log.append("handler")
        return "deco"

    router = fw.APIRouter(prefix="/r", dependencies=[Depends(lambda: log.append("router-dep"))])

    @router.get("/x")
    def rx() -> str:
        log.append("handler")
        return "x"

    app.include_router(router, dependencies=[Depends(lambda: log.append("include-dep"))])

    @app.get("/errors")
    def errors(
        q: int,
        who: CurrentUser,
        p: Annotated[Pager, Depends()],
    ) -> str:
        return "never"

    async def function_scoped() -> Any:
        log.append("fn-open")
        yield "fn"
        log.append("fn-close")

    @app.get("/function-scope")
    async def function_scope(
        a: Annotated[str, Depends(function_scoped, scope="function")], b: Annotated[str, Depends(db)]
    ) -> str:
        log.append("handler")
        return a + b

    return app, log


REQUESTS: list[tuple[str, dict[str, str]]] = [
    ("/me", {"X-Token": "secret"}),
    ("/me", {"X-Token": "wrong"}),
    ("/me", {}),
    ("/alias", {"X-Token": "secret"}),
    ("/fail/ok", {}),
    ("/fail/http", {}),
    ("/pager?skip=5&limit=20", {}),
    ("/pager?limit=99", {}),
    ("/instance?value=7", {}),
    ("/instance?value=x", {}),
    ("/cache", {}),
    ("/scopes", {}),
    ("/deco", {}),
    ("/r/x", {}),
    ("/errors?q=x&limit=100", {}),
    ("/errors", {"X-Token": "secret"}),
    ("/function-scope", {}),
]


@pytest.fixture(scope="module")
def apps() -> dict[str, Any]:
    return {
        "fastapi": build(fastapi, fastapi.security.SecurityScopes),
        "genever": build(genever, GSecurityScopes),
    }


@pytest.mark.parametrize("adapter", ["asgi", "rsgi"])
@pytest.mark.parametrize(("url", "headers"), REQUESTS, ids=[u for u, _ in REQUESTS])
def test_same_answer_and_order(apps: dict[str, Any], adapter: str, url: str, headers: dict[str, str]) -> None:
    fast_app, fast_log = apps["fastapi"]
    gen_app, gen_log = apps["genever"]
    fast_log.clear()
    gen_log.clear()
    with fastapi.testclient.TestClient(fast_app) as client:
        expected = client.get(url, headers=headers)
    if adapter == "asgi":
        with genever.testclient.TestClient(gen_app) as gclient:
            got = gclient.get(url, headers=headers)
    else:
        with RSGITestClient(gen_app) as rclient:
            got = rclient.get(url, headers=headers)
    assert (got.status_code, got.json()) == (expected.status_code, expected.json())
    assert got.headers.get("www-authenticate") == expected.headers.get("www-authenticate")
    assert gen_log == fast_log


def test_handler_exception_reaches_generators_in_both(apps: dict[str, Any]) -> None:
    """A non-HTTP exception: both answer 500 and both generators see it at their yield."""
    results = {}
    for name, (app, log) in apps.items():
        log.clear()
        client_cls = fastapi.testclient.TestClient if name == "fastapi" else genever.testclient.TestClient
        with client_cls(app, raise_server_exceptions=False) as client:
            response = client.get("/fail/failure")
        results[name] = (response.status_code, list(log))
    assert results["genever"] == results["fastapi"]
    assert results["genever"][0] == 500
    assert "db-failure" in results["genever"][1]


def _swallowing_app(fw: Any) -> Any:
    app = (getattr(fw, "Genever", None) or fw.FastAPI)()

    def swallow() -> Any:
        try:  # noqa: SIM105 - the point: caught, neither re-raised nor turned into an HTTPException
            yield "rick"
        except Failure:
            pass

    @app.get("/swallowed")
    def swallowed(who: Annotated[str, fw.Depends(swallow)]) -> str:
        raise Failure()

    return app


def test_a_swallowed_handler_exception_is_a_500_and_an_error_in_both() -> None:
    for fw, client_cls in ((fastapi, fastapi.testclient.TestClient), (genever, genever.testclient.TestClient)):
        with pytest.raises(RuntimeError, match="dependency with yield"):
            client_cls(_swallowing_app(fw)).get("/swallowed")
        response = client_cls(_swallowing_app(fw), raise_server_exceptions=False).get("/swallowed")
        assert (response.status_code, response.text) == (500, "Internal Server Error")
    with pytest.raises(genever.exceptions.FastAPIError):  # the name a moved app catches
        genever.testclient.TestClient(_swallowing_app(genever)).get("/swallowed")


def _wrapped_app(fw: Any) -> Any:
    import functools

    def plain_decorator(func: Any) -> Any:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return func(*args, **kwargs)

        return wrapper

    async def async_value(n: int = 1) -> int:
        return n * 10

    async def async_resource() -> Any:
        yield "async-gen"

    def sync_resource(prefix: str) -> Any:
        yield prefix + "sync-gen"

    class GenInstance:
        def __call__(self) -> Any:
            yield "instance-gen"

    app = (getattr(fw, "Genever", None) or fw.FastAPI)()

    @app.get("/wrapped")
    def wrapped(
        a: Annotated[int, fw.Depends(plain_decorator(async_value))],
        b: Annotated[str, fw.Depends(plain_decorator(async_resource))],
        c: Annotated[str, fw.Depends(functools.partial(sync_resource, "partial-"))],
        d: Annotated[str, fw.Depends(functools.partial(GenInstance()))],
    ) -> list[Any]:
        return [a, b, c, d]

    return app


def test_decorated_and_partial_dependencies_run_as_what_they_wrap() -> None:
    expected = fastapi.testclient.TestClient(_wrapped_app(fastapi)).get("/wrapped?n=4").json()
    assert expected == [40, "async-gen", "partial-sync-gen", "instance-gen"]
    assert genever.testclient.TestClient(_wrapped_app(genever)).get("/wrapped?n=4").json() == expected


def _scoped_app(fw: Any, scope: str) -> Any:
    def closes_with_error() -> Any:
        yield
        raise fw.HTTPException(status_code=503, detail="after yield")

    app = (getattr(fw, "Genever", None) or fw.FastAPI)(dependencies=[fw.Depends(closes_with_error, scope=scope)])
    router = fw.APIRouter(dependencies=[fw.Depends(closes_with_error, scope=scope)])

    @app.get("/app")
    def on_app() -> str:
        return "ok"

    @router.get("/router")
    def on_router() -> str:
        return "ok"

    app.include_router(router, prefix="/r")
    return app


@pytest.mark.parametrize("scope", ["function", "request"])
@pytest.mark.parametrize("url", ["/app", "/r/router"])
def test_scope_of_dependencies_lists(scope: str, url: str) -> None:
    """scope="function" in dependencies=[...]: the code after yield runs before the response (its error is it)."""
    answers = []
    for fw, client_cls in ((fastapi, fastapi.testclient.TestClient), (genever, genever.testclient.TestClient)):
        with client_cls(_scoped_app(fw, scope), raise_server_exceptions=False) as client:
            response = client.get(url)
        answers.append((response.status_code, response.text))
    assert answers[0] == answers[1]
    assert answers[1][0] == (503 if scope == "function" else 200)


def test_a_request_scoped_generator_cannot_use_a_function_scoped_one() -> None:
    def inner() -> Any:
        yield "inner"

    def outer(value: Annotated[str, genever.Depends(inner, scope="function")]) -> Any:
        yield value

    app = genever.Genever()
    with pytest.raises(genever.ConfigurationError, match='"outer" has a scope of "request", it cannot depend'):

        @app.get("/broken")
        def broken(value: Annotated[str, genever.Depends(outer)]) -> str:
            return value
