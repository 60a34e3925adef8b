"""Running the plan: a ``Dependant`` tree flattened into ``Node``s, and the per-request runner
that walks them.

Everything here runs when the app is built. The output of ``compile_route``
is a single ``async def run(request) -> Response`` closure over precomputed
tuples: which values to extract (each with its own validator), which
callables to call in which order, which results to cache, which generators
to close, and how to encode the result. The request path walks those tuples;
it never inspects a signature or dispatches on a parameter's kind.

Dependency semantics follow FastAPI's ``solve_dependencies``: sub-dependencies
run depth-first in declaration order; a dependency runs only if its own
subtree validated; a dependant's own path/query/header/cookie values are
validated after its sub-dependencies; every error is collected and the
handler is not called if there is any; the code after ``yield`` runs after
the response is sent, in reverse order, with the handler's exception thrown
in at the ``yield``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .. import _analysis as an
from .._app_scope import MISSING, AppScope
from .._validation import (
    Invalid,
)
from ..concurrency import run_in_threadpool
from ..exceptions import ConfigurationError, RequestValidationError
from ..responses import Response
from .body import body_reader, raw_text, received_body
from .direct import direct_runner
from .exits import close_function_scope, close_generators, enter_generator
from .limit import limited
from .nodes import APP, ASYNC, ASYNC_GEN, SYNC, SYNC_GEN, Node, kind_of
from .params import collect, param_getter, reads_response_params, special_getters
from .respond import build_responder, endpoint_context, returned

if TYPE_CHECKING:
    from ..requests import Request
    from ..routing import APIRoute, APIWebSocketRoute


def _flatten(
    dependant: an.Dependant,
    nodes: list[Node],
    overrides: Mapping[Any, Any],
    route: str,
    app_scope: AppScope | None = None,
    bodies: _Bodies | None = None,
) -> int:
    children: list[tuple[str | None, int]] = []
    for sub in dependant.dependencies:
        if sub.scope == "app":  # one value for the app: the plan reads its slot (see _app_scope)
            children.append((sub.name, _app_node(sub, nodes, overrides, route, app_scope)))
            continue
        replacement = overrides.get(sub.call)
        if replacement is not None:
            replaced = an.get_dependant(
                path=dependant.path,
                call=replacement,
                route=route,
                name=sub.name,
                security_scopes=sub.security_scopes,
                use_cache=sub.use_cache,
            )
            replaced.is_security = sub.is_security
            replaced.scope = sub.scope
            replaced.concurrency = sub.concurrency
            index = _flatten(replaced, nodes, overrides, route, app_scope, bodies)
            # the cache key stays the original's, as in FastAPI
            nodes[index].cache_key = sub.cache_key
        else:
            index = _flatten(sub, nodes, overrides, route, app_scope, bodies)
        children.append((sub.name, index))
    getters = [(spec.name, param_getter(spec)) for spec in dependant.own_params]
    getters.extend(special_getters(dependant))
    call, kind = dependant.call, kind_of(dependant.call)
    if dependant.concurrency is not None:
        call, kind = limited(call, kind, dependant.concurrency)
    nodes.append(
        Node(
            call=call,
            kind=kind,
            getters=tuple(getters),
            children=tuple(children),
            body_names=tuple(
                (spec.name, bodies.key(spec) if bodies is not None else spec.name) for spec in dependant.body_params
            ),
            cache_key=dependant.cache_key,
            use_cache=dependant.use_cache,
            function_scope=dependant.scope == "function",
        )
    )
    return len(nodes) - 1


class _Bodies:
    """The body values a plan reads, each once, under the key its nodes find it by.

    A parameter that several calls declare alike (the same name, alias and type) is read once;
    two that share a name but differ (``data: First`` in a dependency, ``data: Second`` in the
    handler) are read apart, the later under a key of its own. Overrides' body parameters are
    read too (they are only known once the overrides are applied).
    """

    def __init__(self) -> None:
        self.specs: list[an.ParamSpec] = []
        self._keys: dict[tuple[str, str, str, str], str] = {}
        self._names: set[str] = set()

    def key(self, spec: an.ParamSpec) -> str:
        identity = (spec.name, spec.alias, spec.source, repr(spec.annotation))
        key = self._keys.get(identity)
        if key is None:
            key = spec.name
            if key in self._names:
                key = f"{spec.name}__{len(self.specs)}"
                spec = dataclasses.replace(spec, name=key)
            self._keys[identity] = key
            self._names.add(key)
            self.specs.append(spec)
        return key


def _app_node(
    sub: an.Dependant, nodes: list[Node], overrides: Mapping[Any, Any], route: str, app_scope: AppScope | None
) -> int:
    if app_scope is None:
        raise ConfigurationError(f'{route}: Depends(..., scope="app") needs the route to be served by an app')
    replacement = overrides.get(sub.call)
    if replacement is not None:
        replaced = an.get_dependant(path=sub.path, call=replacement, route=route, name=sub.name)
        replaced.scope = "app"
        sub = replaced
    slot = app_scope.slot(sub, overrides, route)
    nodes.append(Node(slot, APP, (), (), (), slot.key, False))
    return len(nodes) - 1


def compile_route(route: APIRoute, overrides: Mapping[Any, Any]) -> Callable[[Request], Any]:
    """Build the per-request runner of ``route`` (see the module docstring)."""
    label = route.label
    an.check_path_params(route.dependant, route.path, label)
    nodes: list[Node] = []
    bodies = _Bodies()
    _flatten(route.dependant, nodes, overrides, label, getattr(route, "_app_scope", None), bodies)
    app_body_size, app_form_limits = route.app_limits
    form_limits: dict[str, int] = {**app_form_limits, **route.form_limits}  # type: ignore[dict-item]
    read_body = body_reader(bodies.specs, route.strict_content_type, form_limits)
    to_response = build_responder(route)
    runner = _compile(route, nodes, read_body, to_response)
    limit = route.max_body_size
    if limit is None or limit == app_body_size:
        return runner
    return _with_body_limit(runner, limit)


def _with_body_limit(runner: Callable[[Request], Any], limit: int) -> Callable[[Request], Any]:
    """A route whose ``max_body_size`` is not the app's: the request reads it (only such routes pay this)."""

    async def run(request: Request) -> Response:
        request._max_body = limit
        response: Response = await runner(request)
        return response

    return run


