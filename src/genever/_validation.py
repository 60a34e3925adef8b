"""Validators for parameters and bodies, built once per route.

Every parameter gets one pydantic-core validator compiled from its type and
constraints; FastAPI validates with pydantic too, so the error records
(``type``, ``msg``, ``ctx``) are the ones FastAPI clients already parse. Bodies
are validated straight from the JSON bytes (``validate_json``) for pydantic
types and with a reusable ``msgspec`` decoder for ``msgspec.Struct`` types.

Errors are data until something fails: a validator either returns the value
or raises ``_Invalid`` carrying FastAPI-format records, which are only built
on that path.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Annotated, Any

import msgspec
from pydantic import AliasChoices, Field, TypeAdapter, ValidationError, create_model

from ._analysis import ParamSpec
from ._serialize import involves_struct
from .exceptions import BODY_ERROR_DETAIL, HTTPException
from .params import Unset


class Invalid(Exception):
    """Raised by a validator: ``errors`` are FastAPI-format error dicts."""

    __slots__ = ("errors",)

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors


def pydantic_errors(exc: ValidationError, prefix: tuple[Any, ...]) -> list[dict[str, Any]]:
    """pydantic's error records with ``prefix`` before each ``loc``, in FastAPI's shape."""
    out = []
    for err in exc.errors(include_url=False):
        record: dict[str, Any] = {
            "type": err["type"],
            "loc": [*prefix, *err["loc"]],
            "msg": err["msg"],
            "input": err.get("input"),
        }
        if "ctx" in err:
            record["ctx"] = err["ctx"]
        out.append(record)
    return out


def missing_error(loc: tuple[Any, ...]) -> dict[str, Any]:
    return {"type": "missing", "loc": list(loc), "msg": "Field required", "input": None}


_IMMUTABLE = (type(None), bool, int, float, str, bytes, tuple, frozenset)


def default_getter(spec: ParamSpec) -> Callable[[], Any]:
    """A zero-argument callable giving the parameter's default (copied when mutable)."""
    factory = spec.field.default_factory
    if factory is not None:
        return factory
    default = spec.default
    if isinstance(default, _IMMUTABLE) or default is None:
        return lambda: default
    return lambda: copy.deepcopy(default)


def _field_type(spec: ParamSpec) -> Any:
    constraints = spec.field.constraints()
    if not constraints:
        return spec.annotation
    return Annotated[spec.annotation, Field(**constraints)]


def param_validator(spec: ParamSpec) -> Callable[[Any], Any]:
    """Validate one raw value (a str, or a list of str for sequences) → the typed value.

    Raises ``Invalid`` with FastAPI's ``loc`` (``[source, alias, ...]``).
    """
    field_type = _field_type(spec)
    loc = (spec.source, spec.alias)
    if field_type is str:
        # PERF: a plain ``str`` parameter is already what the request holds.
        return _identity
    validate = TypeAdapter(field_type).validator.validate_python

    def validate_param(raw: Any) -> Any:
        try:
            return validate(raw)
        except ValidationError as exc:
            raise Invalid(pydantic_errors(exc, loc)) from None

    return validate_param


def _identity(raw: Any) -> Any:
    return raw


# -- bodies ----------------------------------------------------------------------------------


def _json_error(body: bytes) -> dict[str, Any]:
    """FastAPI's ``json_invalid`` record, with the stdlib decoder's position and message."""
    try:
        json.loads(body)
    except json.JSONDecodeError as exc:
        return {
            "type": "json_invalid",
            "loc": ["body", exc.pos],
            "msg": "JSON decode error",
            "input": {},
            "ctx": {"error": exc.msg},
        }
    except UnicodeDecodeError as exc:
        return {
            "type": "json_invalid",
            "loc": ["body", exc.start],
            "msg": "JSON decode error",
            "input": {},
            "ctx": {"error": str(exc.reason)},
        }
    return {"type": "json_invalid", "loc": ["body", 0], "msg": "JSON decode error", "input": {}, "ctx": {}}


def parse_json_as_fastapi(body: bytes) -> Any:
    """Parse JSON bytes as FastAPI does (``json.loads``: it detects UTF-16/32 and a BOM, takes
    lone surrogates, nests as deep as the recursion limit allows). Malformed JSON raises
    ``Invalid`` with FastAPI's ``json_invalid`` record; bytes that cannot be decoded (invalid
    UTF-8, an integer past 4300 digits, nesting past the recursion limit) are FastAPI's 400.

    Only the error path calls it: the happy path parses with pydantic or msgspec."""
    try:
        return json.loads(body)
    except json.JSONDecodeError:
        raise Invalid([_json_error(body)]) from None
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise HTTPException(400, BODY_ERROR_DETAIL) from None


