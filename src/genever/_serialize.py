"""Response-body serializers, chosen once per route.

``build_serializer(response_model, options)`` returns ``serialize(value) ->
bytes``. Without a response model (or with a bare ``dict``/``list``/``Any``
one) the value goes straight to msgspec. With a pydantic-compatible model the
value is validated against it (filtering out undeclared fields, as FastAPI
does) and dumped by pydantic-core; an instance of exactly the model class
skips the validation. ``msgspec.Struct`` models are encoded by msgspec.
"""

from __future__ import annotations

import dataclasses
import re
import sys
import typing
from collections.abc import Callable
from typing import Any

import msgspec
from pydantic import BaseModel, TypeAdapter, ValidationError

from .encoders import encode_json
from .exceptions import ResponseValidationError

_PASSTHROUGH = (Any, dict, list, str, int, float, bool, type(None), None, object, bytes)


def _dump_models(value: Any, options: dict[str, Any]) -> Any:
    """FastAPI's ``_prepare_response_content``: models become dicts before re-validation."""
    if isinstance(value, BaseModel):
        return value.model_dump(
            by_alias=True,
            exclude_unset=options.get("exclude_unset", False),
            exclude_defaults=options.get("exclude_defaults", False),
            exclude_none=options.get("exclude_none", False),
        )
    if isinstance(value, list | tuple | set | frozenset):
        return [_dump_models(v, options) for v in value]
    if isinstance(value, dict):
        return {k: _dump_models(v, options) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return value


def involves_struct(tp: Any) -> bool:
    """True when ``tp`` is, or contains, a type that msgspec handles and pydantic cannot:
    a ``msgspec.Struct``, or (before Python 3.12) a ``typing.TypedDict``."""
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return True
    if typing.is_typeddict(tp) and sys.version_info < (3, 12) and type(tp).__module__ == "typing":
        return True
    return any(involves_struct(arg) for arg in typing.get_args(tp) if arg is not Ellipsis)


def build_serializer(response_model: Any, options: dict[str, Any]) -> Callable[[Any], bytes]:
    if response_model in _PASSTHROUGH or (typing.get_origin(response_model) is None and response_model in (
        dict,
        list,
    )):
        return encode_json
    if involves_struct(response_model):
        # msgspec types are typed at construction; they are encoded as they are
        # (a value of another type is converted to the model first).
        model: Any = response_model
        exact_struct = model if isinstance(model, type) else None

        def serialize_struct(value: Any) -> bytes:
            if exact_struct is not None and type(value) is not exact_struct:
                value = msgspec.convert(value, exact_struct, from_attributes=True)
            return encode_json(value)

        return serialize_struct

    adapter: TypeAdapter[Any] = TypeAdapter(response_model)
    validator = adapter.validator
    dump_options = {
        "by_alias": options.get("by_alias", True),
        "exclude_unset": options.get("exclude_unset", False),
        "exclude_defaults": options.get("exclude_defaults", False),
        "exclude_none": options.get("exclude_none", False),
        "include": options.get("include"),
        "exclude": options.get("exclude"),
    }
    dump_json = adapter.serializer.to_json
    exact = response_model if isinstance(response_model, type) else None
    simple_dump = not (dump_options["exclude_unset"] or dump_options["exclude_defaults"])

    # FastAPI dumps models to dicts before re-validating them so that exclude_unset and
    # exclude_defaults see what the handler set; only those options need that (slow) step.
    dump_first = not simple_dump

    def serialize(value: Any) -> bytes:
        if exact is not None and type(value) is exact and simple_dump:
            return dump_json(value, **dump_options)
        content = _dump_models(value, options) if dump_first and not isinstance(value, exact or ()) else value
        try:
            validated = validator.validate_python(content, from_attributes=True)
        except ValidationError as exc:
            errors = [
                {"type": e["type"], "loc": ["response", *e["loc"]], "msg": e["msg"], "input": e.get("input")}
                for e in exc.errors(include_url=False)
            ]
            raise ResponseValidationError(errors, body=value) from None
        return dump_json(validated, **dump_options)

    return serialize


_SURROGATE = re.compile("[\ud800-\udfff]")


def without_surrogates(value: Any) -> Any:
    """``value`` with lone surrogates in its strings replaced by U+FFFD, for the error path of
    a response that could not be encoded: JSON may carry ``"\\ud800"`` (FastAPI's ``json.loads``
    takes it, so genever does), UTF-8 cannot. Dicts, lists, tuples and pydantic models are walked."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {without_surrogates(k): without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(without_surrogates(v) for v in value) if type(value) in (list, tuple) else value
    if isinstance(value, BaseModel):
        fields = {name: without_surrogates(getattr(value, name)) for name in type(value).model_fields}
        return type(value).model_construct(_fields_set=value.model_fields_set, **fields)
    return value
