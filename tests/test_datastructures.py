"""Request-side containers and the fast query-string parser."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from genever.datastructures import URL, Headers, MutableHeaders, QueryParams, State, parse_query
from genever.requests import parse_cookies


@pytest.mark.parametrize(
    "query",
    ["", "a=1", "a=1&b=2&a=3", "a=", "a", "a=1&&b=2", "q=%20x+y%26z", "k%C3%A9=v%C3%A9", "x=1=2", "+=+"],
)
def test_parse_query_agrees_with_parse_qsl(query: str) -> None:
    assert parse_query(query) == parse_qsl(query, keep_blank_values=True)


def test_query_params_last_value_wins_and_getlist() -> None:
    params = QueryParams("a=1&b=2&a=3")
    assert params["a"] == "3"
    assert params.getlist("a") == ["1", "3"]
    assert dict(params) == {"a": "3", "b": "2"}
    assert str(params) == "a=1&b=2&a=3"


def test_headers_are_case_insensitive_and_multi_valued() -> None:
    headers = Headers([("X-Token", "a"), ("x-token", "b"), ("Host", "h")])
    assert headers["x-TOKEN"] == "a"
    assert headers.getlist("X-Token") == ["a", "b"]
    assert "HOST" in headers
    assert list(headers) == ["x-token", "host"]
    assert len(headers) == 2


def test_mutable_headers() -> None:
    headers = MutableHeaders({"a": "1"})
    headers["A"] = "2"
    headers.append("set-cookie", "x=1")
    headers.append("set-cookie", "y=2")
    assert headers.multi_items() == [("a", "2"), ("set-cookie", "x=1"), ("set-cookie", "y=2")]
    assert headers.raw == [(b"a", b"2"), (b"set-cookie", b"x=1"), (b"set-cookie", b"y=2")]
    del headers["set-cookie"]
    assert headers.multi_items() == [("a", "2")]
    assert headers.setdefault("b", "3") == "3"
    assert headers.setdefault("b", "4") == "3"


def test_url_parts() -> None:
    url = URL("https://example.org:8443/a/b?x=1#frag")
    assert (url.scheme, url.hostname, url.port, url.path, url.query, url.fragment) == (
        "https", "example.org", 8443, "/a/b", "x=1", "frag"
    )
    assert url.is_secure
    assert url.replace(path="/c") == "https://example.org:8443/c?x=1#frag"
    assert url.include_query_params(y=2) == "https://example.org:8443/a/b?x=1&y=2#frag"


def test_state_attribute_bag() -> None:
    state = State()
    state.db = "x"
    assert state.db == "x"
    del state.db
    with pytest.raises(AttributeError):
        _ = state.db


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("a=1; b=2", {"a": "1", "b": "2"}),
        ("a=1;a=2", {"a": "2"}),
        ('q="quoted value"', {"q": "quoted value"}),
        ("flag", {"": "flag"}),
        ("  spaced = x ;", {"spaced": "x"}),
    ],
)
def test_parse_cookies(header: str, expected: dict[str, str]) -> None:
    assert parse_cookies(header) == expected
