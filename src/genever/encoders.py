"""JSON encoding: one msgspec encoder for every response body, and FastAPI's
``jsonable_encoder``.

msgspec encodes dicts, lists, dataclasses, Structs, datetimes, UUIDs, enums
and Decimals natively (in C, in one pass). pydantic models reach it through
``_enc_hook``, which asks pydantic-core for their JSON-mode Python form.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import uuid
from collections.abc import Callable
from pathlib import PurePath
from typing import Any

import msgspec
from pydantic import BaseModel


class ForeignResponse(TypeError):
    """A Starlette ``Response`` met where JSON content was expected: the route sends it as it is."""

    def __init__(self, response: Any) -> None:
        super().__init__(f"{type(response).__name__} is a response, not JSON content")
        self.response = response


def _enc_hook(obj: Any) -> Any:
    if isinstance(obj, BaseModel):
        return obj.__pydantic_serializer__.to_python(obj, mode="json", by_alias=True)
    if isinstance(obj, PurePath):
        return str(obj)
    if isinstance(obj, Exception):
        return {}
    if callable(obj) and any(c.__module__ == "starlette.responses" for c in type(obj).__mro__):
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


def _plain(obj: Any, *, exclude_none: bool) -> Any:
    if isinstance(obj, dict):
        return {
            str(_plain(k, exclude_none=exclude_none)): _plain(v, exclude_none=exclude_none)
            for k, v in obj.items()
            if not (exclude_none and v is None)
        }
    if isinstance(obj, list | tuple | set | frozenset):
        return [_plain(v, exclude_none=exclude_none) for v in obj]
    if isinstance(obj, str | int | float) or obj is None:
        return obj
    if isinstance(obj, enum.Enum):
        return _plain(obj.value, exclude_none=exclude_none)
    if isinstance(obj, datetime.date | datetime.time):
        return obj.isoformat()
    if isinstance(obj, datetime.timedelta):
        return obj.total_seconds()
    if isinstance(obj, decimal.Decimal):
        return int(obj) if obj.as_tuple().exponent >= 0 else float(obj)  # type: ignore[operator]
    if isinstance(obj, uuid.UUID | PurePath):
        return str(obj)
    if isinstance(obj, bytes):
        return obj.decode()
    return None


def jsonable_encoder(
    obj: Any,
    *,
    include: set[str] | None = None,
    exclude: set[str] | None = None,
    by_alias: bool = True,
    exclude_unset: bool = False,
    exclude_defaults: bool = False,
    exclude_none: bool = False,
    custom_encoder: dict[Any, Callable[[Any], Any]] | None = None,
) -> Any:
    """Turn ``obj`` into JSON-compatible Python data (dicts, lists, str, numbers, None), like FastAPI's."""
    if custom_encoder:
        for tp, encoder in custom_encoder.items():
            if isinstance(obj, tp):
                return encoder(obj)
    if isinstance(obj, BaseModel):
        data = obj.model_dump(
            mode="json",
            include=include,
            exclude=exclude,
            by_alias=by_alias,
            exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults,
            exclude_none=exclude_none,
        )
        return _plain(data, exclude_none=exclude_none)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        obj = dataclasses.asdict(obj)
    # plain loops, not comprehensions: one stack frame per level of nesting (as FastAPI's), so
    # a deeply nested value (an error's ``input``) encodes as deep as FastAPI's does
    if isinstance(obj, dict):
        encoded: dict[str, Any] = {}
        for k, v in obj.items():
            if (include is None or k in include) and (exclude is None or k not in exclude):
                value = jsonable_encoder(v, by_alias=by_alias, exclude_none=exclude_none, custom_encoder=custom_encoder)
                if not (exclude_none and value is None):
                    encoded[str(_plain(k, exclude_none=exclude_none))] = value
        return encoded
    if isinstance(obj, list | tuple | set | frozenset):
        items: list[Any] = []
        for v in obj:
            items.append(
                jsonable_encoder(v, by_alias=by_alias, exclude_none=exclude_none, custom_encoder=custom_encoder)
            )
        return items
    plain = _plain(obj, exclude_none=exclude_none)
    if plain is not None or obj is None:
        return plain
    return _plain(msgspec.to_builtins(obj, enc_hook=_enc_hook), exclude_none=exclude_none)
