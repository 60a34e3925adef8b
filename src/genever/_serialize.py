"""Response-body serializers, chosen once per route.

``build_serializer(response_model, options)`` returns ``serialize(value) ->
bytes`` that writes what FastAPI writes for the same value:

- no response model (no return annotation, ``-> None``, ``response_model=None``):
  FastAPI's ``jsonable_encoder`` (a ``timedelta`` in seconds, datetimes by
  ``isoformat()``, bytes as text), then msgspec;
- a pydantic-compatible model, or a bare ``dict``/``list``/``Any``/scalar
  annotation: validated against it (filtering out undeclared fields, as FastAPI
  does) and dumped by pydantic-core in JSON mode; an instance of exactly the
  model class skips the validation;
- ``msgspec.Struct`` models: encoded by msgspec.

PERF: the value a ``/json``-style handler returns, a flat dict (or list) of
strings, numbers, booleans and None, is written the same way by all of them,
so it goes straight to msgspec after a check that runs in C (one ``map`` of
``type`` over the values); only other values take the slower, exact paths.
"""

from __future__ import annotations

import dataclasses
import operator
import re
import sys
import typing
from collections.abc import Callable
from typing import Any

import msgspec
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import PydanticSerializationError

from .encoders import encode_json, jsonable_for_response
from .exceptions import ResponseValidationError

_SCALARS = frozenset({str, int, float, bool, type(None)})
_KEYS = frozenset({str, int})
_STR = frozenset({str})
_sqlalchemy_key = operator.methodcaller("startswith", "_sa")
# bare annotations whose values are often flat JSON data (checked for the fast path)
_BARE = (Any, object, dict, list, str, int, float, bool)


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


def _flat(value: Any) -> bool:
    """A dict with str/int keys or a list, holding JSON scalars only (str, int, float, bool, None)."""
    tp = type(value)
    if tp is dict:
        return _SCALARS.issuperset(map(type, value.values())) and _KEYS.issuperset(map(type, value))
    return tp is list and _SCALARS.issuperset(map(type, value))


def _jsonable_serializer(iso8601_durations: bool) -> Callable[[Any], bytes]:
    """FastAPI's answer for a route without a response model: ``jsonable_encoder(value)``."""
    walk = jsonable_for_response(iso8601_durations=iso8601_durations)

    def serialize_jsonable(value: Any) -> bytes:
        tp = type(value)
        # PERF: what jsonable_encoder returns unchanged goes straight to msgspec
        if tp is dict:
            if (
                _SCALARS.issuperset(map(type, value.values()))
                and _STR.issuperset(map(type, value))
                and not any(map(_sqlalchemy_key, value))
            ):
                return encode_json(value)
        elif tp in _SCALARS or (tp is list and _SCALARS.issuperset(map(type, value))):
            return encode_json(value)
        return encode_json(walk(value))

    return serialize_jsonable


def build_serializer(
    response_model: Any,
    options: dict[str, Any],
    *,
    iso8601_durations: bool = False,
    returns: Callable[[], str | None] | None = None,
    endpoint_ctx: dict[str, Any] | None = None,
) -> Callable[[Any], bytes]:
    """``returns()``: "dict" or "list" when the handler's source proves it returns plain JSON data of
    that shape (``_returns.returned_shape``; asked only where it matters): then no check is needed."""
    if response_model is None or response_model is type(None):
        if returns is not None and returns() is not None:
            return encode_json
        return _jsonable_serializer(iso8601_durations)
    bare = response_model in _BARE and typing.get_origin(response_model) is None
    plain_options = not any(options.get(k) for k in ("include", "exclude", "exclude_none", "exclude_unset",
                                                     "exclude_defaults"))  # fmt: skip
    if bare and plain_options and returns is not None:
        shape = returns()
        if shape is not None and (response_model in (Any, object) or response_model is {"dict": dict,
                                                                                         "list": list}[shape]):
            return encode_json  # PERF: proved at start-up, nothing to check per request
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

    def dump(validated: Any) -> bytes:
        try:
            return dump_json(validated, **dump_options)
        except PydanticSerializationError:  # a type pydantic cannot write (a Struct under Any...): msgspec
            return encode_json(validated)

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
            raise ResponseValidationError(errors, body=value, endpoint_ctx=endpoint_ctx) from None
        return dump(validated)

    plain_dump = simple_dump and not any(dump_options[key] for key in ("include", "exclude", "exclude_none"))
    if bare and plain_dump:
        return _with_fast_path(response_model, serialize)
    return serialize


def _with_fast_path(bare: Any, serialize: Callable[[Any], bytes]) -> Callable[[Any], bytes]:
    """``serialize`` for a bare annotation (``-> dict``, ``-> Any``, ``-> str``...), skipped for the
    values pydantic would accept unchanged and write as msgspec does."""
    if bare is dict:

        def serialize_dict(value: Any) -> bytes:
            # PERF: the /json handler's case, checked in C
            if (
                type(value) is dict
                and _SCALARS.issuperset(map(type, value.values()))
                and _KEYS.issuperset(map(type, value))
            ):
                return encode_json(value)
            return serialize(value)

        return serialize_dict
    if bare is list:

        def serialize_list(value: Any) -> bytes:
            if type(value) is list and _SCALARS.issuperset(map(type, value)):
                return encode_json(value)
            return serialize(value)

        return serialize_list
    if bare is Any or bare is object:

        def serialize_any(value: Any) -> bytes:
            if type(value) in _SCALARS or _flat(value):
                return encode_json(value)
            return serialize(value)

        return serialize_any

    def serialize_scalar(value: Any) -> bytes:
        if type(value) is bare:
            return encode_json(value)
        return serialize(value)

    return serialize_scalar


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
