"""Differential tests: the bytes FastAPI writes for a handler's value, in each of
its two ways (``jsonable_encoder`` without a response model, pydantic's JSON
mode with one), for the values on which those ways and msgspec disagree.

Each value is returned in a dict by four handlers that differ only in their
return annotation; FastAPI's and genever's answers are compared byte for byte.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import decimal
import enum
import ipaddress
import re
import uuid
from typing import Any

import fastapi
import fastapi.testclient
import pydantic
import pytest

import genever
import genever.testclient
from genever.encoders import jsonable_encoder

UTC = dt.UTC


class Color(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    ONE = 1


@dataclasses.dataclass
class Span:
    length: dt.timedelta
    raw: bytes


class Event(pydantic.BaseModel):
    after: dt.timedelta
    at: dt.datetime
    extra: Any = None


VALUES: dict[str, Any] = {
    "timedelta": dt.timedelta(days=1, seconds=30),
    "timedelta_negative": dt.timedelta(seconds=-1.5),
    "bytes": b"raw",
    "datetime_utc": dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
    "datetime_utc_micro": dt.datetime(2024, 1, 2, 3, 4, 5, 123, tzinfo=UTC),
    "datetime_offset": dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    "datetime_naive": dt.datetime(2024, 1, 2, 3, 4, 5, 600000),
    "date": dt.date(2024, 1, 2),
    "time": dt.time(3, 4, 5),
    "time_utc": dt.time(3, 4, 5, tzinfo=UTC),
    "decimal": decimal.Decimal("1.50"),
    "decimal_integral": decimal.Decimal("10"),
    "decimal_exponent": decimal.Decimal("1E+2"),
    "set": {1},
    "frozenset": frozenset({"a"}),
    "deque": collections.deque([1, 2]),
    "tuple": (1, "x"),
    "enum": Color.RED,
    "int_enum": Level.ONE,
    "uuid": uuid.UUID(int=1),
    "ipv4": ipaddress.IPv4Address("1.2.3.4"),
    "ipv6": ipaddress.IPv6Address("::1"),
    "ipv4_network": ipaddress.IPv4Network("10.0.0.0/8"),
    "ipv6_interface": ipaddress.IPv6Interface("::1/64"),
    "url": pydantic.AnyUrl("http://example.org/a"),
    "http_url": pydantic.HttpUrl("http://example.org"),
    "secret": pydantic.SecretStr("pw"),
    "secret_bytes": pydantic.SecretBytes(b"pw"),
    "pattern": re.compile("a+"),
    "dataclass": Span(dt.timedelta(seconds=3), b"x"),
    "model": Event(after=dt.timedelta(minutes=1), at=dt.datetime(2024, 1, 1, tzinfo=UTC), extra=b"q"),
    "nested": {"x": [dt.timedelta(seconds=1), {"y": b"z"}], 1: None},
    "enum_key": {Color.RED: 1},
    "sqlalchemy_state": {"_sa_instance_state": 1, "name": "kept"},
    "flat": {"s": "é", "i": 1, "f": 1.5, "b": True, "n": None},
    "list_of_dates": [dt.date(2024, 1, 1)],
}
# how a route declares (or not) its response model
ANNOTATIONS: dict[str, Any] = {"none": None, "dict": dict, "dict_any": dict[str, Any], "any": Any}


def _app(framework: Any, annotation: str) -> Any:
    app = framework.FastAPI() if framework is fastapi else framework.Genever()
    for name, value in VALUES.items():

        def handler(value: Any = value) -> Any:
            return {"v": value}

        if ANNOTATIONS[annotation] is None:
            del handler.__annotations__["return"]
        else:
            handler.__annotations__["return"] = ANNOTATIONS[annotation]
        app.get(f"/{name}")(handler)
    return app


@pytest.fixture(scope="module", params=list(ANNOTATIONS))
def clients(request: pytest.FixtureRequest) -> Any:
    return (
        fastapi.testclient.TestClient(_app(fastapi, request.param)),
        genever.testclient.TestClient(_app(genever, request.param)),
    )


@pytest.mark.parametrize("name", list(VALUES))
def test_same_bytes_as_fastapi(clients: Any, name: str) -> None:
    theirs, ours = (client.get(f"/{name}") for client in clients)
    assert (ours.status_code, ours.headers["content-type"]) == (theirs.status_code, theirs.headers["content-type"])
    assert ours.content == theirs.content


def test_plain_return_writes_fastapis_extra_data_types() -> None:
    """The documentation's "extra data types" answer, as a client reads it."""
    ours = genever.testclient.TestClient(_app(genever, "none"))
    assert ours.get("/timedelta").json() == {"v": 86430.0}
    assert ours.get("/bytes").json() == {"v": "raw"}
    assert ours.get("/datetime_utc").json() == {"v": "2024-01-02T03:04:05+00:00"}


@pytest.mark.parametrize("name", list(VALUES))
def test_jsonable_encoder_as_fastapis(name: str) -> None:
    from fastapi.encoders import jsonable_encoder as theirs

    assert jsonable_encoder({"v": VALUES[name]}) == theirs({"v": VALUES[name]})


def test_jsonable_encoder_options_as_fastapis() -> None:
    from fastapi.encoders import jsonable_encoder as theirs

    event = Event(after=dt.timedelta(minutes=1), at=dt.datetime(2024, 1, 1, tzinfo=UTC))
    for kwargs in (
        {"exclude_none": True},
        {"include": {"after"}},
        {"exclude": ["at"]},
        {"custom_encoder": {dt.timedelta: str}},
        {"sqlalchemy_safe": False},
    ):
        for value in (event, {"a": None, "_sa": 1, "after": dt.timedelta(1)}, [event]):
            assert jsonable_encoder(value, **kwargs) == theirs(value, **kwargs), kwargs


def test_iso8601_durations_opt_out() -> None:
    """``Genever(json_durations="iso8601")``: routes without a response model write a timedelta as
    routes with one do (and as pydantic does), the rest of FastAPI's encoding unchanged."""
    app = genever.Genever(json_durations="iso8601")

    @app.get("/plain")
    def plain():  # type: ignore[no-untyped-def]  # no annotation: no response model
        return {"d": dt.timedelta(days=1, seconds=30), "when": dt.datetime(2024, 1, 2, tzinfo=UTC), "b": b"x"}

    @app.get("/typed")
    def typed() -> dict[str, Any]:
        return {"d": dt.timedelta(days=1, seconds=30)}

    client = genever.testclient.TestClient(app)
    assert client.get("/plain").content == b'{"d":"P1DT30S","when":"2024-01-02T00:00:00+00:00","b":"x"}'
    assert client.get("/typed").content == b'{"d":"P1DT30S"}'
    with pytest.raises(genever.exceptions.ConfigurationError, match="json_durations"):
        genever.Genever(json_durations="minutes")  # type: ignore[arg-type]
