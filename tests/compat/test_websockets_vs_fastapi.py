"""WebSockets, differential: the same endpoints under FastAPI and genever (ASGI) exchange the
same messages and close with the same codes."""

from typing import Annotated, Any

import fastapi
import fastapi.testclient
import pytest
import starlette.websockets

import genever
import genever.testclient


def build(fw: Any) -> Any:
    app = (getattr(fw, "Genever", None) or fw.FastAPI)()

    def prefix(p: Annotated[str, fw.Query()] = ">") -> str:
        return p

    @app.websocket("/echo/{room}")
    async def echo(websocket: fw.WebSocket, room: str, pre: Annotated[str, fw.Depends(prefix)],
                   n: Annotated[int, fw.Query(gt=0)] = 1) -> None:
        await websocket.accept()
        for _ in range(n):
            text = await websocket.receive_text()
            await websocket.send_json({"room": room, "echo": pre + text})
        await websocket.close(code=1000)

    @app.websocket("/forever")
    async def forever(websocket: fw.WebSocket) -> None:  # never catches the client's disconnect
        await websocket.accept()
        while True:
            text = await websocket.receive_text()
            await websocket.send_json({"echo": text})

    @app.websocket("/policy")
    async def policy(websocket: fw.WebSocket) -> None:
        raise fw.WebSocketException(code=4003, reason="nope")

    return app


DISCONNECTS = (starlette.websockets.WebSocketDisconnect, genever.testclient.WebSocketDisconnect)


def _session(client: Any, url: str, texts: list[str]) -> list[Any]:
    out: list[Any] = []
    try:
        with client.websocket_connect(url) as ws:
            for text in texts:
                ws.send_text(text)
                out.append(ws.receive_json())
            try:
                ws.receive_text()
            except DISCONNECTS as exc:
                out.append(("closed", exc.code))
    except DISCONNECTS as exc:
        out.append(("refused", exc.code))
    return out


@pytest.mark.parametrize(
    ("url", "texts"),
    [("/echo/a?n=2", ["x", "y"]), ("/echo/b?n=1&p=*", ["z"]), ("/echo/c?n=0", []), ("/policy", []),
     ("/nowhere", [])],
)
def test_same_messages_and_codes(url: str, texts: list[str]) -> None:
    expected = _session(fastapi.testclient.TestClient(build(fastapi)), url, texts)
    got = _session(genever.testclient.TestClient(build(genever)), url, texts)
    assert got == expected


def test_an_uncaught_disconnect_reaches_the_test_client_in_both() -> None:
    """Leaving the ``with`` block disconnects; the endpoint's uncaught WebSocketDisconnect is re-raised."""
    results = []
    for client in (fastapi.testclient.TestClient(build(fastapi)), genever.testclient.TestClient(build(genever))):
        with pytest.raises(DISCONNECTS) as caught, client.websocket_connect("/forever") as ws:
            ws.send_text("hi")
            results.append(ws.receive_json())
        results.append(caught.value.code)
    assert results[:2] == results[2:] == [{"echo": "hi"}, 1000]
