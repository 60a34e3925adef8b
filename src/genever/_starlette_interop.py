"""genever's request and WebSocket pass Starlette's ``isinstance`` checks (startup only).

Extensions built on Starlette check ``isinstance(request, starlette.requests.Request)``
(slowapi refuses anything else). genever's ``Request`` has Starlette's API but
not its class: making Starlette's class a real base was measured to cost ~170
(RSGI) to ~240 (ASGI) more CPU instructions for every request object built
(callgrind, +4% of building it), because the request then carries an instance
dict. Starlette's connection classes are abstract base classes (they are
``Mapping``s), so genever's are registered as virtual subclasses instead: the
checks pass and a request costs the same. Nothing happens when Starlette is not
installed; it is not a dependency of genever.
"""

from __future__ import annotations

import importlib.util

from .requests import Request
from .websockets import WebSocket

_registered = False


def register_with_starlette() -> None:
    """Register genever's ``Request`` and ``WebSocket`` with Starlette's classes (once, if installed)."""
    global _registered
    if _registered:
        return
    _registered = True
    if importlib.util.find_spec("starlette") is None:
        return
    from starlette.requests import HTTPConnection
    from starlette.requests import Request as StarletteRequest
    from starlette.websockets import WebSocket as StarletteWebSocket

    if not issubclass(Request, HTTPConnection):
        StarletteRequest.register(Request)
        StarletteWebSocket.register(WebSocket)
