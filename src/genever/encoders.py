"""JSON encoding: one msgspec encoder for every response body, and FastAPI's
``jsonable_encoder``.

msgspec encodes dicts, lists, dataclasses, Structs, datetimes, UUIDs, enums
and Decimals natively (in C, in one pass). What it cannot encode reaches
``_enc_hook``, which answers as pydantic's JSON mode does (models, URLs,
secrets, IP addresses, paths, patterns).

FastAPI answers a handler's value in one of two ways, and genever follows it
(``_serialize.py`` picks one per route at start-up): through pydantic's JSON
mode when the route has a response model (declared or from its return
annotation), through ``jsonable_encoder`` when it has none. The two disagree
on some values: a ``timedelta`` is ``"PT1M"`` in the first and ``60.0`` in
the second, a UTC ``datetime`` ends in ``Z`` or ``+00:00``, a ``Decimal`` is a
string or a number. ``jsonable_encoder`` here gives FastAPI's answer for each
value; ``jsonable_for_response`` is its fast form for a handler's return value.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import ipaddress
import re
import uuid
from collections import deque
from collections.abc import Callable
from pathlib import PurePath
from types import GeneratorType
from typing import Any

import msgspec
from pydantic import AnyUrl, BaseModel, NameEmail, SecretBytes, SecretStr
from pydantic_core import PydanticUndefinedType, Url

_SECRET = "**********"
_STRINGLIKE: tuple[type, ...] = (
    ipaddress.IPv4Address,
    ipaddress.IPv4Interface,
    ipaddress.IPv4Network,
    ipaddress.IPv6Address,
    ipaddress.IPv6Interface,
    ipaddress.IPv6Network,
    PurePath,
    AnyUrl,
    Url,
    NameEmail,
)


class ForeignResponse(TypeError):
    """A Starlette ``Response`` met where JSON content was expected: the route sends it as it is."""

    def __init__(self, response: Any) -> None:
        super().__init__(f"{type(response).__name__} is a response, not JSON content")
        self.response = response


def _is_starlette_response(obj: Any) -> bool:
    return callable(obj) and any(c.__module__ == "starlette.responses" for c in type(obj).__mro__)


def _enc_hook(obj: Any) -> Any:
    if isinstance(obj, BaseModel):
        return obj.__pydantic_serializer__.to_python(obj, mode="json", by_alias=True)
    if isinstance(obj, str):  # subclasses of the JSON scalars (msgspec takes the exact types only)
        return str(obj)
    if isinstance(obj, bool | int):
        return int(obj)
    if isinstance(obj, float):
        return float(obj)
    if isinstance(obj, _STRINGLIKE):
        return str(obj)
    if isinstance(obj, SecretStr | SecretBytes):
        return _SECRET
    if isinstance(obj, re.Pattern):
        return obj.pattern
    if isinstance(obj, Exception):
        return {}
    if _is_starlette_response(obj):
        raise ForeignResponse(obj)
    if hasattr(obj, "__iter__"):
        try:
            return dict(obj)
        except (TypeError, ValueError):
            return list(obj)
    if hasattr(obj, "__dict__"):
        return {k: v for k, v in vars(obj).items() if not k.startswith("_")}
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


_encoder = msgspec.json.Encoder(enc_hook=_enc_hook, decimal_format="number")

encode_json: Callable[[Any], bytes] = _encoder.encode
"""Encode any supported value to compact JSON bytes."""


def _decimal(value: decimal.Decimal) -> int | float:
    """FastAPI's ``decimal_encoder``: an int when there is no fractional exponent."""
    exponent = value.as_tuple().exponent
    return int(value) if isinstance(exponent, int) and exponent >= 0 else float(value)


def _isoformat(value: datetime.date | datetime.time) -> str:
    return value.isoformat()


def _seconds(value: datetime.timedelta) -> float:
    return value.total_seconds()


def _unchanged(value: Any) -> Any:
    return value


def _decode(value: bytes) -> str:
    return value.decode()


# What FastAPI's jsonable_encoder does with each type it knows by name (looked up by exact
# type first, then by isinstance in this order).
_BY_TYPE: dict[type, Callable[[Any], Any]] = {
    bytes: _decode,
    datetime.date: _isoformat,
    datetime.datetime: _isoformat,
    datetime.time: _isoformat,
    datetime.timedelta: _seconds,
    decimal.Decimal: _decimal,
    frozenset: list,
    deque: list,
    GeneratorType: list,
    set: list,
    re.Pattern: lambda value: value.pattern,
    SecretBytes: str,
    SecretStr: str,
    uuid.UUID: str,
    **dict.fromkeys(_STRINGLIKE, str),
}
_BY_CLASS: tuple[tuple[type, Callable[[Any], Any]], ...] = tuple(_BY_TYPE.items())


def _by_class(
    obj: Any,
    table: dict[type, Callable[[Any], Any]] = _BY_TYPE,
    classes: tuple[tuple[type, Callable[[Any], Any]], ...] = _BY_CLASS,
) -> Callable[[Any], Any] | None:
    encoder = table.get(type(obj))
    if encoder is not None:
        return encoder
    for cls, encoder in classes:
        if isinstance(obj, cls):
            return encoder
    return None


def _fields_of(obj: Any) -> Any:
    """An object no rule knows: its mapping (``dict(obj)``) or its attributes (``vars(obj)``)."""
    try:
        return dict(obj)
    except Exception as first:
        try:
            return vars(obj)
        except Exception as second:
            raise ValueError([first, second]) from second


