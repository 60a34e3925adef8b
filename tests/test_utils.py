"""``_utils``: the rules written once — how a callable runs, which statuses carry no body,
latin-1 header pairs — and the places that use them."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Iterator
from typing import Any, Optional, Union

import pytest

from genever import Genever, HTTPException, Request
from genever._utils import (
    body_allowed,
    decode_headers,
    encode_headers,
    is_async_gen_callable,
    is_coroutine_callable,
    is_gen_callable,
    is_union,
    strip_optional,
)
from genever.background import BackgroundTask
from genever.responses import JSONResponse, Response
from genever.testclient import TestClient


async def coroutine() -> None:
    return None


def plain() -> None:
    return None


def generator() -> Iterator[int]:
    yield 1


async def async_generator() -> AsyncIterator[int]:
    yield 1


class AsyncCall:
    async def __call__(self) -> None:
        return None


class SyncCall:
    def __call__(self) -> None:
        return None


def decorated(func: Any) -> Any:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return wrapper


@pytest.mark.parametrize(
    ("call", "kind"),
    [
        (coroutine, "coroutine"),
        (plain, "sync"),
        (generator, "gen"),
        (async_generator, "async_gen"),
        (AsyncCall(), "coroutine"),
        (SyncCall(), "sync"),
        (AsyncCall, "sync"),  # calling the class builds an instance
        (functools.partial(coroutine), "coroutine"),
        (functools.partial(functools.partial(async_generator)), "async_gen"),
        (decorated(coroutine), "coroutine"),
        (functools.partial(AsyncCall()), "coroutine"),
    ],
)
def test_how_a_callable_runs(call: Any, kind: str) -> None:
    assert is_coroutine_callable(call) is (kind == "coroutine")
    assert is_gen_callable(call) is (kind == "gen")
    assert is_async_gen_callable(call) is (kind == "async_gen")


@pytest.mark.parametrize(
    ("status", "allowed"),
    [(None, True), (100, False), (199, False), (200, True), (204, False), (205, False), (206, True), (304, False),
     (404, True), (500, True)],
)  # fmt: skip
def test_statuses_that_carry_no_body(status: int | None, allowed: bool) -> None:
    assert body_allowed(status) is allowed


def test_latin1_header_pairs_round_trip() -> None:
    pairs = [("x-name", "caf\u00e9"), ("content-type", "text/plain")]
    raw = encode_headers(pairs)
    assert raw == [(b"x-name", b"caf\xe9"), (b"content-type", b"text/plain")]
    assert decode_headers(raw) == pairs
    assert decode_headers([(bytearray(b"a"), memoryview(b"b"))]) == [("a", "b")]  # type: ignore[list-item]
    with pytest.raises(UnicodeEncodeError):
        encode_headers([("x", "\u20ac")])


def test_an_exception_handler_object_with_async_call_is_awaited(client_factory: Any) -> None:
    class Handler:
        async def __call__(self, request: Request, exc: Exception) -> Response:
            return JSONResponse({"handled": str(exc)}, status_code=418)

    app = Genever(exception_handlers={ValueError: Handler()})

    @app.get("/boom")
    async def boom() -> None:
        raise ValueError("nope")

    response = client_factory(app).get("/boom")
    assert response.status_code == 418
    assert response.json() == {"handled": "nope"}


def test_a_sync_exception_handler_runs_in_the_thread_pool(client_factory: Any) -> None:
    app = Genever()

    @app.exception_handler(KeyError)
    def handler(request: Request, exc: Exception) -> Response:
        return JSONResponse({"missing": str(exc)}, status_code=409)

    @app.get("/boom")
    async def boom() -> None:
        raise KeyError("k")

    response = client_factory(app).get("/boom")
    assert (response.status_code, response.json()) == (409, {"missing": "'k'"})


def test_a_background_task_object_with_async_call_is_awaited() -> None:
    seen: list[str] = []

    class Task:
        async def __call__(self, value: str) -> None:
            seen.append(value)

    task = BackgroundTask(Task(), "ran")
    assert task.is_async
    app = Genever()

    @app.get("/")
    async def index() -> Response:
        return JSONResponse({}, background=task)

    assert TestClient(app).get("/").status_code == 200
    assert seen == ["ran"]


@pytest.mark.parametrize("status", [204, 205, 304])
def test_no_content_length_for_statuses_without_a_body(status: int) -> None:
    app = Genever()

    @app.get("/empty")
    async def empty() -> Response:
        raise HTTPException(status)

    response = TestClient(app).get("/empty")
    assert response.status_code == status
    assert response.content == b""
    assert "content-length" not in response.headers


def test_optional_is_seen_through() -> None:
    assert is_union(int | None) and is_union(Union[int, str]) and not is_union(list[int])  # noqa: UP007
    assert strip_optional(int | None) is int
    assert strip_optional(Optional[str]) is str  # noqa: UP045
    assert strip_optional(int | str | None) == int | str | None
    assert strip_optional(list[int]) == list[int]
