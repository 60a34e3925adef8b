"""FastAPI's ``fastapi._compat``: the names packages and tests built on FastAPI import from it.

FastAPI keeps its pydantic version switches there; genever supports pydantic 2
only, so this is the version tuple and pydantic's "no value" marker.
"""

from __future__ import annotations

from pydantic.version import VERSION as PYDANTIC_VERSION
from pydantic_core import PydanticUndefined as Undefined

PYDANTIC_VERSION_MINOR_TUPLE: tuple[int, int] = (
    int(PYDANTIC_VERSION.split(".")[0]),
    int(PYDANTIC_VERSION.split(".")[1]),
)

__all__ = ["PYDANTIC_VERSION", "PYDANTIC_VERSION_MINOR_TUPLE", "Undefined"]
