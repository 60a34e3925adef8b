"""The compiled plan's guarantees that no test client shows: the code after ``yield`` of a
dependency runs when the request's task is cancelled (a client gone, a server shutting down),
including awaits inside that clean-up, under both adapters."""

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
import pytest

import genever
from tests.rsgi_client import FakeProto, FakeScope


def _app(events: list[str]) -> genever.Genever:
    async def session() -> AsyncIterator[str]:
        events.append("enter")
        try:
            yield "db"
        finally:
            await asyncio.sleep(0.01)  # clean-up that itself awaits
            events.append("cleanup")

    app = genever.Genever()

    @app.get("/")
    async def slow(db: Annotated[str, genever.Depends(session)]) -> str:
        events.append("handler")
        await asyncio.sleep(30)
        return db

    return app


@pytest.mark.parametrize("adapter", ["asgi", "rsgi"])
def test_cleanup_runs_when_the_request_task_is_cancelled(adapter: str) -> None:
    events: list[str] = []
    app = _app(events)

    async def scenario() -> None:
        if adapter == "rsgi":
            request: Any = app.__rsgi__(FakeScope(httpx.Request("GET", "http://testserver/")), FakeProto(b""))
        else:

            async def receive() -> dict[str, Any]:
                await asyncio.sleep(60)
                return {"type": "http.disconnect"}

            async def send(message: dict[str, Any]) -> None:
                return None

            scope = {"type": "http", "method": "GET", "path": "/", "query_string": b"", "headers": [], "root_path": ""}
            request = app(scope, receive, send)
        task = asyncio.ensure_future(request)
        while "handler" not in events:
            await asyncio.sleep(0.001)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    assert events == ["enter", "handler", "cleanup"]


def _shapes_app(made: list[int], tasks: list[str]) -> genever.Genever:
    """One route per runner shape: no parameters, only the request, only app-scoped values (named
    or not, made on first use), query parameters (valid or not), and a returned Response with a
    Response or BackgroundTasks parameter."""

    def counter() -> list[int]:
        made.append(1)
        return made

    Made = Annotated[list[int], genever.Depends(counter, scope="app")]
    app = genever.Genever()

    @app.get("/bare")
    async def bare() -> dict[str, int]:
        return {"n": 1}

    @app.get("/bare-response")
    async def bare_response() -> genever.responses.HTMLResponse:
        return genever.responses.HTMLResponse("<p>hi</p>", headers={"x-own": "1"})

    @app.get("/request")
    async def request_only(request: genever.Request) -> str:
        return request.path

    @app.get("/slots", dependencies=[genever.Depends(counter, scope="app")])
    async def slots(request: genever.Request, value: Made) -> dict[str, Any]:
        return {"path": request.url.path, "made": len(value)}

    @app.get("/query")
    async def query(request: genever.Request, value: Made, a: int, b: int = 2) -> dict[str, Any]:
        return {"sum": a + b, "made": len(value), "path": request.url.path}

    @app.get("/sub-response")
    async def sub_response(response: genever.Response) -> genever.responses.PlainTextResponse:
        response.headers["x-sub"] = "yes"
        response.status_code = 201
        return genever.responses.PlainTextResponse("text")

    @app.get("/tasks")
    async def with_tasks(background: genever.BackgroundTasks) -> genever.responses.PlainTextResponse:
        background.add_task(tasks.append, "ran")
        return genever.responses.PlainTextResponse("queued")

    return app


def test_every_runner_shape_answers_alike(client_factory: Any) -> None:
    made: list[int] = []
    tasks: list[str] = []
    client = client_factory(_shapes_app(made, tasks))
    assert client.get("/bare").json() == {"n": 1}
    answer = client.get("/bare-response")
    assert (answer.text, answer.headers["x-own"], answer.headers["content-type"]) == (
        "<p>hi</p>",
        "1",
        "text/html; charset=utf-8",
    )
    assert client.get("/request").json() == "/request"
    # no lifespan ran: the app-scoped value is made by the first request, once for both uses
    assert [client.get("/slots").json() for _ in range(2)] == [{"path": "/slots", "made": 1}] * 2
    assert client.get("/query?a=1").json() == {"sum": 3, "made": 1, "path": "/query"}
    invalid = client.get("/query?a=x&b=y")  # every invalid value reported, not only the first
    assert invalid.status_code == 422
    assert [error["loc"] for error in invalid.json()["detail"]] == [["query", "a"], ["query", "b"]]
    answer = client.get("/sub-response")
    assert (answer.status_code, answer.headers["x-sub"], answer.text) == (201, "yes", "text")
    assert client.get("/tasks").text == "queued"
    assert tasks == ["ran"]
    head = client.head("/bare-response")
    assert (head.status_code, head.content, head.headers["content-length"]) == (200, b"", "9")


def test_the_direct_runner_is_written_out_and_readable_in_tracebacks() -> None:
    import traceback

    from genever._compile.plan import compile_route

    class Pool:
        pass

    def get_pool() -> Pool:
        return Pool()

    app = genever.Genever()

    @app.get("/fortunes", dependencies=[genever.Depends(get_pool, scope="app")])
    async def fortunes(request: genever.Request, pool: Annotated[Pool, genever.Depends(get_pool, scope="app")]) -> str:
        raise LookupError(type(pool).__name__)

    app.freeze()
    route = next(r for r in app.routes if getattr(r, "path", None) == "/fortunes")
    runner = compile_route(route, {})  # type: ignore[arg-type]
    source = runner.source  # type: ignore[attr-defined]
    assert "result = await call(request=request, pool=v1)" in source
    assert "try:" not in source  # nothing to validate
    assert "v0 = slot0.value" in source  # the unnamed one: made, not passed
    request = genever.requests._ASGIRequest(
        {"type": "http", "method": "GET", "path": "/fortunes", "query_string": b"", "headers": []}, None, None, app
    )
    with pytest.raises(LookupError, match="Pool") as info:
        asyncio.run(runner(request))
    assert "result = await call(request=request, pool=v1)" in "".join(traceback.format_tb(info.tb))
