"""Route compilation: a ``Dependant`` tree becomes one flat, per-request plan.

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

import email.message
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import msgspec
from pydantic import TypeAdapter, ValidationError

from . import _analysis as an
from ._foreign_responses import adopt_response
from ._serialize import build_serializer
from ._validation import (
    Invalid,
    RawBody,
    body_validator,
    default_getter,
    missing_error,
    param_validator,
    pydantic_errors,
)
from .background import BackgroundTasks
from .concurrency import iterate_in_threadpool, run_in_threadpool
from .encoders import ForeignResponse
from .exceptions import DependencyExitError, RequestValidationError
from .responses import JSONResponse, Response, StreamingResponse, raw_response
from .security.base import SecurityScopes

if TYPE_CHECKING:
    from .requests import Request
    from .routing import APIRoute

Getter = Callable[["Request"], Any]

_ASYNC, _SYNC, _ASYNC_GEN, _SYNC_GEN = range(4)


# -- value extraction ---------------------------------------------------------------------------


def _param_getter(spec: an.ParamSpec) -> Getter:
    """One closure per parameter: read the raw value, apply the default, validate."""
    validate = param_validator(spec)
    alias = spec.alias
    loc = (spec.source, alias)
    required = spec.required
    get_default = default_getter(spec)

    validate_default = spec.field.validate_default

    def missing() -> Any:
        if required:
            raise Invalid([missing_error(loc)])
        return validate(get_default()) if validate_default else get_default()

    source = spec.source
    if spec.model is not None:
        return _model_param_getter(spec, missing)
    if source == "path":

        def get_path(request: Request) -> Any:
            return validate(request.path_params[alias])

        return get_path
    if spec.is_sequence:
        if source == "query":

            def get_query_list(request: Request) -> Any:
                values = [v for k, v in request._query_pairs() if k == alias]
                return validate(values) if values else missing()

            return get_query_list

        def get_header_list(request: Request) -> Any:
            values = request._header_list(alias)
            return validate(values) if values else missing()

        return get_header_list
    if source == "query":

        def get_query(request: Request) -> Any:
            raw = request._query_dict().get(alias)
            return missing() if raw is None else validate(raw)

        return get_query
    if source == "header":

        def get_header(request: Request) -> Any:
            raw = request._header(alias)
            return missing() if raw is None else validate(raw)

        return get_header

    def get_cookie(request: Request) -> Any:
        raw = request.cookies.get(alias)
        return missing() if raw is None else validate(raw)

    return get_cookie


def _model_param_getter(spec: an.ParamSpec, missing: Callable[[], Any]) -> Getter:
    """``Annotated[Model, Query()]`` (or Header, Cookie): the model's fields from the request's values.

    As in FastAPI, the model sees every value of its source: its own fields under
    their keys (lists for list fields), and the rest as extras, so that
    ``extra="forbid"`` rejects unknown query parameters, headers or cookies.
    """
    source = spec.source
    fields = [(f.key, f.request_key, f.is_sequence) for f in an.model_param_fields(spec)]
    own = {request_key for _, request_key, _ in fields}
    # a header field read as "save-data" does not also take "save_data" as an extra
    own |= {key.lower() for key, _, _ in fields} if source == "header" else set()
    renamed = {key: request_key for key, request_key, _ in fields if key.lower() != request_key}
    extra_policy = spec.model.model_config.get("extra")
    optional = not spec.required
    validate = TypeAdapter(spec.annotation).validator.validate_python
    pairs: Callable[[Request], Any] = {
        "query": lambda request: request._query_pairs(),
        "header": lambda request: request.headers.multi_items(),
        "cookie": lambda request: request.cookies.items(),
    }[source]

    def get_model(request: Request) -> Any:
        grouped: dict[str, list[str]] = {}
        for key, value in pairs(request):
            grouped.setdefault(key, []).append(value)
        data: dict[str, Any] = {}
        for key, request_key, is_sequence in fields:
            values = grouped.get(request_key)
            if values:
                data[key] = values if is_sequence else values[0]
        present = bool(data)
        for key, values in grouped.items():
            if key not in own:
                data[key] = values[0] if len(values) == 1 else values
        if optional and not (present or (extra_policy in ("allow", "forbid") and data)):
            return missing()
        try:
            return validate(data)
        except ValidationError as exc:
            errors = pydantic_errors(exc, (source,))
            if source == "header":  # report the header's name, as FastAPI does
                for error in errors:
                    loc = error["loc"]
                    if len(loc) > 1 and loc[1] in renamed:
                        loc[1] = renamed[loc[1]]
            raise Invalid(errors) from None

    return get_model


def _received_body(request: Request) -> Any:
    """``RequestValidationError.body``, as FastAPI gives it: the parsed JSON or form, else None."""
    if request._form is not None:
        return request._form
    body = request._body
    if not body:
        return None
    try:
        return msgspec.json.decode(body)
    except msgspec.DecodeError:
        return _raw_text(request)


def _raw_text(request: Request) -> Any:
    body = request._body
    return body.decode("utf-8", "replace") if body else None


def _request(request: Request) -> Any:
    return request


def _sub_response(request: Request) -> Any:
    response = request._sub_response
    if response is None:
        response = request._sub_response = Response()
        response.status_code = None  # type: ignore[assignment]
    return response


def _background_tasks(request: Request) -> Any:
    tasks = request._background
    if tasks is None:
        tasks = request._background = BackgroundTasks()
    return tasks


def _special_getters(node: an.Dependant) -> list[tuple[str, Getter]]:
    out: list[tuple[str, Getter]] = []
    for name in (node.request_param_name, node.websocket_param_name, node.http_connection_param_name):
        if name:
            out.append((name, _request))
    if node.response_param_name:
        out.append((node.response_param_name, _sub_response))
    if node.background_tasks_param_name:
        out.append((node.background_tasks_param_name, _background_tasks))
    if node.security_scopes_param_name:
        scopes = SecurityScopes(node.security_scopes)
        out.append((node.security_scopes_param_name, lambda _request: scopes))
    return out


def _is_json_content_type(value: str | None) -> bool:
    # FastAPI's default (strict_content_type=True): no Content-Type means "not JSON"
    if not value:
        return False
    message = email.message.Message()
    message["content-type"] = value
    if message.get_content_maintype() != "application":
        return False
    subtype = message.get_content_subtype()
    return subtype == "json" or subtype.endswith("+json")


def _body_reader(specs: list[an.ParamSpec], strict_content_type: bool = True) -> Callable[[Request], Any] | None:
    """An async ``read(request) -> dict of body values`` (raises ``Invalid``), or None."""
    if not specs:
        return None
    if any(spec.source in ("form", "file") for spec in specs):
        from ._forms import form_reader

        reader: Callable[[Request], Any] = form_reader(specs)
        return reader
    embed = len(specs) > 1 or bool(getattr(specs[0].field, "embed", False))
    validate = body_validator(specs, embed)
    required = any(spec.required for spec in specs)
    defaults = {spec.name: default_getter(spec) for spec in specs}
    json_types: dict[str | None, bool] = {}

    async def read_body(request: Request) -> dict[str, Any]:
        raw = await request.body()
        if not raw:
            if not embed and required:
                raise Invalid([missing_error(("body",))])
            if embed:
                missing = [missing_error(("body", s.alias)) for s in specs if s.required]
                if missing:
                    raise Invalid(missing)
            return {name: get() for name, get in defaults.items()}
        content_type = request._header("content-type")
        is_json = json_types.get(content_type)
        if is_json is None:
            is_json = _is_json_content_type(content_type) or (not content_type and not strict_content_type)
            if len(json_types) < 64:
                json_types[content_type] = is_json
        if is_json:
            return validate(raw)
        # FastAPI validates the raw bytes when the body is not declared as JSON
        return validate(RawBody(raw))

    return read_body


# -- the plan ----------------------------------------------------------------------------------


class _Node:
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
        call: Callable[..., Any],
        kind: int,
        getters: tuple[tuple[str, Getter], ...],
        children: tuple[tuple[str | None, int], ...],
        body_names: tuple[str, ...],
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


def _kind(call: Any) -> int:
    if an.is_async_gen_callable(call):
        return _ASYNC_GEN
    if an.is_gen_callable(call):
        return _SYNC_GEN
    if an.is_coroutine_callable(call):
        return _ASYNC
    return _SYNC


def _flatten(
    dependant: an.Dependant,
    nodes: list[_Node],
    overrides: Mapping[Any, Any],
    route: str,
) -> int:
    children: list[tuple[str | None, int]] = []
    for sub in dependant.dependencies:
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
            index = _flatten(replaced, nodes, overrides, route)
            # the cache key stays the original's, as in FastAPI
            nodes[index].cache_key = sub.cache_key
        else:
            index = _flatten(sub, nodes, overrides, route)
        children.append((sub.name, index))
    getters = [(spec.name, _param_getter(spec)) for spec in dependant.own_params]
    getters.extend(_special_getters(dependant))
    nodes.append(
        _Node(
            call=dependant.call,
            kind=_kind(dependant.call),
            getters=tuple(getters),
            children=tuple(children),
            body_names=tuple(spec.name for spec in dependant.body_params),
            cache_key=dependant.cache_key,
            use_cache=dependant.use_cache,
            function_scope=dependant.scope == "function",
        )
    )
    return len(nodes) - 1


def _collect(getters: tuple[tuple[str, Getter], ...], request: Request, errors: list[Any]) -> dict[str, Any]:
    """The slow path: run every getter, keeping the values that validated and every error."""
    values: dict[str, Any] = {}
    for name, get in getters:
        try:
            values[name] = get(request)
        except Invalid as exc:
            errors.extend(exc.errors)
    return values


async def _enter_generator(request: Request, node: _Node, kwargs: dict[str, Any]) -> Any:
    if request._cleanup is None:
        request._cleanup = []
    if node.kind == _ASYNC_GEN:
        agen = node.call(**kwargs)
        value = await agen.__anext__()
        request._cleanup.append((True, agen, node.function_scope))
        return value
    gen = await run_in_threadpool(node.call, **kwargs)
    value = await run_in_threadpool(next, gen)
    request._cleanup.append((False, gen, node.function_scope))
    return value


async def close_function_scope(request: Request) -> None:
    """Close the ``scope="function"`` generators now that the handler returned (before the response)."""
    cleanup = request._cleanup or []
    request._cleanup = [entry for entry in cleanup if entry[2]]
    try:
        await close_generators(request, None)
    finally:
        request._cleanup = [entry for entry in cleanup if not entry[2]]


async def close_generators(request: Request, exc: BaseException | None) -> None:
    """Run the code after ``yield`` of every entered generator, last entered first.

    With ``exc`` set, it is thrown in at each ``yield`` (so ``try/except``
    around ``yield`` sees it); whatever a generator raises replaces it for
    the generators entered before it. The final exception, if any, is raised.
    """
    cleanup = request._cleanup
    request._cleanup = None
    if not cleanup:
        if exc is not None:
            raise exc
        return
    current = exc
    for is_async, gen, _ in reversed(cleanup):
        try:
            if is_async:
                if current is None:
                    await gen.__anext__()
                else:
                    await gen.athrow(current)
            elif await run_in_threadpool(_resume_sync, gen, current):
                raise StopIteration
        except (StopAsyncIteration, StopIteration):
            current = None if current is None else _Swallowed(current)
            continue
        except BaseException as raised:
            current = raised
            continue
        current = DependencyExitError(f"dependency {gen!r} yielded more than once")
    if isinstance(current, _Swallowed):
        raise DependencyExitError(
            "no response could be built: the handler raised an exception and a dependency with yield "
            "caught it without re-raising it (a bare except, or except Exception); re-raise it (or raise "
            "an HTTPException) in the except block"
        ) from current.original
    if current is not None:
        raise current


def _resume_sync(gen: Any, exc: BaseException | None) -> bool:
    """Resume a sync generator dependency after its ``yield``; True when it finished.

    PERF/correctness: ``StopIteration`` cannot cross a thread-pool future, so
    it is turned into a return value here, inside the worker thread.
    """
    try:
        if exc is None:
            next(gen)
        else:
            gen.throw(exc)
    except StopIteration:
        return True
    return False


class _Swallowed(Exception):
    def __init__(self, original: BaseException) -> None:
        super().__init__(original)
        self.original = original


def compile_route(route: APIRoute, overrides: Mapping[Any, Any]) -> Callable[[Request], Any]:
    """Build the per-request runner of ``route`` (see the module docstring)."""
    label = route.label
    nodes: list[_Node] = []
    _flatten(route.dependant, nodes, overrides, label)
    read_body = _body_reader(an.flat_body_params(route.dependant), route.strict_content_type)
    to_response = build_responder(route)
    handler = nodes[-1]
    if handler.kind in (_ASYNC_GEN, _SYNC_GEN):
        # a generator endpoint: calling it only creates the generator (no thread
        # needed); the responder streams what it yields
        make_generator = handler.call

        async def start(**kwargs: Any) -> Any:
            return make_generator(**kwargs)

        handler.call, handler.kind = start, _ASYNC
    if len(nodes) == 1 and handler.kind in (_ASYNC, _SYNC):
        return _simple_runner(handler, read_body, to_response)
    return _plan_runner(tuple(nodes), read_body, to_response)


def _simple_runner(
    handler: _Node, read_body: Callable[[Request], Any] | None, to_response: Callable[[Request, Any], Response]
) -> Callable[[Request], Any]:
    """The runner for a route without dependencies: the common, fastest case."""
    getters = handler.getters
    call = handler.call
    is_async = handler.kind == _ASYNC

    async def run(request: Request) -> Response:
        errors: list[Any] | None = None
        if getters:  # PERF: a comprehension is a function call on 3.11; skip it when there is nothing to get
            try:
                kwargs = {name: get(request) for name, get in getters}
            except Invalid:
                errors = []
                kwargs = _collect(getters, request, errors)
        else:
            kwargs = {}
        if read_body is not None:
            try:
                kwargs.update(await read_body(request))
            except Invalid as exc:
                if exc.errors and exc.errors[0]["type"] == "json_invalid":
                    raise RequestValidationError(exc.errors, body=_raw_text(request)) from None
                errors = (errors or []) + exc.errors
        if errors:
            raise RequestValidationError(errors, body=_received_body(request))
        if is_async:
            result = await call(**kwargs)
        else:
            result = await run_in_threadpool(call, **kwargs)
        return to_response(request, result)

    return run


def _plan_runner(
    nodes: tuple[_Node, ...],
    read_body: Callable[[Request], Any] | None,
    to_response: Callable[[Request, Any], Response],
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
                    raise RequestValidationError(exc.errors, body=_raw_text(request)) from None
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
                    kwargs.update(_collect(node.getters, request, errors))
                    bad = True
                if node.body_names:
                    if body_failed:
                        bad = True
                    else:
                        for name in node.body_names:
                            kwargs[name] = body[name]
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
                if kind == _ASYNC:
                    value = await node.call(**kwargs)
                elif kind == _SYNC:
                    value = await run_in_threadpool(node.call, **kwargs)
                else:
                    value = await _enter_generator(request, node, kwargs)
                results[index] = value
                cache.setdefault(key, value)
            if body_failed:
                errors.extend(body_errors)
            if errors:
                raise RequestValidationError(errors, body=_received_body(request))
            handler = nodes[last]
            if handler.kind == _ASYNC:
                result = await handler.call(**kwargs)
            else:
                result = await run_in_threadpool(handler.call, **kwargs)
            if has_function_scope and request._cleanup:
                await close_function_scope(request)
            return to_response(request, result)
        except BaseException as exc:
            if request._cleanup:
                await close_generators(request, exc)
            raise

    return run


# -- responses -------------------------------------------------------------------------------------


def _body_allowed(status_code: int | None) -> bool:
    return status_code is None or not (status_code < 200 or status_code in (204, 205, 304))


def build_responder(route: APIRoute) -> Callable[[Request, Any], Response]:
    """``to_response(request, result)``: the handler's return value → a ``Response``."""
    if route.stream_mode is not None:
        return _stream_responder(route)
    serialize = build_serializer(route.response_model, route.response_model_options())
    response_class: type[Response] = route.response_class
    status_code = route.effective_status_code
    allowed = _body_allowed(status_code)
    fast_json = response_class is JSONResponse
    json_headers = [("content-type", "application/json")]
    # PERF: a response class that only renders (no custom __init__) gets its
    # headers computed once here and is built without __init__ per request.
    template = response_class.__new__(response_class)
    plain_render = response_class.__init__ is Response.__init__
    class_headers = template._initial_headers(None) if plain_render else []
    render = template.render

    def to_response(request: Request, result: Any) -> Response:
        try:
            if isinstance(result, Response):
                response = result
            elif not allowed:
                response = response_class(None, status_code=status_code)
                response.body = b""
            elif fast_json:
                response = raw_response(JSONResponse, status_code, json_headers, serialize(result))
            elif plain_render:
                content = _content_for(result, serialize)
                response = raw_response(response_class, status_code, class_headers, render(content))
            else:
                response = response_class(_content_for(result, serialize), status_code=status_code)
        except ForeignResponse as foreign:  # PERF: a try block costs nothing until something raises
            response = adopt_response(foreign.response)  # a Starlette Response: sent as it is
        if request._sub_response is not None or request._background is not None:
            return finish(request, response)
        return response

    return to_response


