"""The request body of a route: JSON (validated in one step by msgspec or pydantic), or a form
(``forms``), and the body a ``RequestValidationError`` carries."""

from __future__ import annotations

import email.message
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from .. import _analysis as an
from .._validation import (
    Invalid,
    RawBody,
    body_validator,
    default_getter,
    missing_error,
)
from ..exceptions import BODY_ERROR_DETAIL, HTTPException
from ..requests import ClientDisconnect
from .forms import form_reader

if TYPE_CHECKING:
    from ..requests import Request


def received_body(request: Request) -> Any:
    """``RequestValidationError.body``, as FastAPI gives it: the parsed JSON or form, else None."""
    if request._form is not None:
        return request._form
    body = getattr(request, "_body", None)  # unset in a Request built by user code
    if not body:
        return None
    try:
        return msgspec.json.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError, RecursionError):
        return raw_text(request)  # not JSON msgspec takes (bad UTF-8, huge integers, deep nesting)


def raw_text(request: Request) -> Any:
    body = getattr(request, "_body", None)  # unset in a Request built by user code
    return body.decode("utf-8", "replace") if body else None


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


def body_reader(
    specs: list[an.ParamSpec], strict_content_type: bool = True, form_limits: Mapping[str, int] | None = None
) -> Callable[[Request], Any] | None:
    """An async ``read(request) -> dict of body values`` (raises ``Invalid``), or None."""
    if not specs:
        return None
    if any(spec.source in ("form", "file") for spec in specs):
        reader: Callable[[Request], Any] = form_reader(specs, form_limits)
        return reader
    embed = len(specs) > 1 or bool(getattr(specs[0].field, "embed", False))
    validate = body_validator(specs, embed)
    required = any(spec.required for spec in specs)
    defaults = {spec.name: default_getter(spec) for spec in specs}
    json_types: dict[str | None, bool] = {}

    async def read_body(request: Request) -> dict[str, Any]:
        try:
            raw = await request.body()
        except ClientDisconnect:  # as FastAPI: a body that never arrived whole is its 400
            raise HTTPException(400, BODY_ERROR_DETAIL) from None
        if not raw:
            if not embed and required:
                raise Invalid([missing_error(("body",))])
            if embed:
                missing = [missing_error(("body", s.alias)) for s in specs if s.required]
                if missing:
                    raise Invalid(missing)
            return {name: get() for name, get in defaults.items()}
        content_type = request.header("content-type")
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
