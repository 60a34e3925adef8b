"""genever's exception tree.

Two families that never mix:

* ``GeneverError`` and its subclasses are *configuration* errors: a route or an
  app that is declared wrongly. They are raised at startup, while the app is
  being built, and their message names the route, the parameter and the fix.
* ``HTTPException``, ``RequestValidationError`` and friends are *request*
  errors: raised while serving, turned into an HTTP answer by the exception
  handlers (``HTTPException`` → its status, ``RequestValidationError`` → 422 in
  FastAPI's format).
"""

from __future__ import annotations

import http
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict


class GeneverError(RuntimeError):
    """Base class of every configuration error raised by genever (``FastAPIError`` in FastAPI)."""


FastAPIError = GeneverError  # so that ``except FastAPIError`` in a moved app keeps working


class GeneverDeprecationWarning(UserWarning):
    """A deprecated use (a ``UserWarning``, so it is shown, as FastAPI's ``FastAPIDeprecationWarning``)."""


FastAPIDeprecationWarning = GeneverDeprecationWarning


class DependencyExitError(GeneverError):
    """A ``yield`` dependency swallowed the handler's exception, so there is no response to send."""


class ConfigurationError(GeneverError, AssertionError):
    """A route, parameter or app is declared in a way genever cannot serve.

    Also an ``AssertionError``: FastAPI reports the same mistakes (a list as a
    path parameter, a model as a query parameter...) with ``assert``, so code
    and tests that expect ``AssertionError`` from a mis-declared app still catch
    genever's error, which names the route, the parameter and the fix.
    """


class InvalidSettingError(ConfigurationError, ValueError):
    """A setting has a value it cannot take (a negative ``max_body_size``, an unknown form limit);
    also a ``ValueError``, which FastAPI raises for the same settings."""


class FrozenAppError(GeneverError):
    """Middleware was added after the app started serving (its chains are built once, at start)."""


# FastAPI's answer (400) for a body it cannot read or decode: an invalid encoding, a number
# past Python's 4300-digit limit, nesting past the recursion limit, a broken transfer
BODY_ERROR_DETAIL = "There was an error parsing the body"


class HTTPException(Exception):
    """Answer the current request with ``status_code`` and ``{"detail": detail}``.

    Raise it anywhere in a handler or dependency, as in FastAPI.
    """

    def __init__(
        self,
        status_code: int,
        detail: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if detail is None:
            detail = http.HTTPStatus(status_code).phrase
        super().__init__(status_code, detail)
        self.status_code = status_code
        self.detail = detail
        self.headers = dict(headers) if headers is not None else None

    def __str__(self) -> str:
        return f"{self.status_code}: {self.detail}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code!r}, detail={self.detail!r})"


class WebSocketException(Exception):
    """Close the current WebSocket with ``code`` and ``reason``."""

    def __init__(self, code: int, reason: str | None = None) -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason or ""


class EndpointContext(TypedDict, total=False):
    """Where a validation error happened (``ValidationException.endpoint_ctx``), as FastAPI's."""

    function: str
    path: str
    file: str
    line: int


class ValidationException(Exception):
    """Base of the validation errors: carries FastAPI-format error records, and where they happened
    (``endpoint_ctx``: the endpoint's function, file and line, and ``"METHOD /path"``), which
    ``str(exc)`` shows as FastAPI's does."""

    def __init__(self, errors: Sequence[Any], *, endpoint_ctx: Mapping[str, Any] | None = None) -> None:
        # ``loc`` is a tuple, as in pydantic and FastAPI (custom handlers print or compare it)
        errors = [{**err, "loc": tuple(err["loc"])} if isinstance(err.get("loc"), list) else err for err in errors]
        super().__init__(errors)
        self._errors = errors
        self._set_context(endpoint_ctx)
        self._located = False

    def _set_context(self, endpoint_ctx: Mapping[str, Any] | None) -> None:
        self.endpoint_ctx = dict(endpoint_ctx) if endpoint_ctx is not None else None
        ctx = endpoint_ctx or {}
        self.endpoint_function: str | None = ctx.get("function")
        self.endpoint_path: str | None = ctx.get("path")
        self.endpoint_file: str | None = ctx.get("file")
        self.endpoint_line: int | None = ctx.get("line")

    def _locate(self, method: str, root_path: str) -> None:
        """Complete the route's path template with the request's method and mount prefix (once)."""
        if self._located or not self.endpoint_path or not self.endpoint_path.startswith("/"):
            return
        self._located = True
        path = f"{method} {root_path.rstrip('/')}{self.endpoint_path}"
        self._set_context({**(self.endpoint_ctx or {}), "path": path})

    def errors(self) -> Sequence[Any]:
        return self._errors

    def _format_endpoint_context(self) -> str:
        if not (self.endpoint_file and self.endpoint_line and self.endpoint_function):
            return f"\n  Endpoint: {self.endpoint_path}" if self.endpoint_path else ""
        context = f'\n  File "{self.endpoint_file}", line {self.endpoint_line}, in {self.endpoint_function}'
        if self.endpoint_path:
            context += f"\n    {self.endpoint_path}"
        return context

    def __str__(self) -> str:
        count = len(self._errors)
        message = f"{count} validation error{'s' if count != 1 else ''}:\n"
        message += "".join(f"  {err}\n" for err in self._errors)
        return (message + self._format_endpoint_context()).rstrip()


class RequestValidationError(ValidationException):
    """The request did not match the route's declared parameters (answered with 422)."""

    def __init__(
        self, errors: Sequence[Any], *, body: Any = None, endpoint_ctx: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(errors, endpoint_ctx=endpoint_ctx)
        self.body = body


class ResponseValidationError(ValidationException):
    """The handler returned a value that does not match its ``response_model`` (a server bug: 500)."""

    def __init__(
        self, errors: Sequence[Any], *, body: Any = None, endpoint_ctx: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(errors, endpoint_ctx=endpoint_ctx)
        self.body = body


class WebSocketRequestValidationError(ValidationException):
    """A WebSocket route's parameters did not validate (the socket is closed with 1008)."""