def _content_for(result: Any, serialize: Callable[[Any], bytes]) -> Any:
    """Content for a non-default response class: text as is, anything else as JSON-able data."""
    if isinstance(result, str | bytes):
        return result
    return msgspec.json.decode(serialize(result))


def _stream_responder(route: APIRoute) -> Callable[[Request, Any], Response]:
    """The responder of a generator endpoint, as FastAPI streams them.

    ``jsonl``: each item validated against the item type of the return
    annotation (when there is one), encoded as one line of ``application/jsonl``;
    ``sse``: each item a ``ServerSentEvent`` or the JSON ``data`` of one;
    ``raw``: the generator handed to the route's response class.
    """
    from .sse import ServerSentEvent, format_event

    mode = route.stream_mode
    status_code = route.effective_status_code
    response_class = route.response_class
    serialize = build_serializer(route.stream_item_type, route.response_model_options())
    # a sync generator is driven from the thread pool, as FastAPI does
    iterate = (lambda items: items) if an.is_async_gen_callable(route.endpoint) else iterate_in_threadpool

    def json_line(item: Any) -> bytes:
        return serialize(item) + b"\n"

    def event(item: Any) -> bytes:
        if isinstance(item, ServerSentEvent):
            return item.encode()
        return format_event(serialize(item).decode())

    encode_item = json_line if mode == "jsonl" else event

    async def encoded(items: Any) -> Any:
        async for item in iterate(items):
            yield encode_item(item)

    def to_response(request: Request, result: Any) -> Response:
        response: Response
        if isinstance(result, Response):
            response = result
        elif mode == "raw":
            response = response_class(content=result, status_code=status_code)
        elif mode == "sse":
            response = response_class(encoded(result), status_code=status_code)
        else:
            response = StreamingResponse(encoded(result), status_code=status_code, media_type="application/jsonl")
        return finish(request, response)

    return to_response


def finish(request: Request, response: Response) -> Response:
    """Apply what the handler set on its ``Response`` parameter and its ``BackgroundTasks``."""
    sub = request._sub_response
    if sub is not None:
        if sub.status_code is not None:
            response.status_code = sub.status_code
        if sub.raw_headers:
            response.raw_headers = [*response.raw_headers, *sub.raw_headers]
    if request._background is not None and response.background is None:
        response.background = request._background
    return response
