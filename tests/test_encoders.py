"""JSON encoding of handler return values and ``jsonable_encoder``."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import json
import uuid

import msgspec
from pydantic import BaseModel, Field

from genever.encoders import encode_json, jsonable_encoder


class Color(enum.Enum):
    red = "red"


class Inner(BaseModel):
    when: datetime.date
    alias_me: int = Field(alias="aliasMe")


@dataclasses.dataclass
class DC:
    x: int
    inner: Inner


class S(msgspec.Struct):
    y: float


def test_encode_json_handles_models_inside_containers() -> None:
    value = {
        "dc": DC(1, Inner(when=datetime.date(2024, 1, 2), aliasMe=3)),
        "struct": S(1.5),
        "uuid": uuid.UUID(int=1),
        "dec": decimal.Decimal("1.50"),
        "color": Color.red,
        "set": {1},
    }
    assert json.loads(encode_json(value)) == {
        "dc": {"x": 1, "inner": {"when": "2024-01-02", "aliasMe": 3}},
        "struct": {"y": 1.5},
        "uuid": "00000000-0000-0000-0000-000000000001",
        "dec": 1.5,
        "color": "red",
        "set": [1],
    }


def test_jsonable_encoder_like_fastapi() -> None:
    model = Inner(when=datetime.date(2024, 1, 2), aliasMe=3)
    assert jsonable_encoder(model) == {"when": "2024-01-02", "aliasMe": 3}
    assert jsonable_encoder(model, by_alias=False) == {"when": "2024-01-02", "alias_me": 3}
    assert jsonable_encoder({"a": None, "b": 1}, exclude_none=True) == {"b": 1}
    assert jsonable_encoder(decimal.Decimal("2")) == 2
    assert jsonable_encoder(datetime.timedelta(seconds=90)) == 90.0
    assert jsonable_encoder([Color.red, (1, 2)]) == ["red", [1, 2]]
    assert jsonable_encoder(DC(1, model)) == {"x": 1, "inner": {"when": "2024-01-02", "aliasMe": 3}}
