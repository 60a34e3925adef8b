"""``genever.alias_fastapi()``: ``import fastapi`` gives genever, in a fresh interpreter each time.

The real FastAPI is installed in the test environment (it is the oracle), so
these also show the story when both are installed: the alias shadows it when
called first, and refuses with a clear error when FastAPI was imported before.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60, check=False
    )


def test_fastapi_imports_are_genever_modules() -> None:
    result = run("""
        import sys
        import genever
        genever.alias_fastapi()
        genever.alias_fastapi()  # twice: nothing more happens
        import fastapi, fastapi.routing, fastapi.dependencies.utils
        from fastapi import Depends, FastAPI, params, status
        from fastapi.datastructures import Default
        from fastapi.middleware.wsgi import WSGIMiddleware
        from fastapi.param_functions import Query
        from fastapi.routing import APIRoute, get_request_handler
        from fastapi.utils import generate_unique_id
        import genever.routing
        assert fastapi is genever and fastapi.routing is genever.routing and FastAPI is genever.Genever
        assert Depends is genever.Depends and Query is genever.Query and params is genever.params
        assert genever.__spec__.name == "genever" and genever.routing.__spec__.name == "genever.routing"
        assert [f for f in sys.meta_path if type(f).__name__ == "_FastAPIAsGenever"].__len__() == 1
        assert "site-packages/fastapi" not in repr([m.__file__ for m in sys.modules.values()
                                                   if getattr(m, "__file__", None)])
        print("ok")
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_an_app_written_for_fastapi_runs_on_genever() -> None:
    result = run("""
        import genever
        genever.alias_fastapi()
        from typing import Annotated
        from fastapi import APIRouter, Depends, FastAPI, Query
        from fastapi.testclient import TestClient

        def limit(n: Annotated[int, Query(ge=1)] = 10) -> int:
            return n

        router = APIRouter(prefix="/items", default=None, dependency_overrides_provider=None)

        @router.get("/")
        def items(n: Annotated[int, Depends(limit)]) -> dict[str, int]:
            return {"n": n}

        app = FastAPI()
        app.include_router(router)
        assert type(app).__module__ == "genever.applications"
        client = TestClient(app)
        assert client.get("/items/?n=3").json() == {"n": 3}
        assert client.get("/items/?n=0").status_code == 422
        print("ok")
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_the_real_fastapi_imported_first_is_a_clear_error() -> None:
    result = run("""
        import fastapi
        import genever
        try:
            genever.alias_fastapi()
        except genever.ConfigurationError as exc:
            print(exc)
    """)
    assert result.returncode == 0, result.stderr
    assert "the real FastAPI is already imported (from " in result.stdout
    assert "call alias_fastapi() before anything imports fastapi" in result.stdout


def test_a_fastapi_module_genever_lacks_names_itself() -> None:
    result = run("""
        import genever
        genever.alias_fastapi()
        try:
            import fastapi.openapi.models
        except ModuleNotFoundError as exc:
            print(exc.name, "|", exc)
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("fastapi.openapi.models |")
    assert "maps it to 'genever.openapi.models', which genever does not have" in result.stdout


def test_without_the_alias_fastapi_is_fastapi() -> None:
    result = run("""
        import genever, fastapi
        assert fastapi is not genever and fastapi.__file__.endswith("fastapi/__init__.py")
        print("ok")
    """)
    assert result.returncode == 0, result.stderr


def test_routes_are_starlette_routes_under_the_alias() -> None:
    """As FastAPI's: ``cbv`` (fastapi-utils, fastapi-restful) picks routes with ``isinstance``."""
    result = run("""
        import genever
        genever.alias_fastapi()
        import fastapi
        from fastapi.testclient import TestClient
        from starlette.routing import Route, WebSocketRoute

        router = fastapi.APIRouter()

        @router.get("/a")
        def a() -> dict[str, str]:
            return {"a": "a"}

        @router.websocket("/ws")
        async def ws(websocket: fastapi.WebSocket) -> None:
            await websocket.accept()
            await websocket.send_text("hi")
            await websocket.close()

        http, websocket = router.routes
        assert isinstance(http, Route) and isinstance(http, fastapi.routing.APIRoute)
        assert isinstance(websocket, WebSocketRoute) and not isinstance(websocket, Route)
        twin = fastapi.routing.APIRoute("/a", a)
        assert http != twin and len({http, twin, websocket}) == 3  # still compared by identity
        assert repr(http) == "APIRoute(path='/a', name='a', methods=['GET'])"  # genever's methods first
        from starlette.routing import Match
        scope = {"type": "http", "path": "/a", "root_path": "", "method": "GET"}
        assert Route.matches(http, scope)[0] is Match.FULL  # Starlette's own matches() (OpenTelemetry calls it)
        assert Route.matches(http, {**scope, "path": "/b"})[0] is Match.NONE
        app = fastapi.FastAPI()
        app.include_router(router)
        client = TestClient(app)
        assert client.get("/a").json() == {"a": "a"}
        with client.websocket_connect("/ws") as connection:
            assert connection.receive_text() == "hi"
        print("ok")
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
