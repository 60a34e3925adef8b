"""A plan's steps: one ``Node`` per call (a dependency, or the handler, always last), and
how each call runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._utils import is_async_gen_callable, is_coroutine_callable, is_gen_callable

if TYPE_CHECKING:
    from ..requests import Request


Getter = Callable[["Request"], Any]

ASYNC, SYNC, ASYNC_GEN, SYNC_GEN, APP = range(5)  # APP: an app-scoped value's slot


class Node:
    """One call in the plan: a dependency, or the handler (always last)."""

    __slots__ = (
        "body_names",
        "cache_key",
        "call",
        "children",
        "function_scope",
        "getters",
        "kind",
        "use_cache",
    )

    def __init__(
        self,
        call: Any,  # the callable, or for an APP node the app-scoped value's Slot
        kind: int,
        getters: tuple[tuple[str, Getter], ...],
        children: tuple[tuple[str | None, int], ...],
        body_names: tuple[tuple[str, str], ...],  # (parameter name, key of its value in the read body)
        cache_key: Any,
        use_cache: bool,
        function_scope: bool = False,
    ) -> None:
        self.function_scope = function_scope
        self.call = call
        self.kind = kind
        self.getters = getters
        self.children = children
        self.body_names = body_names
        self.cache_key = cache_key
        self.use_cache = use_cache


def kind_of(call: Any) -> int:
    if is_async_gen_callable(call):
        return ASYNC_GEN
    if is_gen_callable(call):
        return SYNC_GEN
    if is_coroutine_callable(call):
        return ASYNC
    return SYNC
