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

from .. import params
from .._analysis import Dependant, flat_body_params
from .._analysis import get_dependant as _get_dependant
from .._annotations import typed_annotation, typed_return_annotation, typed_signature
from ..exceptions import ConfigurationError

__all__ = [
    "get_dependant",
    "get_parameterless_sub_dependant",
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


def get_parameterless_sub_dependant(*, depends: params.Depends, path: str) -> Dependant:
    """The ``Dependant`` of a ``dependencies=[Depends(f)]`` entry, to append to a route's
    ``dependant.dependencies`` before the app starts (it is compiled with the route)."""
    if depends.dependency is None:
        raise ConfigurationError(f"{path}: a dependency without a parameter needs a callable: Depends(f)")
    sub = _get_dependant(path=path, call=depends.dependency, route=path, use_cache=depends.use_cache)
    sub.scope = depends.scope
    sub.concurrency = depends._concurrency
    return sub


def _get_flat_body_params(dependant: Dependant) -> list[Any]:
    """The body parameters of ``dependant`` and its sub-dependencies (FastAPI's private helper)."""
    return flat_body_params(dependant)


def _get_body_field(*, body_params: list[Any], name: str, embed_body_fields: bool) -> None:
    """FastAPI's private helper; genever builds the body reader from ``route.dependant`` when the app
    starts, so there is no body field to rebuild."""
    return None


def lenient_issubclass(cls: Any, class_or_tuple: Any) -> bool:
    """``issubclass`` that is False, not an error, for what is not a class (``list[int]``)."""
    try:
        return isinstance(cls, type) and issubclass(cls, class_or_tuple)
    except TypeError:
        return False

