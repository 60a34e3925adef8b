"""WebSocket routes on both adapters: echo, parameters, dependencies, closing rules."""

from typing import Annotated, Any

import pytest

from genever import APIRouter, Depends, Genever, Header, Query, WebSocket, WebSocketDisconnect, WebSocketException
from genever.testclient import WebSocketDisconnect as ClientDisconnect
from tests.rsgi_client import RSGITestClient


def _app(events: list[str]) -> Genever:
    app = Genever()

    async def resource() -> Any:
        events.append("open")
        yield "res"
        events.append("close")

    @app.websocket("/echo")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        text = await websocket.receive_text()
        await websocket.send_text(f"text:{text}")
        data = await websocket.receive_bytes()
        await websocket.send_bytes(data[::-1])
        obj = await websocket.receive_json()
        await websocket.send_json({"got": obj})
        await websocket.close()

    @app.websocket("/items/{item_id}")
    async def items(
        websocket: WebSocket,
        item_id: int,
        q: Annotated[int, Query(gt=0)],
        x_name: Annotated[str, Header()] = "anon",
        res: Annotated[str, Depends(resource)] = "",
    ) -> None:
        await websocket.accept()
        await websocket.send_json({"item_id": item_id, "q": q, "name": x_name, "res": res})
        try:
            while True:
                await websocket.receive_text()
        except WebSocketDisconnect:
            events.append("client-left")

    @app.websocket("/refuse")
    async def refuse(websocket: WebSocket) -> None:
        raise WebSocketException(code=4001, reason="go away")

    router = APIRouter(prefix="/r")

    @router.websocket("/ping")
    async def ping(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("pong")
        await websocket.close()

    app.include_router(router)
    return app


def test_echo_asgi() -> None:
    from genever.testclient import TestClient

    with TestClient(_app([])).websocket_connect("/echo") as ws:
        ws.send_text("hi")
        assert ws.receive_text() == "text:hi"
        ws.send_bytes(b"abc")
        assert ws.receive_bytes() == b"cba"
        ws.send_json({"a": 1})
        assert ws.receive_json() == {"got": {"a": 1}}


def test_params_dependencies_and_disconnect_asgi() -> None:
    from genever.testclient import TestClient

    events: list[str] = []
    client = TestClient(_app(events))
    with client.websocket_connect("/items/3?q=2", headers={"X-Name": "bob"}) as ws:
        assert ws.receive_json() == {"item_id": 3, "q": 2, "name": "bob", "res": "res"}
    assert events == ["open", "client-left", "close"]


@pytest.mark.parametrize(("url", "code"), [("/items/x?q=1", 1008), ("/items/1?q=0", 1008), ("/nowhere", 1000),
                                            ("/refuse", 4001)])
def test_refusals_asgi(url: str, code: int) -> None:
    from genever.testclient import TestClient

    with pytest.raises(ClientDisconnect) as info, TestClient(_app([])).websocket_connect(url):
        pass
    assert info.value.code == code


def test_router_prefix_asgi() -> None:
    from genever.testclient import TestClient

    with TestClient(_app([])).websocket_connect("/r/ping") as ws:
        assert ws.receive_text() == "pong"


def test_rsgi_echo_and_params() -> None:
    events: list[str] = []
    with RSGITestClient(_app(events)) as client:
        messages = client.websocket_run("/echo", ["s:hi", b"abc", 's:{"a":1}'])
        assert messages == ["text:hi", b"cba", '{"got":{"a":1}}', ("close", 1000)]
        messages = client.websocket_run("/items/3?q=2", [], headers={"x-name": "bob"})
        assert messages[0] == '{"item_id":3,"q":2,"name":"bob","res":"res"}'
        assert client.websocket_run("/items/x?q=1", [])[-1][0] == "close"
        assert client.websocket_run("/items/x?q=1", [])[-1][1] == 403  # refused before accept
    # as in FastAPI, a dependency whose own inputs are valid runs even when the endpoint's are not
    assert events == ["open", "client-left", "close", "open", "open"]


def test_the_test_client_raises_the_apps_disconnect_class() -> None:
    import genever
    import genever.testclient

    assert genever.testclient.WebSocketDisconnect is genever.WebSocketDisconnect


def test_rsgi_closes_the_transport_when_the_endpoint_finishes() -> None:
    app = Genever()

    @app.websocket("/bye")
    async def bye(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("bye")

    @app.websocket("/late")
    async def late(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            await websocket.receive_text()
        except WebSocketDisconnect as exc:
            await websocket.send_text(f"after {exc.code}")  # the client is gone: a disconnect, not a crash

    @app.websocket("/big")
    async def big(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.receive_bytes()

    with RSGITestClient(app) as client:
        # Granian ends the connection only when the app calls proto.close(): it must always be called
        assert client.websocket_run("/bye", []) == ["bye", ("close", 1000)]
        assert client.websocket_run("/late", []) == [("close", 1000)]
        from genever.websockets import MAX_MESSAGE_SIZE

        assert client.websocket_run("/big", [b"x" * (MAX_MESSAGE_SIZE + 1)]) == [("close", 1009)]
