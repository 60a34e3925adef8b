"""The default exception handlers, FastAPI's answers byte for byte.

* ``HTTPException`` → its status, ``{"detail": ...}`` and its headers;
* ``RequestValidationError`` → 422 ``{"detail": [records...]}``;
* ``WebSocketRequestValidationError`` → the socket is closed with 1008.
"""

from __future__ import annotations

from typing import Any

from ._utils import body_allowed
from .encoders import jsonable_encoder
from .exceptions import HTTPException, RequestValidationError, WebSocketRequestValidationError
from .requests import Request
from .responses import JSONResponse, Response
from .websockets import WebSocket


async def http_exception_handler(request: Request, exc: HTTPException) -> Response:
    headers = exc.headers
    if not body_allowed(exc.status_code):
        return Response(status_code=exc.status_code, headers=headers)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)


async def request_validation_exception_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    return JSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)


async def websocket_request_validation_exception_handler(websocket: Any, exc: WebSocketRequestValidationError) -> None:
    if isinstance(websocket, WebSocket):
        await websocket.close(code=1008, reason=str(jsonable_encoder(exc.errors())))
