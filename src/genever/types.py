"""FastAPI's ``fastapi.types``: type aliases that packages built on FastAPI annotate with."""

from collections.abc import Callable
from types import UnionType
from typing import Any, TypeVar

DecoratedCallable = TypeVar("DecoratedCallable", bound=Callable[..., Any])
IncEx = set[int] | set[str] | dict[int, Any] | dict[str, Any]

__all__ = ["DecoratedCallable", "IncEx", "UnionType"]
