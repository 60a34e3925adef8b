"""OpenTelemetry tracing: one server span per request, named ``METHOD /template``.

Opt-in, with ``pip install 'genever[otel]'`` and one line::

    from genever import tracing

    tracing.instrument(app)                      # the global tracer provider, or tracer_provider=...

Each request gets a ``SERVER`` span with the HTTP semantic-convention
attributes (``http.request.method``, ``http.route``,
``http.response.status_code``, ``url.path``, ``url.query``, ``url.scheme``,
``server.address``, ``server.port``, ``client.address``,
``user_agent.original``), whose parent is the incoming W3C ``traceparent``
(through the global propagator, so ``baggage`` and custom propagators work
too). The span is current while the handler runs: an instrumented HTTP client
then sends ``traceparent`` onwards, and ``inject(headers)`` does it by hand.
``response_header="traceresponse"`` also returns the span's context to the
client. An unhandled exception is recorded on the span (``exception`` event,
``error.type``, status ERROR); so is a 5xx answer.

Child spans for dependencies, or any function, when asked: decorate it with
``@traced`` (sync, async, and ``yield`` dependencies alike; the span covers
the code up to the ``yield``).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, MutableMapping
from typing import Any, Generic, TypeVar

from ._observe import UNMATCHED, Instrument, Runner
from ._observe import add as add_instrument
from .exceptions import ConfigurationError
from .requests import Request
from .responses import Response

try:
    from opentelemetry import context as otel_context
    from opentelemetry import propagate, trace
    from opentelemetry.propagators.textmap import Getter
    from opentelemetry.trace import SpanKind, Status, StatusCode
except ImportError:  # pragma: no cover - the extra is not installed
    trace = None  # type: ignore[assignment]
    Getter = Generic  # type: ignore[assignment,misc]

F = TypeVar("F", bound=Callable[..., Any])

_KNOWN_METHODS = frozenset(("CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY", "TRACE"))


def _require() -> None:
    if trace is None:
        raise ConfigurationError("genever.tracing needs OpenTelemetry: pip install 'genever[otel]'")


class _HeaderGetter(Getter[Request]):
    """The propagator's view of a request's headers (lowercase names, one value each)."""

    def get(self, carrier: Request, key: str) -> list[str] | None:
        value = carrier.header(key.lower())
        return None if value is None else [value]

    def keys(self, carrier: Request) -> list[str]:
        return list(carrier.headers.keys())


_GETTER = _HeaderGetter()


class Tracing(Instrument):
    """Server spans for every request; made by ``instrument(app)``."""

    order = 20  # inside the request context (records carry the id), around metrics

    def __init__(self, tracer_provider: Any, response_header: str | None) -> None:
        self.tracer = trace.get_tracer("genever", tracer_provider=tracer_provider)
        self.response_header = response_header.lower() if response_header else None

    def wrap_app(self, app: Any, inner: Runner) -> Runner:
        tracer = self.tracer
        response_header = self.response_header
        extract = propagate.extract
        set_span_in_context = trace.set_span_in_context
        attach = otel_context.attach
        detach = otel_context.detach
        getter = _GETTER
        server_kind = SpanKind.SERVER
        names: dict[tuple[str, str], str] = {}  # (method, template) -> span name, built once each

        # PERF: decided here: the headers the propagator reads; a request with none of them skips extract()
        fields = tuple(sorted(propagate.get_global_textmap().fields))
        header = request_header

        async def traced(request: Request) -> Response:
            parent = None
            for field in fields:
                if header(request, field) is not None:
                    parent = extract(request, getter=getter)
                    break
            method = request.method
            span = tracer.start_span(method, parent, server_kind, _request_attributes(request, method))
            token = attach(set_span_in_context(span, parent))
            response: Response | None = None
            try:
                response = await inner(request)
                if response_header is not None and span.is_recording():
                    response.raw_headers = [*response.raw_headers, (response_header, _traceresponse(span))]
                return response
            except BaseException as exc:
                _record_error(span, exc)
                raise
            finally:
                detach(token)
                try:
                    route = request._route
                except AttributeError:
                    route = UNMATCHED
                if route != UNMATCHED:
                    name = names.get((method, route))
                    if name is None:
                        name = names[(method, route)] = f"{method} {route}"
                    span.update_name(name)
                if response is not None:
                    status = response.status_code
                    span.set_attributes(
                        {"http.route": route, "http.response.status_code": status}
                        if route != UNMATCHED
                        else {"http.response.status_code": status}
                    )
                    unhandled = getattr(response, "exc", None)  # the 500 of an unhandled exception
                    if unhandled is not None:
                        _record_error(span, unhandled)
                    elif status >= 500:
                        span.set_attribute("error.type", str(status))
                        span.set_status(Status(StatusCode.ERROR))
                span.end()

        return traced


def request_header(request: Request, name: str) -> str | None:
    return request.header(name)


def _request_attributes(request: Request, method: str) -> dict[str, Any]:
    attributes: dict[str, Any] = {"url.path": request.path, "url.scheme": request.scheme}
    if method in _KNOWN_METHODS:
        attributes["http.request.method"] = method
    else:
        attributes["http.request.method"] = "_OTHER"
        attributes["http.request.method_original"] = method
    if request.query_string:
        attributes["url.query"] = request.query_string
    host = request.header("host")
    if host:
        name, _, port = host.rpartition(":") if not host.endswith("]") else (host, "", "")
        if name and port.isdigit():
            attributes["server.address"] = name.strip("[]")
            attributes["server.port"] = int(port)
        else:
            attributes["server.address"] = host.strip("[]")
    client = request.client
    if client is not None:
        attributes["client.address"] = client.host
    agent = request.header("user-agent")
    if agent:
        attributes["user_agent.original"] = agent
    return attributes


def _record_error(span: Any, exc: BaseException) -> None:
    span.record_exception(exc)
    span.set_attribute("error.type", type(exc).__qualname__)
    span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))


def _traceresponse(span: Any) -> str:
    ctx = span.get_span_context()
    return f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{ctx.trace_flags:02x}"


def instrument(app: Any, *, tracer_provider: Any = None, response_header: str | None = None) -> Tracing:
    """Trace every request of ``app`` with OpenTelemetry (``tracer_provider``: default the global one).

    ``response_header`` (e.g. ``"traceresponse"``): also send the server span's
    context back to the client in that header, in ``traceparent`` format.
    """
    global _provider
    _require()
    tracing = Tracing(tracer_provider, response_header)
    add_instrument(app, tracing)
    _provider = tracer_provider
    return tracing


_provider: Any = None  # the tracer provider given to the last instrument() call: @traced spans go there too


def _child_tracer() -> Any:
    return trace.get_tracer(__name__, tracer_provider=_provider)


def inject(headers: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """Add the current span's ``traceparent`` (and the propagator's other headers) to ``headers``
    of an outgoing request; returns ``headers``."""
    _require()
    propagate.inject(headers)
    return headers


def traced(func: F | None = None, *, name: str | None = None) -> Any:
    """Run ``func`` (a dependency, or any function) in a child span of the current span.

    ``@traced`` or ``@traced(name="load user")``; the span is named after the
    function by default. The signature is kept, so ``Depends(func)`` sees the
    same parameters.
    """
    if func is None:
        return functools.partial(traced, name=name)
    _require()
    span_name = name or getattr(func, "__qualname__", repr(func))
    wrapper: Any
    if inspect.isasyncgenfunction(func):

        async def agen_wrapper(*args: Any, **kwargs: Any) -> Any:
            with _child_tracer().start_as_current_span(span_name):
                agen = func(*args, **kwargs)
                value = await agen.__anext__()
            try:
                yield value
            except BaseException as exc:
                try:
                    await agen.athrow(exc)
                except StopAsyncIteration:
                    return
                raise
            else:
                try:
                    await agen.__anext__()
                except StopAsyncIteration:
                    return

        wrapper = agen_wrapper
    elif inspect.isgeneratorfunction(func):

        def gen_wrapper(*args: Any, **kwargs: Any) -> Any:
            with _child_tracer().start_as_current_span(span_name):
                gen = func(*args, **kwargs)
                value = next(gen)
            try:
                yield value
            except BaseException as exc:
                try:
                    gen.throw(exc)
                except StopIteration:
                    return
                raise
            else:
                try:
                    next(gen)
                except StopIteration:
                    return

        wrapper = gen_wrapper
    elif inspect.iscoroutinefunction(func):

        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            with _child_tracer().start_as_current_span(span_name):
                return await func(*args, **kwargs)

        wrapper = async_wrapper
    else:

        def sync_wrapper(*args: Any, **kwargs: Any) -> Any:
            with _child_tracer().start_as_current_span(span_name):
                return func(*args, **kwargs)

        wrapper = sync_wrapper
    return functools.wraps(func)(wrapper)


__all__ = ["Tracing", "inject", "instrument", "traced"]
