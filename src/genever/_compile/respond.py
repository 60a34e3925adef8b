"""Responding: the handler's return value becomes a ``Response`` (serialized by the route's
encoder, or streamed for a generator endpoint), with what it set on its ``Response`` parameter
and its ``BackgroundTasks``."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

from .._foreign_responses import adopt_response
from .._returns import returned_shape
from .._serialize import build_serializer, without_surrogates
from .._utils import body_allowed, is_async_gen_callable
from ..concurrency import iterate_in_threadpool
from ..encoders import ForeignResponse
from ..responses import JSONResponse, Response, StreamingResponse, raw_response
from ..sse import ServerSentEvent, format_event

if TYPE_CHECKING:
    from ..requests import Request
    from ..routing import APIRoute


def endpoint_context(route: Any) -> dict[str, Any]:
    """Where the route's validation errors happen (``endpoint_ctx``, as FastAPI's): the endpoint's
    function, file and line, and its path (the server adds the method and mount prefix on failure)."""
    context: dict[str, Any] = {"path": route.path}
    endpoint = route.endpoint
    code = getattr(inspect.unwrap(endpoint), "__code__", None)  # (what inspect.getsourcelines reads, cheaply)
    if code is not None:
        context["file"] = code.co_filename
        context["line"] = code.co_firstlineno
    name = getattr(endpoint, "__name__", None)
    if name is not None:
        context["function"] = name
    return context


def build_responder(route: APIRoute) -> Callable[[Request, Any], Response]:
    """``to_response(request, result)``: the handler's return value (anything but a ``Response``,
    which the runner sends as it is, see ``returned``) → a ``Response``."""
    if route.stream_mode is not None:
        return _stream_responder(route)
    serialize = build_serializer(
        route.response_model,
        route.response_model_options(),
        iso8601_durations=route.json_durations == "iso8601",
        returns=lambda: returned_shape(route.endpoint, route.dependency_overrides),
        endpoint_ctx=endpoint_context(route),
    )
    response_class: type[Response] = route.response_class
    status_code = route.effective_status_code
    allowed = body_allowed(status_code)
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
            if not allowed:
                response = response_class(None, status_code=status_code)
                response.body = b""
            elif fast_json:
                try:
                    body = serialize(result)
                except ValueError as exc:  # UnicodeEncodeError, or pydantic's serialization error wrapping it
                    if "surrogates not allowed" not in str(exc):
                        raise
                    body = serialize(without_surrogates(result))  # a client's lone surrogate, echoed
                response = raw_response(JSONResponse, status_code, json_headers, body)
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
    if type(result) is str or isinstance(result, str | bytes):  # PERF: isinstance over a union is slow
        return result
    return msgspec.json.decode(serialize(result))


def _stream_responder(route: APIRoute) -> Callable[[Request, Any], Response]:
    """The responder of a generator endpoint, as FastAPI streams them.

    ``jsonl``: each item validated against the item type of the return
    annotation (when there is one), encoded as one line of ``application/jsonl``;
    ``sse``: each item a ``ServerSentEvent`` or the JSON ``data`` of one;
    ``raw``: the generator handed to the route's response class.
    """
    mode = route.stream_mode
    status_code = route.effective_status_code
    response_class = route.response_class
    serialize = build_serializer(
        route.stream_item_type, route.response_model_options(), iso8601_durations=route.json_durations == "iso8601"
    )
    # a sync generator is driven from the thread pool, as FastAPI does
    iterate = (lambda items: items) if is_async_gen_callable(route.endpoint) else iterate_in_threadpool

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
        if mode == "raw":
            response = response_class(content=result, status_code=status_code)
        elif mode == "sse":
            response = response_class(encoded(result), status_code=status_code)
        else:
            response = StreamingResponse(encoded(result), status_code=status_code, media_type="application/jsonl")
        return finish(request, response)

    return to_response


def returned(request: Request, response: Response) -> Response:
    """A ``Response`` the handler returned: as it is, with what it set on its ``Response`` parameter
    and its ``BackgroundTasks`` (only runners whose plan declares either call this)."""
    if request._sub_response is not None or request._background is not None:
        return finish(request, response)
    return response


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