def _compile(
    route: APIRoute,
    nodes: list[Node],
    read_body: Callable[[Request], Any] | None,
    to_response: Callable[[Request, Any], Response],
) -> Callable[[Request], Any]:
    handler = nodes[-1]
    if handler.kind in (ASYNC_GEN, SYNC_GEN):
        # a generator endpoint: calling it only creates the generator (no thread
        # needed); the responder streams what it yields
        make_generator = handler.call

        async def start(**kwargs: Any) -> Any:
            return make_generator(**kwargs)

        handler.call, handler.kind = start, ASYNC
    context = endpoint_context(route)
    # a Response the handler returns is sent as it is, unless the plan declares a Response or
    # BackgroundTasks parameter (whose headers, status or tasks it then takes)
    finishes = any(reads_response_params(node.getters) for node in nodes)
    if handler.kind in (ASYNC, SYNC) and all(node.kind == APP for node in nodes[:-1]):
        # no dependencies, or only app-scoped ones (one slot read each)
        slots = tuple((name, nodes[index].call) for name, index in handler.children)
        simple = _simple_runner(handler, read_body, to_response, context, finishes, slots)
        if read_body is None and handler.kind == ASYNC:
            # written out; invalid input (rare) goes to the simple runner, which collects every error
            return direct_runner(handler.call, handler.getters, slots, to_response, finishes, route.label, simple)
        return simple
    return _plan_runner(tuple(nodes), read_body, to_response, context, finishes)


def compile_websocket_route(
    route: APIWebSocketRoute, overrides: Mapping[Any, Any], app_scope: AppScope | None = None
) -> Callable[[Any], Any]:
    """Build the per-connection runner of a WebSocket route: its plan, with nothing to respond."""
    an.check_path_params(route.dependant, route.path, route.label)
    nodes: list[Node] = []
    _flatten(route.dependant, nodes, overrides, route.label, app_scope)
    return _plan_runner(tuple(nodes), None, _no_response, endpoint_context(route), finishes=False)


def _no_response(request: Any, result: Any) -> Any:
    return None


