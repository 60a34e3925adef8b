"""Resolving a callable's annotations, one parameter at a time (startup only).

``typing.get_type_hints`` is all-or-nothing: one name imported under
``TYPE_CHECKING`` (or defined later) makes it fail for the whole function.
FastAPI resolves each parameter on its own, and only the parameters whose
type matters (not those whose value comes from ``Depends``) need to resolve;
so does genever. An annotation that cannot be resolved stays a string, and the
analysis reports it only where its type is needed.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable
from typing import Any


def _globals_of(call: Any) -> dict[str, Any]:
    target = inspect.unwrap(call) if callable(call) else call
    target = getattr(target, "__func__", target)
    found = getattr(target, "__globals__", None)
    if found is None and not inspect.isclass(call) and callable(call):  # a callable instance
        found = getattr(getattr(type(call).__call__, "__func__", type(call).__call__), "__globals__", None)
    if found is None and inspect.isclass(call):
        module = inspect.getmodule(call)
        found = vars(module) if module is not None else None
    return found if isinstance(found, dict) else {}


def typed_annotation(annotation: Any, globalns: dict[str, Any], localns: dict[str, Any] | None = None) -> Any:
    """``annotation`` with its forward references resolved in ``globalns``; unchanged (a string,
    or holding strings) when a name in it cannot be resolved."""
    if annotation is inspect.Parameter.empty:
        return annotation
    holder = types.SimpleNamespace(__annotations__={"x": annotation})
    try:
        return typing.get_type_hints(holder, globalns, localns, include_extras=True)["x"]
    except Exception:  # a name that is not defined (TYPE_CHECKING imports), a typo
        return annotation


def typed_signature(call: Callable[..., Any], target: Any = None) -> inspect.Signature:
    """``inspect.signature(call)`` with each parameter's annotation resolved on its own (FastAPI's
    ``get_typed_signature``); ``target`` is the function whose annotations and globals to use
    (``__init__`` for a class, ``__call__`` for an instance), ``call`` by default."""
    signature = inspect.signature(call)
    target = call if target is None else target
    try:  # the common case: everything resolves at once
        hints = typing.get_type_hints(target, include_extras=True)
    except Exception:
        globalns = _globals_of(target)
        hints = {
            p.name: typed_annotation(p.annotation, globalns)
            for p in signature.parameters.values()
            if p.annotation is not inspect.Parameter.empty
        }
    parameters = [p.replace(annotation=hints.get(p.name, p.annotation)) for p in signature.parameters.values()]
    return_annotation = signature.return_annotation
    if return_annotation is not inspect.Signature.empty:
        return_annotation = hints.get("return", typed_annotation(return_annotation, _globals_of(target)))
    return signature.replace(parameters=parameters, return_annotation=return_annotation)


def typed_return_annotation(call: Callable[..., Any]) -> Any:
    """The resolved return annotation of ``call``, or None when it has none (FastAPI's
    ``get_typed_return_annotation``); a string when it cannot be resolved."""
    annotation = inspect.signature(call).return_annotation
    if annotation is inspect.Signature.empty:
        return None
    return typed_annotation(annotation, _globals_of(call))
