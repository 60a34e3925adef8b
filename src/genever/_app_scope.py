"""App-scoped dependencies: ``Depends(get_pool, scope="app")``.

FastAPI has no dependency that lives as long as the app (its issues #617 and
#504): a pool opened in ``lifespan`` is smuggled to handlers through
``request.state``. Here a dependency declared with ``scope="app"`` is made
once per app -- at start-up for every route that uses it, or on first use (a
test client without lifespan, an override set after start-up) -- and a
``yield`` dependency's code after ``yield`` runs at shutdown, the last made
first. A route's plan holds the dependency's ``Slot``; a request only reads
``slot.value``.

An app-scoped value cannot depend on the request: the dependency and its
sub-dependencies (app-scoped too) may take no path, query, header, cookie or
body parameter, no ``Request``, ``Response``, ``BackgroundTasks`` or
``SecurityScopes``, and no dependency declared with another scope; the app
fails at start-up naming the route and the parameter.

Everything here runs when the app is built, except ``Slot.make`` (once per
value) and ``AppScope.start``/``close`` (lifespan).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from . import _analysis as an
from ._utils import is_async_gen_callable, is_coroutine_callable, is_gen_callable
from .concurrency import run_in_threadpool
from .exceptions import ConfigurationError, DependencyExitError

MISSING: Any = object()


class Slot:
    """One app-scoped value: ``MISSING`` until made, then the value until the app shuts down."""

    __slots__ = ("_lock", "call", "children", "key", "owner", "value")

    def __init__(self, owner: AppScope, call: Any, children: tuple[tuple[str | None, Slot], ...], key: Any) -> None:
        self.owner = owner
        self.call = call
        self.children = children
        self.key = key
        self.value: Any = MISSING
        self._lock: asyncio.Lock | None = None

    async def get(self) -> Any:
        """The value, made now if it was not yet (once, however many requests ask at the same time)."""
        value = self.value
        if value is not MISSING:
            return value
        kwargs: dict[str, Any] = {}
        for name, child in self.children:  # outside the lock: each child takes its own
            child_value = await child.get()
            if name is not None:
                kwargs[name] = child_value
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self.value is MISSING:
                self.value = await self._make(kwargs)
        return self.value

    async def _make(self, kwargs: dict[str, Any]) -> Any:
        call = self.call
        if is_async_gen_callable(call):
            agen = call(**kwargs)
            value = await agen.__anext__()
            self.owner._exits.append((True, agen))
            return value
        if is_gen_callable(call):
            gen = await run_in_threadpool(call, **kwargs)
            value = await run_in_threadpool(next, gen)
            self.owner._exits.append((False, gen))
            return value
        if is_coroutine_callable(call):
            return await call(**kwargs)
        return await run_in_threadpool(call, **kwargs)


class AppScope:
    """The app-scoped values of one app, keyed by the dependency and what it was made from."""

    def __init__(self) -> None:
        self._slots: dict[Any, Slot] = {}
        self._used: dict[Any, Slot] = {}  # those the current plans read (an override since removed is not)
        self._exits: list[tuple[bool, Any]] = []

    def recompiling(self) -> None:
        """The app is compiling its plans again: forget which slots the old ones used."""
        self._used = {}

    def slot(self, dependant: an.Dependant, overrides: Mapping[Any, Any], route: str) -> Slot:
        """The slot of ``dependant`` (declared with ``scope="app"``), after checking it reads no request value."""
        _check(dependant, dependant, route)
        return self._slot(dependant, overrides, route)

    def _slot(self, dependant: an.Dependant, overrides: Mapping[Any, Any], route: str) -> Slot:
        children: list[tuple[str | None, Slot]] = []
        for sub in dependant.dependencies:
            replacement = overrides.get(sub.call)
            if replacement is not None:
                sub = an.get_dependant(path=dependant.path, call=replacement, route=route, name=sub.name)
                _check(sub, sub, route)
            children.append((sub.name, self._slot(sub, overrides, route)))
        # an override of a sub-dependency makes another value, so the key holds the children's keys
        key = (dependant.call, tuple(child.key for _, child in children))
        slot = self._slots.get(key)
        if slot is None:
            slot = self._slots[key] = Slot(self, dependant.call, tuple(children), key)
        self._used[key] = slot
        return slot

    def outside_request(self, call: Any, label: str) -> an.Dependant:
        """``call``'s signature, checked: it may take app-scoped dependencies (and plain defaults) only.

        For what runs outside any request (a readiness check); ``label`` names it in errors."""
        dependant = an.get_dependant(path="", call=call, route=label)
        # a parameter with a plain default (read as an optional query value) keeps its default
        specs = dependant.own_params + dependant.body_params
        asked = [spec for spec in specs if spec.required or spec.source != "query"]
        what = next((f"a {spec.source} value" for spec in asked), None)
        name = next((spec.name for spec in asked), None)
        for attribute, special in _SPECIAL:
            if what is None and getattr(dependant, attribute):
                what, name = special, getattr(dependant, attribute)
        for sub in dependant.dependencies:
            if what is None and sub.scope != "app":
                what, name = f"{an.describe_call(sub.call)} without scope=\"app\"", sub.name
        if what is not None:
            raise ConfigurationError(
                f"{label}: parameter '{name}' of {an.describe_call(call)} asks for {what}, but it runs outside "
                'any request: it can only be given app-scoped dependencies (Depends(..., scope="app"))'
            )
        for sub in dependant.dependencies:
            _check(sub, sub, label)
        return dependant

    async def arguments(self, dependant: an.Dependant, overrides: Mapping[Any, Any], label: str) -> dict[str, Any]:
        """The app-scoped values ``dependant`` (from ``outside_request``) is called with, made now if they were not."""
        kwargs: dict[str, Any] = {}
        for sub in dependant.dependencies:
            replacement = overrides.get(sub.call)
            if replacement is not None:
                sub = an.get_dependant(path="", call=replacement, route=label, name=sub.name)
                sub.scope = "app"
                _check(sub, sub, label)
            value = await self._slot(sub, overrides, label).get()
            if sub.name is not None:
                kwargs[sub.name] = value
        return kwargs

    async def start(self) -> None:
        """Make every app-scoped value the compiled routes use (at start-up, in declaration order)."""
        for slot in list(self._used.values()):
            await slot.get()

    async def close(self) -> None:
        """Run the code after ``yield`` of every app-scoped generator, last made first; forget every value."""
        exits, self._exits = self._exits, []
        for slot in self._slots.values():
            slot.value = MISSING
            slot._lock = None
        error: BaseException | None = None
        for is_async, gen in reversed(exits):
            try:
                if is_async:
                    await gen.__anext__()
                else:
                    await run_in_threadpool(_next_or_done, gen)
                error = error or DependencyExitError(f"app-scoped dependency {gen!r} yielded more than once")
            except StopAsyncIteration:
                continue
            except Exception as exc:  # the others still close; the first failure is raised at the end
                error = error or exc
        if error is not None:
            raise error


def _next_or_done(gen: Any) -> None:
    """``next(gen)`` in a worker thread; its end raised as ``StopAsyncIteration``.

    ``StopIteration`` cannot cross a thread-pool future."""
    try:
        next(gen)
    except StopIteration:
        raise StopAsyncIteration from None


_SPECIAL = (
    ("request_param_name", "the Request"),
    ("websocket_param_name", "the WebSocket"),
    ("http_connection_param_name", "the HTTP connection"),
    ("response_param_name", "the Response"),
    ("background_tasks_param_name", "the request's BackgroundTasks"),
    ("security_scopes_param_name", "the route's SecurityScopes"),
)


def _check(top: an.Dependant, dependant: an.Dependant, route: str) -> None:
    """Fail at start-up if ``dependant`` (made for the whole app) would read anything of a request."""

    def error(param: str | None, what: str) -> ConfigurationError:
        call = an.describe_call(dependant.call)
        who = f"parameter '{param}' of {call}" if param else call
        return ConfigurationError(
            f'{route}: {who} asks for {what}, but {an.describe_call(top.call)} is an app-scoped dependency '
            f'(Depends(..., scope="app")), made once for the whole app before any request: give it no '
            "request values, or declare it without scope=\"app\""
        )

    for spec in dependant.own_params + dependant.body_params:
        raise error(spec.name, f"a {spec.source} value")
    for attribute, what in _SPECIAL:
        name = getattr(dependant, attribute)
        if name:
            raise error(name, what)
    for sub in dependant.dependencies:
        if sub.scope not in (None, "app"):
            raise error(sub.name, f'a dependency with scope="{sub.scope}" ({an.describe_call(sub.call)})')
        _check(top, sub, route)