def check_json(body: bytes) -> Any:
    """Parse JSON bytes, or raise ``Invalid`` with FastAPI's ``json_invalid`` record (or its 400)."""
    try:
        return msgspec.json.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError, RecursionError):
        return parse_json_as_fastapi(body)


_MSGSPEC_LOC = re.compile(r" - at `\$(.*)`$")
_MSGSPEC_MISSING = re.compile(r"^Object missing required field `([^`]*)`")
_MSGSPEC_CONSTRAINT = re.compile(r"^Expected `(\w+)`( of length)? ([<>]=?) ([0-9.eE+-]+)")
_MSGSPEC_TYPE = re.compile(r"^Expected `([^`]+)`, got `([^`]+)`")
_OPS = {">": ("greater_than", "gt"), ">=": ("greater_than_equal", "ge"),
        "<": ("less_than", "lt"), "<=": ("less_than_equal", "le")}  # fmt: skip
_TYPE_NAMES = {"int": "int_type", "float": "float_type", "str": "string_type", "bool": "bool_type",
               "array": "list_type", "object": "model_type"}  # fmt: skip


def _msgspec_loc(path: str) -> list[Any]:
    loc: list[Any] = []
    for key, index in re.findall(r"\.([^.\[]+)|\[(\d+)\]", path):
        loc.append(int(index) if index else key)
    return loc


def msgspec_error(exc: msgspec.ValidationError, prefix: tuple[Any, ...]) -> dict[str, Any]:
    """Translate a msgspec validation message to the closest FastAPI/pydantic record."""
    message = str(exc)
    loc: list[Any] = [*prefix]
    at = _MSGSPEC_LOC.search(message)
    if at:
        loc.extend(_msgspec_loc(at.group(1)))
        message = message[: at.start()]
    if m := _MSGSPEC_MISSING.match(message):
        return missing_error((*loc, m.group(1)))
    if m := _MSGSPEC_CONSTRAINT.match(message):
        kind, length, op, limit = m.groups()
        if length:
            is_min = op.startswith(">")
            what = "string" if kind == "str" else "list"
            err_type = f"{what}_too_{'short' if is_min else 'long'}"
            return {"type": err_type, "loc": loc, "msg": message, "input": None,
                    "ctx": {"min_length" if is_min else "max_length": int(float(limit))}}  # fmt: skip
        err_type, key = _OPS[op]
        number = float(limit)
        return {"type": err_type, "loc": loc, "msg": message, "input": None,
                "ctx": {key: int(number) if number.is_integer() and kind == "int" else number}}  # fmt: skip
    if m := _MSGSPEC_TYPE.match(message):
        return {"type": _TYPE_NAMES.get(m.group(1), "value_error"), "loc": loc, "msg": message, "input": None}
    return {"type": "value_error", "loc": loc, "msg": message, "input": None}


def _with_input(error: dict[str, Any], raw: Any) -> dict[str, Any]:
    """Fill ``input`` as pydantic does (msgspec's message has none): the value at the error's
    location, or, for a missing field, the object that lacks it. Only on the error path."""
    try:
        value: Any = json.loads(raw) if type(raw) is bytes else _python_input(raw)
    except (ValueError, RecursionError):
        return error
    path = error["loc"][1:-1] if error["type"] == "missing" else error["loc"][1:]
    for key in path:
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            return error
    error["input"] = value
    return error


