"""``routing``: ``APIRoute``, ``APIWebSocketRoute`` and ``APIRouter`` — what a declaration
becomes, how routers nest, and the route table the app serves from them."""

from __future__ import annotations

from typing import Any

import pytest

from genever import APIRouter, Depends, Genever
from genever.exceptions import ConfigurationError
from genever.responses import PlainTextResponse, RedirectResponse
from genever.routing import APIRoute, APIWebSocketRoute, generate_unique_id
from genever.testclient import TestClient
from genever.websockets import WebSocket


async def endpoint() -> str:
    return "ok"


def test_a_route_knows_its_path_format_label_and_operation_id() -> None:
    route = APIRoute("/files/{name:path}", endpoint, methods=["get", "post"])
    assert route.methods == {"GET", "POST"}
    assert route.path_format == "/files/{name}"
    assert route.label == "GET,POST /files/{name:path}"
    assert route.name == "endpoint"
    assert generate_unique_id(route) == "endpoint_files__name__get"
    assert route.url_path_for(name="a/b.txt") == "/files/a/b.txt"


def test_an_unknown_method_is_refused_naming_the_path() -> None:
    with pytest.raises(ConfigurationError, match=r"/x: unknown HTTP method\(s\) \['FETCH'\]"):
        APIRoute("/x", endpoint, methods=["FETCH"])


def test_status_code_defaults_to_the_response_class_default() -> None:
    assert APIRoute("/r", endpoint, response_class=RedirectResponse).effective_status_code == 307
    assert APIRoute("/p", endpoint, response_class=PlainTextResponse).effective_status_code == 200
    assert APIRoute("/c", endpoint, status_code=201).effective_status_code == 201


def test_router_prefix_must_start_with_a_slash_and_not_end_with_one() -> None:
    for prefix in ("items", "/items/"):
        with pytest.raises(ConfigurationError, match="must start with '/' and not end with '/'"):
            APIRouter(prefix=prefix)


def test_include_router_nests_prefixes_tags_and_dependencies(client_factory: Any) -> None:
    calls: list[str] = []

    def outer_dep() -> None:
        calls.append("outer")

    def inner_dep() -> None:
        calls.append("inner")

    inner = APIRouter(prefix="/items", tags=["items"], dependencies=[Depends(inner_dep)])

    @inner.get("/{item_id}")
    async def read(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    outer = APIRouter(prefix="/v1", dependencies=[Depends(outer_dep)])
    outer.include_router(inner, tags=["v1"])
    app = Genever()
    app.include_router(outer, prefix="/api")
    route = next(r for r in app.routes if isinstance(r, APIRoute) and r.name == "read")
    assert route.path == "/api/v1/items/{item_id}"
    assert set(route.tags) == {"v1", "items"}
    client = client_factory(app)
    assert client.get("/api/v1/items/3").json() == {"item_id": 3}
    assert calls == ["outer", "inner"]
    assert client.get("/items/3").status_code == 404


def test_websocket_routes_live_with_the_other_routes() -> None:
    router = APIRouter(prefix="/ws")

    @router.websocket("/echo/{room}")
    async def echo(websocket: WebSocket, room: str) -> None:
        await websocket.accept()
        await websocket.send_text(f"{room}:{await websocket.receive_text()}")
        await websocket.close()

    route = router.routes[0]
    assert isinstance(route, APIWebSocketRoute)
    assert (route.path, route.label, route.include_in_schema) == ("/ws/echo/{room}", "WEBSOCKET /ws/echo/{room}", False)
    app = Genever()
    app.include_router(router, prefix="/api")
    assert [r.path for r in app.routes if isinstance(r, APIWebSocketRoute)] == ["/api/ws/echo/{room}"]
    with TestClient(app).websocket_connect("/api/ws/echo/blue") as websocket:
        websocket.send_text("hi")
        assert websocket.receive_text() == "blue:hi"


def test_a_websocket_route_path_must_start_with_a_slash() -> None:
    # as for HTTP routes, a router's route may lack it (its prefix comes with include_router): the app
    # refuses it when it is served as it is
    app = Genever()
    app.routes.append(APIWebSocketRoute("echo", endpoint))
    with pytest.raises(ConfigurationError, match="WEBSOCKET echo: a served route's path must start with '/'"):
        app.freeze()


def test_the_same_method_and_path_twice_is_a_startup_error_naming_both() -> None:
    app = Genever()

    @app.get("/x", name="first")
    async def first() -> None: ...

    @app.get("/x", name="second")
    async def second() -> None: ...

    with pytest.raises(ConfigurationError, match=r"route GET /x \(second\) conflicts with GET /x \(first\)"):
        app.freeze()


def test_a_served_route_path_must_start_with_a_slash() -> None:
    app = Genever()
    app.add_api_route("items", endpoint)
    with pytest.raises(ConfigurationError, match="GET items: a served route's path must start with '/'"):
        app.freeze()


def test_static_paths_win_over_parameters_whatever_the_order(client_factory: Any) -> None:
    app = Genever()

    @app.get("/users/{user_id}")
    async def user(user_id: int) -> dict[str, int]:
        return {"user_id": user_id}

    @app.get("/users/me")
    async def me() -> str:
        return "me"

    client = client_factory(app)
    assert client.get("/users/me").json() == "me"
    assert client.get("/users/7").json() == {"user_id": 7}
    assert client.get("/users/x").status_code == 422


def test_url_path_for_routes_and_mounts() -> None:
    app = Genever()

    @app.get("/items/{item_id}", name="item")
    async def item(item_id: int) -> None: ...

    app.mount("/static", lambda scope, receive, send: None, name="static")
    assert app.url_path_for("item", item_id=5) == "/items/5"
    assert app.url_path_for("static", path="/a.css") == "/static/a.css"
    with pytest.raises(LookupError, match="no route named 'nope'"):
        app.url_path_for("nope")


def test_routes_changed_after_editing_routes_by_hand(client_factory: Any) -> None:
    app = Genever()
    client = client_factory(app)
    assert client.get("/late").status_code == 404
    app.routes.append(APIRoute("/late", endpoint))
    app.routes_changed()
    assert client.get("/late").json() == "ok"
