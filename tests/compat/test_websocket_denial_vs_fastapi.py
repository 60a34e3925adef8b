"""A WebSocket refused before ``accept()``, differential: an ``HTTPException`` (a security
dependency's 401, the app's own 403) is answered with the app's HTTP response through
ASGI's ``websocket.http.response`` extension, as FastAPI answers it; both test clients
raise ``WebSocketDenialResponse`` (genever's is Starlette's class too). The real servers
are in ``tests/test_server_websockets.py``.
"""

from typing import Annotated, Any

import fastapi
import fastapi.testclient
import pytest
import starlette.testclient

import genever
import genever.testclient
from genever.websockets import WebSocket


def build(fw: Any) -> Any:
    app = (getattr(fw, "Genever", None) or fw.FastAPI)()
    bearer = fw.security.HTTPBearer()

    @app.exception_handler(418)
    async def teapot(request: Any, exc: Any) -> Any:
        return fw.responses.PlainTextResponse(f"short and stout: {exc.detail}", status_code=418)

    def room_open(room: str) -> str:
        if room == "closed":
            raise fw.HTTPException(403, detail={"room": room, "open": False}, headers={"X-Room": room})
        if room == "teapot":
            raise fw.HTTPException(418, detail="tea")
        return room

    @app.websocket("/rooms/{room}")
    async def chat(websocket: fw.WebSocket, room: Annotated[str, fw.Depends(room_open)],
                   credentials: Annotated[Any, fw.Security(bearer)]) -> None:  # fmt: skip
        await websocket.accept()
        await websocket.send_json({"room": room, "token": credentials.credentials})
        await websocket.close()

    return app


CASES = [
    ("/rooms/lobby", {}),  # no credentials: the bearer scheme's 401
    ("/rooms/closed", {"Authorization": "Bearer t"}),  # a dependency's 403, with headers and a dict detail
    ("/rooms/teapot", {"Authorization": "Bearer t"}),  # the app's own handler for 418 answers
]


def refusal(fw: Any, client_module: Any, path: str, headers: dict[str, str]) -> tuple[int, str, bytes, str | None]:
    with client_module.TestClient(build(fw)) as client:  # noqa: SIM117 - the denial is raised on entering
        with pytest.raises(starlette.testclient.WebSocketDenialResponse) as caught:
            with client.websocket_connect(path, headers=headers):
                pass  # pragma: no cover
    denial = caught.value
    return denial.status_code, denial.headers["content-type"], denial.content, denial.headers.get("x-room")


@pytest.mark.parametrize(("path", "headers"), CASES)
def test_the_same_refusal(path: str, headers: dict[str, str]) -> None:
    expected = refusal(fastapi, fastapi.testclient, path, headers)
    assert refusal(genever, genever.testclient, path, headers) == expected


def test_www_authenticate_and_an_accepted_socket() -> None:
    denials = {
        fastapi: starlette.testclient.WebSocketDenialResponse,
        genever: genever.testclient.WebSocketDenialResponse,
    }
    for fw, module in ((fastapi, fastapi.testclient), (genever, genever.testclient)):
        with module.TestClient(build(fw)) as client:
            with pytest.raises(denials[fw]) as caught, client.websocket_connect("/rooms/lobby"):
                pass  # pragma: no cover
            assert caught.value.headers["www-authenticate"] == "Bearer"
            assert caught.value.json() == {"detail": "Not authenticated"}
            with client.websocket_connect("/rooms/lobby", headers={"Authorization": "Bearer t"}) as ws:
                assert ws.receive_json() == {"room": "lobby", "token": "t"}


def test_without_the_extension_the_socket_is_closed() -> None:
    """An ASGI server that does not offer the extension: genever closes (the server answers 403)."""
    import asyncio

    app = build(genever)
    sent: list[dict[str, Any]] = []

    async def main() -> None:
        scope = {"type": "websocket", "path": "/rooms/closed", "query_string": b"", "headers": [],
                 "root_path": "", "asgi": {"version": "3.0"}}  # fmt: skip
        messages = [{"type": "websocket.connect"}]

        async def receive() -> dict[str, Any]:
            return messages.pop(0) if messages else {"type": "websocket.disconnect", "code": 1000}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await app(scope, receive, send)

    asyncio.run(main())
    assert [m["type"] for m in sent] == ["websocket.close"]
    assert sent[0]["code"] == 1008


def test_send_denial_response_after_accept_is_an_error() -> None:
    app = genever.Genever()

    @app.websocket("/late")
    async def late(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            await websocket.send_denial_response(genever.responses.Response(status_code=400))
        except RuntimeError as exc:
            await websocket.send_text(str(exc))
        await websocket.close()

    with genever.testclient.TestClient(app) as client, client.websocket_connect("/late") as ws:
        assert "before the WebSocket is accepted" in ws.receive_text()
