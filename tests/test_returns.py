"""``_returns.returned_shape``: what a handler's source proves it returns (start-up only).

A proved shape lets the route skip the per-request check of its value, so every
"not proved" case below is one where a value FastAPI writes differently (bytes,
a timedelta...) could come back.
"""

from __future__ import annotations

import datetime
import functools
from typing import Annotated, Any

import pytest

from genever import Depends, Header, Query
from genever._returns import returned_shape
from genever.testclient import TestClient


def constant_dict() -> dict:  # type: ignore[type-arg]
    return {"message": "Hello, World!"}


def from_params(user_id: int, verbose: bool = False, name: str | None = None) -> dict:  # type: ignore[type-arg]
    if verbose:
        return {"id": user_id, "name": f"user-{user_id}", "verbose": not verbose, "n": name}
    return {"id": user_id, "nested": {"a": [1, 2.5, None]}, "state": "on" if verbose else "off"}


def a_list(n: Annotated[int, Query(ge=0)] = 3) -> list:  # type: ignore[type-arg]
    return [n, "x", (1, 2)]


def token_user(x_token: Annotated[str, Header()]) -> str:
    return "alice" if x_token else "nobody"


def with_dependency(user: Annotated[str, Depends(token_user)]) -> dict:  # type: ignore[type-arg]
    return {"user": user}


def bytes_user() -> Any:
    return b"raw"


def with_bytes_dependency(user: Annotated[str, Depends(bytes_user)]) -> dict:  # type: ignore[type-arg]
    return {"user": user}


def bytes_constant() -> dict:  # type: ignore[type-arg]
    return {"raw": b"raw"}


def a_call() -> dict:  # type: ignore[type-arg]
    return {"when": datetime.timedelta(seconds=1)}


def a_local() -> dict:  # type: ignore[type-arg]
    value = b"raw"
    return {"v": value}


def reassigned(user_id: int) -> dict:  # type: ignore[type-arg]
    user_id = b"raw"  # type: ignore[assignment]
    return {"id": user_id}


def odd_default(x: int = b"raw") -> dict:  # type: ignore[assignment,type-arg]
    return {"x": x}


def old_style_default(x: int = Query(b"raw")) -> dict:  # type: ignore[type-arg]
    return {"x": x}


def spread(extra: dict) -> dict:  # type: ignore[type-arg]
    return {"a": 1, **extra}


def two_shapes(flag: bool) -> Any:
    if flag:
        return {"a": 1}
    return [1]


def sqlalchemy_key() -> dict:  # type: ignore[type-arg]
    return {"_sa_state": 1}


def generator() -> Any:
    yield {"a": 1}


def _decorate(func: Any) -> Any:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return {"raw": b"changed by the decorator"}

    return wrapper


@_decorate
def decorated() -> dict:  # type: ignore[type-arg]
    return {"a": 1}


@pytest.mark.parametrize(
    ("endpoint", "shape"),
    [
        (constant_dict, "dict"),
        (from_params, "dict"),
        (a_list, "list"),
        (with_dependency, "dict"),
        (with_bytes_dependency, None),
        (bytes_constant, None),
        (a_call, None),
        (a_local, None),
        (reassigned, None),
        (odd_default, None),
        (old_style_default, None),
        (spread, None),
        (two_shapes, None),
        (sqlalchemy_key, None),
        (generator, None),
        (decorated, None),
        (len, None),
        (lambda: {"a": 1}, None),
    ],
)
def test_returned_shape(endpoint: Any, shape: str | None) -> None:
    assert returned_shape(endpoint) == shape


def test_an_override_is_what_is_proved() -> None:
    assert returned_shape(with_dependency, {token_user: bytes_user}) is None
    assert returned_shape(with_bytes_dependency, {bytes_user: token_user}) == "dict"


def test_a_proved_route_follows_its_overrides() -> None:
    from genever import Genever

    app = Genever()
    app.get("/user")(with_dependency)
    client = TestClient(app)
    assert client.get("/user", headers={"x-token": "t"}).json() == {"user": "alice"}
    app.dependency_overrides[token_user] = bytes_user
    assert client.get("/user", headers={"x-token": "t"}).json() == {"user": "raw"}  # text, as FastAPI


def test_a_parse_spoiled_by_another_thread_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    """CPython 3.11 shares the AST builder's depth counter between threads: a traceback formatted in
    another thread at the same moment makes ``ast.parse`` raise ``SystemError``. It is parsed again."""
    import ast

    from genever import _returns

    def plain() -> dict[str, int]:
        return {"a": 1}

    real_parse = ast.parse
    failures = [SystemError("AST constructor recursion depth mismatch (before=90, after=147)")]

    def flaky_parse(source: str, *args: Any, **kwargs: Any) -> Any:
        if failures:
            raise failures.pop()
        return real_parse(source, *args, **kwargs)

    _returns._functions_of.cache_clear()
    monkeypatch.setattr(_returns.ast, "parse", flaky_parse)
    try:
        assert returned_shape(plain) == "dict"
        assert not failures
    finally:
        _returns._functions_of.cache_clear()
