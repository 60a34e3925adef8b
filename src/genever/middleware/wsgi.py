"""``WSGIMiddleware``: serve a WSGI app (Flask, Django...) under a genever app with
``app.mount("/v1", WSGIMiddleware(flask_app))``, as FastAPI's documentation shows.

It is ``a2wsgi``'s (what FastAPI's documentation now uses; Starlette's own is
deprecated): an ASGI app running the WSGI app in threads, mounted like any ASGI
app on both protocols. Needs ``pip install a2wsgi``.
"""

from __future__ import annotations

import importlib
from typing import Any

try:
    _A2WSGI: Any = importlib.import_module("a2wsgi").WSGIMiddleware
except ImportError:  # pragma: no cover - exercised without the optional package
    _A2WSGI = None


def WSGIMiddleware(app: Any, workers: int = 10, **options: Any) -> Any:
    """An ASGI app serving the WSGI ``app`` (``a2wsgi.WSGIMiddleware``), for ``app.mount(...)``."""
    if _A2WSGI is None:
        raise ImportError("WSGIMiddleware needs the a2wsgi package: pip install a2wsgi")
    return _A2WSGI(app, workers=workers, **options)


__all__ = ["WSGIMiddleware"]