class RawBody:
    """Body bytes that must be validated as a Python value, not parsed as JSON
    (FastAPI does that when the Content-Type is not JSON)."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


def _python_input(raw: Any) -> Any:
    return raw.data if type(raw) is RawBody else raw


def _revalidate(validator: Any, raw: Any, exc: ValidationError) -> Any:
    """The value, or FastAPI's error, for a body that failed validation: only on that path.

    The happy path validates JSON bytes directly; FastAPI parses JSON first (``json.loads``)
    and validates the Python value (``from_attributes=True``). So on failure the body is
    taken again FastAPI's way: what FastAPI accepts (a BOM, UTF-16, lone surrogates, nesting
    deeper than pydantic's JSON parser allows) is accepted, what it cannot decode is its
    400, and the error records are worded as FastAPI words them.
    """
    if type(raw) is not bytes:
        raise Invalid(pydantic_errors(exc, ("body",)))  # already the Python-mode errors
    data = parse_json_as_fastapi(raw)
    try:
        return validator.validate_python(data, from_attributes=True)
    except ValidationError as python_exc:
        raise Invalid(pydantic_errors(python_exc, ("body",))) from None
    except RecursionError:
        raise HTTPException(400, BODY_ERROR_DETAIL) from None


def body_validator(specs: list[ParamSpec], embed: bool) -> Callable[[Any], dict[str, Any]]:
    """Validate the parsed request body for the route's body parameters.

    Takes the raw bytes (JSON) or already-parsed data (forms) and returns the
    body parameter values by name.
    """
    if not embed:
        (spec,) = specs
        annotation = _field_type(spec)
        name = spec.name
        if involves_struct(spec.annotation):
            decode = msgspec.json.Decoder(spec.annotation).decode
            convert = msgspec.convert

            def validate_struct(raw: Any) -> dict[str, Any]:
                try:
                    if type(raw) is bytes:
                        return {name: decode(raw)}
                    return {name: convert(_python_input(raw), spec.annotation)}
                except msgspec.ValidationError as exc:
                    if type(raw) is not bytes or "out of range" not in str(exc):
                        raise Invalid([_with_input(msgspec_error(exc, ("body",)), raw)]) from None
                    data = parse_json_as_fastapi(raw)  # a number past 4300 digits is FastAPI's 400
                except (msgspec.DecodeError, ValueError, RecursionError):
                    # not JSON msgspec can read: FastAPI's parse decides (json_invalid, or its 400)
                    data = parse_json_as_fastapi(raw)
                try:
                    return {name: convert(data, spec.annotation)}
                except msgspec.ValidationError as exc:
                    raise Invalid([_with_input(msgspec_error(exc, ("body",)), data)]) from None
                except RecursionError:
                    raise HTTPException(400, BODY_ERROR_DETAIL) from None

            return validate_struct
        validator = TypeAdapter(annotation).validator

        def validate_single(raw: Any) -> dict[str, Any]:
            try:
                if type(raw) is bytes:
                    return {name: validator.validate_json(raw)}
                return {name: validator.validate_python(_python_input(raw), from_attributes=True)}
            except ValidationError as exc:
                return {name: _revalidate(validator, raw, exc)}

        return validate_single

    fields: dict[str, Any] = {}
    for spec in specs:
        default: Any = ... if spec.required else spec.default
        check = spec.field.validate_default or None
        # AliasChoices("a", "b"): pydantic reads the first key present and names it in errors
        keys: dict[str, Any] = (
            {"validation_alias": AliasChoices(*(choice for choice, _ in spec.choices))} if spec.choices
            else {"alias": spec.alias}
        )  # fmt: skip
        info = Field(default, validate_default=check, **keys) if spec.field.default_factory is None else (
            Field(default_factory=spec.field.default_factory, validate_default=check, **keys)
        )
        fields[spec.name] = (_field_type(spec), info)
    model = create_model("Body", **fields)
    validator = TypeAdapter(model).validator
    names = [spec.name for spec in specs]
    aliases = [spec.alias for spec in specs]

    def validate_embedded(raw: Any) -> dict[str, Any]:
        try:
            if type(raw) is bytes:
                obj = validator.validate_json(raw)
            else:
                obj = validator.validate_python(_python_input(raw), from_attributes=True)
        except ValidationError as exc:
            try:
                obj = _revalidate(validator, raw, exc)
            except Invalid as invalid:
                errors = invalid.errors
            else:
                return {n: getattr(obj, n) for n in names}
            if len(errors) == 1 and errors[0]["loc"] == ["body"] and errors[0]["type"] != "json_invalid":
                # not an object at all: FastAPI reports each embedded field as missing
                raise Invalid([missing_error(("body", alias)) for alias in aliases]) from None
            for error in errors:
                if error["type"] == "missing" and len(error["loc"]) == 2:
                    error["input"] = None  # FastAPI validates embedded fields one by one
            raise Invalid(errors) from None
        return {n: getattr(obj, n) for n in names}

    return validate_embedded




__all__ = ["Invalid", "Unset", "body_validator", "check_json", "param_validator", "pydantic_errors"]
