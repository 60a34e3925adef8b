"""Fuzzing the request-side parsers genever owns, each against an oracle.

- ``parse_query`` (every query string and ``Request.query_params``) agrees with
  ``urllib.parse.parse_qsl(keep_blank_values=True)``, Starlette's parser, on any
  text, and gives back what ``urlencode`` wrote.
- ``parse_cookies`` agrees with Starlette's ``cookie_parser`` on any text.
- ``Headers`` built from raw bytes answers ``get``/``getlist``/``in`` as Starlette's
  ``Headers`` does, case-insensitively (``keys()`` names a repeated header once).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from hypothesis import given
from hypothesis import strategies as st
from starlette.datastructures import Headers as StarletteHeaders
from starlette.requests import cookie_parser

from genever.datastructures import Headers, QueryParams, parse_query
from genever.requests import parse_cookies
from tests.fuzz._support import FUZZ, with_corpus

# text that looks like a query string or a cookie header more often than random text does
_QUERY_ALPHABET = st.sampled_from([*list("&=+%;,/?#ab01 \t\x00é\u2028"), "%2", "%zz", "%ff", "%C3%A9", "%00", "%%"])
query_text = st.one_of(st.text(), st.lists(_QUERY_ALPHABET, max_size=40).map("".join))
cookie_text = st.one_of(
    st.text(),
    st.lists(st.sampled_from([*list(';="\\ ab\t,'), "\\073", "\\", '"a;b"', "=="]), max_size=40).map("".join),
)
pairs = st.lists(st.tuples(st.text(), st.text()), max_size=8)


@FUZZ
@given(query_text)
@with_corpus("query", text=True)
def test_query_string_as_starlette_parses_it(query: str) -> None:
    parsed = parse_query(query)
    assert parsed == parse_qsl(query, keep_blank_values=True)
    params = QueryParams(query)
    for key, value in parsed:
        assert value in params.getlist(key)
        assert params[key] == params.getlist(key)[-1]  # the last value wins, as in Starlette


@FUZZ
@given(pairs)
def test_query_string_round_trip(items: list[tuple[str, str]]) -> None:
    assert parse_query(urlencode(items)) == items
    assert QueryParams(items).multi_items() == items
    assert parse_query(str(QueryParams(items))) == items


@FUZZ
@given(cookie_text)
@with_corpus("cookies", text=True)
def test_cookie_header_as_starlette_parses_it(header: str) -> None:
    assert parse_cookies(header) == cookie_parser(header)


# names as servers pass them on: ASCII (h11, httptools and Granian refuse other bytes in a name)
header_name = st.one_of(
    st.text(st.characters(max_codepoint=127), max_size=12).map(str.encode),
    st.sampled_from([b"Content-Type", b"content-type", b"X-A", b"x-a", b""]),
)
raw_headers = st.lists(st.tuples(header_name, st.binary(max_size=30)), max_size=10)


@FUZZ
@given(raw_headers)
def test_headers_as_starlette_reads_them(raw: list[tuple[bytes, bytes]]) -> None:
    ours = Headers.from_asgi(raw)
    theirs = StarletteHeaders(raw=[(k.lower(), v) for k, v in raw])  # ASGI servers send lowercased names
    # a Mapping: each name once (Starlette's keys() repeats a repeated name)
    assert list(ours.keys()) == list(dict.fromkeys(theirs.keys()))
    assert ours.multi_items() == [(k.decode("latin-1"), v.decode("latin-1")) for k, v in theirs.raw]
    assert ours.raw == theirs.raw  # Starlette's property: the pairs as bytes
    for name, _ in raw:
        for key in {name.decode("latin-1"), name.decode("latin-1").upper(), name.decode("latin-1").lower()}:
            assert ours.get(key) == theirs.get(key)
            assert ours.getlist(key) == theirs.getlist(key)
            assert (key in ours) == (key in theirs)
    assert ours == Headers(ours.multi_items())