def _simple_runner(
    handler: Node,
    read_body: Callable[[Request], Any] | None,
    to_response: Callable[[Request, Any], Response],
    context: dict[str, Any],
    finishes: bool,
    slots: tuple[tuple[str | None, Any], ...] = (),
) -> Callable[[Request], Any]:
    """The runner for a route without dependencies (the common, fastest case), or with only app-scoped ones."""
    getters = handler.getters
    call = handler.call
    is_async = handler.kind == ASYNC

    async def run(request: Request) -> Response:
        errors: list[Any] | None = None
        if getters:  # PERF: a comprehension is a function call on 3.11; skip it when there is nothing to get
            try:
                kwargs = {name: get(request) for name, get in getters}
            except Invalid:
                errors = []
                kwargs = collect(getters, request, errors)
        else:
            kwargs = {}
        if slots:
            for name, slot in slots:
                value = slot.value
                if value is MISSING:  # not made at start-up (no lifespan, or an override set since)
                    value = await slot.get()
                if name is not None:
                    kwargs[name] = value
        if read_body is not None:
            try:
                kwargs.update(await read_body(request))
            except Invalid as exc:
                if exc.errors and exc.errors[0]["type"] == "json_invalid":
                    raise RequestValidationError(exc.errors, body=raw_text(request), endpoint_ctx=context) from None
                errors = (errors or []) + exc.errors
        if errors:
            raise RequestValidationError(errors, body=received_body(request), endpoint_ctx=context)
        if is_async:
            result = await call(**kwargs)
        else:
            result = await run_in_threadpool(call, **kwargs)
        if isinstance(result, Response):  # PERF: no responder call for a ready response
            return returned(request, result) if finishes else result
        return to_response(request, result)

    return run


def _plan_runner(
    nodes: tuple[Node, ...],
    read_body: Callable[[Request], Any] | None,
    to_response: Callable[[Request, Any], Response],
    context: dict[str, Any],
    finishes: bool = True,
) -> Callable[[Request], Any]:
    """The runner for a route with dependencies: a straight walk over the flat plan."""
    count = len(nodes)
    last = count - 1
    has_function_scope = any(node.function_scope for node in nodes)

    async def run(request: Request) -> Response:
        body: dict[str, Any] = {}
        body_errors: list[Any] = []
        body_failed = False
        errors: list[Any] = []
        if read_body is not None:
            try:
                body = await read_body(request)
            except Invalid as exc:
                if exc.errors and exc.errors[0]["type"] == "json_invalid":
                    raise RequestValidationError(exc.errors, body=raw_text(request), endpoint_ctx=context) from None
                body_errors = exc.errors
                body_failed = True
        results: list[Any] = [None] * count
        failed = [False] * count
        cache: dict[Any, Any] = {}
        try:
            for index in range(count):
                node = nodes[index]
                bad = False
                kwargs: dict[str, Any] = {}
                for name, child in node.children:
                    if failed[child]:
                        bad = True
                    elif name is not None:
                        kwargs[name] = results[child]
                try:
                    for name, get in node.getters:
                        kwargs[name] = get(request)
                except Invalid:
                    kwargs.update(collect(node.getters, request, errors))
                    bad = True
                if node.body_names:
                    if body_failed:
                        bad = True
                    else:
                        for name, key in node.body_names:
                            kwargs[name] = body[key]
                if bad:
                    failed[index] = True
                    continue
                if index == last:
                    break
                key = node.cache_key
                if node.use_cache and key in cache:
                    results[index] = cache[key]
                    continue
                kind = node.kind
                if kind == ASYNC:
                    value = await node.call(**kwargs)
                elif kind == SYNC:
                    value = await run_in_threadpool(node.call, **kwargs)
                elif kind == APP:
                    value = node.call.value
                    if value is MISSING:
                        value = await node.call.get()
                else:
                    value = await enter_generator(request, node, kwargs)
                results[index] = value
                cache.setdefault(key, value)
            if body_failed:
                errors.extend(body_errors)
            if errors:
                raise RequestValidationError(errors, body=received_body(request), endpoint_ctx=context)
            handler = nodes[last]
            if handler.kind == ASYNC:
                result = await handler.call(**kwargs)
            else:
                result = await run_in_threadpool(handler.call, **kwargs)
            if has_function_scope and request._cleanup:
                await close_function_scope(request)
            if isinstance(result, Response):
                return returned(request, result) if finishes else result
            return to_response(request, result)
        except BaseException as exc:
            if request._cleanup:
                await close_generators(request, exc, has_function_scope)
            raise

    return run
