"""python-socketio beside a genever app, for the real servers (``tests/ecosystem/test_socketio.py``).

``app``: its ``ASGIApp`` mounted at ``/ws`` (``tests/ecosystem/cases.py: socketio_app``);
``wrapped``: ``socketio.ASGIApp(sio, other_asgi_app=app)``, python-socketio in front
(an ASGI app: uvicorn, not ``genever run``). With ``GENEVER_TEST_ALIAS=1`` the app is
written against ``fastapi`` under ``genever.alias_fastapi()``.
"""

from __future__ import annotations

import os

import genever

if os.environ.get("GENEVER_TEST_ALIAS"):
    genever.alias_fastapi()
    import fastapi as fw  # genever, through the alias
else:
    fw = genever  # type: ignore[no-redef]

import socketio

from tests.ecosystem.cases import socketio_app

app, sio = socketio_app(fw)
wrapped_app, _ = socketio_app(fw, socketio_path="ws/socket.io")
wrapped = socketio.ASGIApp(sio, other_asgi_app=wrapped_app, socketio_path="front/socket.io")
