"""python-socketio with a genever app on the real servers: its own ``AsyncClient`` connects
(long polling, then the upgrade to a WebSocket; and a WebSocket from the start), emits an
event and gets the ack and the event emitted back, while the app's routes still answer.

Under ``genever run`` (Granian, RSGI) the mount is reached through genever's RSGI → ASGI
bridge, HTTP and WebSocket. One worker: Socket.IO's long polling needs every request of a
session to reach the same process (sticky sessions, as with ``uvicorn --workers``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.servers import free_port, serve, server_commands

SERVERS = server_commands("tests.server_apps.socketio_app:app")


@pytest.fixture(scope="module", params=[(name, alias) for name in sorted(SERVERS) for alias in ("", "alias")],
                ids=lambda p: "-".join(filter(None, p)))  # fmt: skip
def base(request: pytest.FixtureRequest) -> Iterator[str]:
    name, alias = request.param
    port = free_port()
    argv = SERVERS[name](port) + (["--workers", "1"] if name == "genever-run" else [])
    with serve(argv, port, env={"GENEVER_TEST_ALIAS": "1" if alias else ""}) as url:
        yield url


async def _exchange(url: str, path: str, transports: list[str]) -> tuple[str, Any, Any]:
    import socketio

    client = socketio.AsyncClient()
    pongs: asyncio.Queue[Any] = asyncio.Queue()
    client.on("pong", pongs.put_nowait)
    await client.connect(url, socketio_path=path, transports=transports, wait_timeout=10)
    try:
        if transports != ["websocket"]:  # long polling first, then the upgrade
            for _ in range(50):
                if client.transport() == "websocket":
                    break
                await asyncio.sleep(0.1)
        ack = await client.call("ping", "hello", timeout=10)
        pong = await asyncio.wait_for(pongs.get(), 10)
        return client.transport(), ack, pong
    finally:
        await client.disconnect()


@pytest.mark.parametrize("transports", [["polling"], ["polling", "websocket"], ["websocket"]],
                         ids=["polling", "upgrade", "websocket"])  # fmt: skip
def test_a_socketio_client_exchanges_an_event(base: str, transports: list[str]) -> None:
    transport, ack, pong = asyncio.run(_exchange(base, "ws/socket.io", transports))
    assert transport == transports[-1]
    assert ack == {"ack": "hello"} and pong == {"echo": "hello"}
    assert httpx.get(base + "/health").json() == {"ok": True}
    assert httpx.get(base + "/ws/elsewhere").status_code == 404  # the mount's own 404 (Engine.IO's)


def test_socketio_in_front_of_the_app_under_uvicorn() -> None:
    """``socketio.ASGIApp(sio, other_asgi_app=app)``: Socket.IO first, the rest to genever."""
    port = free_port()
    argv = server_commands("tests.server_apps.socketio_app:wrapped", "uvicorn")["uvicorn"](port)
    with serve(argv, port) as url:
        transport, ack, pong = asyncio.run(_exchange(url, "front/socket.io", ["polling", "websocket"]))
        assert (transport, ack, pong) == ("websocket", {"ack": "hello"}, {"echo": "hello"})
        assert httpx.get(url + "/health").json() == {"ok": True}
