"""FastAPI's ``fastapi.dependencies.utils``: the helpers that packages built on FastAPI import.

``get_typed_signature`` and ``get_typed_return_annotation`` resolve string
annotations one parameter at a time, as FastAPI's do (fastapi-cache2 uses them
to rewrite a decorated endpoint's signature); ``get_dependant`` analyses a
callable the way a route's endpoint is analysed.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from .._analysis import Dependant
from .._analysis import get_dependant as _get_dependant
from .._annotations import typed_annotation, typed_return_annotation, typed_signature

__all__ = [
    "get_dependant",
    "get_typed_annotation",
    "get_typed_return_annotation",
    "get_typed_signature",
    "lenient_issubclass",
]


def get_typed_signature(call: Callable[..., Any]) -> inspect.Signature:
    """``call``'s signature with each parameter's annotation resolved (string annotations evaluated
    in ``call``'s module; one that cannot be resolved stays a string)."""
    signature = typed_signature(call)
    return signature.replace(return_annotation=inspect.Signature.empty)


def get_typed_annotation(annotation: Any, globalns: dict[str, Any]) -> Any:
    """``annotation`` with its forward references resolved in ``globalns``."""
    return typed_annotation(annotation, globalns)


def get_typed_return_annotation(call: Callable[..., Any]) -> Any:
    """``call``'s resolved return annotation, or None when it has none."""
    return typed_return_annotation(call)


def get_dependant(*, path: str, call: Callable[..., Any], name: str | None = None) -> Dependant:
    """The analysed parameters of ``call`` (its ``Depends`` sub-dependencies included) for ``path``."""
    return _get_dependant(path=path, call=call, route=path, name=name)


def lenient_issubclass(cls: Any, class_or_tuple: Any) -> bool:
    """``issubclass`` that is False, not an error, for what is not a class (``list[int]``)."""
    try:
        return isinstance(cls, type) and issubclass(cls, class_or_tuple)
    except TypeError:
        return False