def jsonable_encoder(
    obj: Any,
    include: Any = None,
    exclude: Any = None,
    by_alias: bool = True,
    exclude_unset: bool = False,
    exclude_defaults: bool = False,
    exclude_none: bool = False,
    custom_encoder: dict[Any, Callable[[Any], Any]] | None = None,
    sqlalchemy_safe: bool = True,
) -> Any:
    """Turn ``obj`` into JSON-compatible Python data (dicts, lists, str, numbers, None), as FastAPI's
    ``jsonable_encoder`` does: models in pydantic's JSON mode, datetimes by ``isoformat()``, a
    ``timedelta`` as its seconds, a ``Decimal`` as an int or a float, sets as lists, bytes as text."""
    if custom_encoder:
        if type(obj) in custom_encoder:
            return custom_encoder[type(obj)](obj)
        for tp, encoder in custom_encoder.items():
            if isinstance(obj, tp):
                return encoder(obj)
    if include is not None and not isinstance(include, set | dict):
        include = set(include)
    if exclude is not None and not isinstance(exclude, set | dict):
        exclude = set(exclude)
    nested: dict[str, Any] = {
        "by_alias": by_alias,
        "exclude_unset": exclude_unset,
        "exclude_defaults": exclude_defaults,
        "exclude_none": exclude_none,
        "custom_encoder": custom_encoder,
        "sqlalchemy_safe": sqlalchemy_safe,
    }
    if isinstance(obj, BaseModel):
        data = obj.model_dump(
            mode="json",
            include=include,
            exclude=exclude,
            by_alias=by_alias,
            exclude_unset=exclude_unset,
            exclude_none=exclude_none,
            exclude_defaults=exclude_defaults,
        )
        return jsonable_encoder(
            data, exclude_none=exclude_none, exclude_defaults=exclude_defaults, sqlalchemy_safe=sqlalchemy_safe
        )
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return jsonable_encoder(dataclasses.asdict(obj), include=include, exclude=exclude, **nested)
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, PurePath):
        return str(obj)
    if isinstance(obj, str | int | float) or obj is None:
        return obj
    if isinstance(obj, PydanticUndefinedType):
        return None
    if isinstance(obj, dict):
        allowed = set(obj)
        if include is not None:
            allowed &= set(include)
        if exclude is not None:
            allowed -= set(exclude)
        # plain loops, not comprehensions: one stack frame per level of nesting (as FastAPI's), so
        # a deeply nested value (an error's ``input``) encodes as deep as FastAPI's does
        encoded: dict[Any, Any] = {}
        for key, value in obj.items():
            if (
                key in allowed
                and (value is not None or not exclude_none)
                and not (sqlalchemy_safe and isinstance(key, str) and key.startswith("_sa"))
            ):
                encoded[jsonable_encoder(key, **nested)] = jsonable_encoder(value, **nested)
        return encoded
    if isinstance(obj, list | set | frozenset | GeneratorType | tuple | deque):
        items: list[Any] = []
        for item in obj:
            items.append(jsonable_encoder(item, include=include, exclude=exclude, **nested))
        return items
    known = _by_class(obj)
    if known is not None:
        return known(obj)
    if isinstance(obj, msgspec.Struct):  # not FastAPI's: genever's own models keep msgspec's encoding
        return msgspec.to_builtins(obj, enc_hook=_enc_hook)
    return jsonable_encoder(_fields_of(obj), include=include, exclude=exclude, **nested)


_SCALARS = frozenset({str, int, float, bool, type(None)})


def jsonable_for_response(*, iso8601_durations: bool = False) -> Callable[[Any], Any]:
    """``jsonable_encoder(value)`` with its default options, for a handler's return value: the
    common types are dispatched by exact type, the rest as ``jsonable_encoder`` does.
    ``iso8601_durations`` (``Genever(json_durations="iso8601")``) leaves a ``timedelta`` for
    msgspec to write in ISO 8601, as pydantic does, instead of FastAPI's seconds."""
    table = dict(_BY_TYPE)
    if iso8601_durations:
        table[datetime.timedelta] = _unchanged
    classes = tuple(table.items())

    def walk(obj: Any) -> Any:
        tp = type(obj)
        if tp in _SCALARS:
            return obj
        if tp is dict:
            return {
                walk(key): walk(value)
                for key, value in obj.items()
                if not (type(key) is str and key.startswith("_sa"))
            }
        if tp is list or tp is tuple:
            return [walk(item) for item in obj]
        encoder = table.get(tp)
        if encoder is not None:
            return encoder(obj)
        if isinstance(obj, BaseModel):
            return walk(obj.model_dump(mode="json", by_alias=True))
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            return walk(dataclasses.asdict(obj))
        if isinstance(obj, enum.Enum | PurePath | str | int | float | PydanticUndefinedType):
            return jsonable_encoder(obj)
        if isinstance(obj, dict | list | set | frozenset | GeneratorType | tuple | deque):
            return walk(dict(obj) if isinstance(obj, dict) else list(obj))
        encoder = _by_class(obj, table, classes)
        if encoder is not None:
            return encoder(obj)
        if isinstance(obj, msgspec.Struct):
            return msgspec.to_builtins(obj, enc_hook=_enc_hook)
        if _is_starlette_response(obj):  # the route sends it as it is (genever._foreign_responses)
            raise ForeignResponse(obj)
        return walk(_fields_of(obj))

    return walk

