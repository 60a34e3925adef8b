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
from typing import Any


class GeneverError(RuntimeError):
    """Base class of every configuration error raised by genever (``FastAPIError`` in FastAPI)."""


FastAPIError = GeneverError  # so that ``except FastAPIError`` in a moved app keeps working


class GeneverDeprecationWarning(UserWarning):
    """A deprecated use (a ``UserWarning``, so it is shown, as FastAPI's ``FastAPIDeprecationWarning``)."""


FastAPIDeprecationWarning = GeneverDeprecationWarning


class DependencyExitError(GeneverError):
    """A ``yield`` dependency swallowed the handler's exception, so there is no response to send."""


class ConfigurationError(GeneverError):
    """A route, parameter or app is declared in a way genever cannot serve."""


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


class ValidationException(Exception):
    """Base of the validation errors: carries FastAPI-format error records."""

    def __init__(self, errors: Sequence[Any]) -> None:
        # ``loc`` is a tuple, as in pydantic and FastAPI (custom handlers print or compare it)
        errors = [{**err, "loc": tuple(err["loc"])} if isinstance(err.get("loc"), list) else err for err in errors]
        super().__init__(errors)
        self._errors = errors

    def errors(self) -> Sequence[Any]:
        return self._errors


class RequestValidationError(ValidationException):
    """The request did not match the route's declared parameters (answered with 422)."""

    def __init__(self, errors: Sequence[Any], *, body: Any = None) -> None:
        super().__init__(errors)
        self.body = body

    def __str__(self) -> str:
        lines = [f"{len(self._errors)} validation error(s):"]
        lines.extend(f"  {err}" for err in self._errors)
        return "\n".join(lines)


class ResponseValidationError(ValidationException):
    """The handler returned a value that does not match its ``response_model`` (a server bug: 500)."""

    def __init__(self, errors: Sequence[Any], *, body: Any = None) -> None:
        super().__init__(errors)
        self.body = body

    def __str__(self) -> str:
        lines = [f"{len(self._errors)} validation error(s) in the response:"]
        lines.extend(f"  {err}" for err in self._errors)
        return "\n".join(lines)


class WebSocketRequestValidationError(ValidationException):
    """A WebSocket route's parameters did not validate (the socket is closed with 1008)."""
