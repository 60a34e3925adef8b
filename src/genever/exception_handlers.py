"""The default exception handlers, FastAPI's answers byte for byte.

* ``HTTPException`` → its status, ``{"detail": ...}`` and its headers;
* ``RequestValidationError`` → 422 ``{"detail": [records...]}``;
* ``WebSocketRequestValidationError`` → the socket is closed with 1008.
"""

from __future__ import annotations

import json
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
    errors = exc.errors()
    try:
        detail = jsonable_encoder(errors)
    except RecursionError:
        # an input nested deeper than the encoder can go (FastAPI answers 500 there): the
        # records without their inputs
        detail = jsonable_encoder([{**error, "input": None} for error in errors])
    try:
        return JSONResponse({"detail": detail}, status_code=422)
    except UnicodeEncodeError:  # a lone surrogate in an input (JSON may carry "\ud800"): escaped
        return _EscapedJSONResponse({"detail": detail}, status_code=422)


class _EscapedJSONResponse(JSONResponse):
    """JSON with every non-ASCII character escaped, so lone surrogates stay encodable."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


async def websocket_request_validation_exception_handler(websocket: Any, exc: WebSocketRequestValidationError) -> None:
    if isinstance(websocket, WebSocket):
        await websocket.close(code=1008, reason=str(jsonable_encoder(exc.errors())))
