"""genever: FastAPI's developer experience at Gin's speed.

Write the app the FastAPI way (``from genever import Genever, Query, Depends``),
serve it with ``genever run module:app`` (Granian, RSGI) or any ASGI server.
``genever.alias_fastapi()`` makes packages that ``import fastapi`` get genever.
"""

from ._alias import alias_fastapi
from .applications import Genever
from .background import BackgroundTasks
from .datastructures import UploadFile
from .exceptions import (
    ConfigurationError,
    GeneverError,
    HTTPException,
    RequestValidationError,
    ResponseValidationError,
    WebSocketException,
)
from .params import Body, Cookie, Depends, File, Form, Header, Path, Query, Security
from .requests import Request
from .responses import Response
from .routing import APIRouter
from .websockets import WebSocket, WebSocketDisconnect

FastAPI = Genever  # so that a FastAPI app moves by changing its imports

__version__ = "0.1.0"

__all__ = [
    "APIRouter",
    "BackgroundTasks",
    "Body",
    "ConfigurationError",
    "Cookie",
    "Depends",
    "FastAPI",
    "File",
    "Form",
    "Genever",
    "GeneverError",
    "HTTPException",
    "Header",
    "Path",
    "Query",
    "Request",
    "RequestValidationError",
    "Response",
    "ResponseValidationError",
    "Security",
    "UploadFile",
    "WebSocket",
    "WebSocketDisconnect",
    "WebSocketException",
    "__version__",
    "alias_fastapi",
]
