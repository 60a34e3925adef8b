"""``security.base`` and ``security.utils``: ``SecurityScopes`` as dependants see them, and
the ``Authorization`` header split into scheme and parameter."""

from __future__ import annotations

from typing import Annotated, Any

import pytest

from genever import Genever, Security
from genever.security import SecurityScopes, get_authorization_scheme_param


@pytest.mark.parametrize(
    ("value", "parts"),
    [(None, ("", "")), ("", ("", "")), ("Bearer abc", ("Bearer", "abc")), ("Basic  a b ", ("Basic", "a b")),
     ("Token", ("Token", ""))],
)  # fmt: skip
def test_get_authorization_scheme_param(value: str | None, parts: tuple[str, str]) -> None:
    assert get_authorization_scheme_param(value) == parts


def test_security_scopes() -> None:
    scopes = SecurityScopes(["a", "b"])
    assert (scopes.scopes, scopes.scope_str, repr(scopes)) == (["a", "b"], "a b", "SecurityScopes(['a', 'b'])")
    assert SecurityScopes().scope_str == ""


def granted(security_scopes: SecurityScopes) -> str:
    return security_scopes.scope_str


def user(scopes: Annotated[str, Security(granted, scopes=["me"])]) -> str:
    return scopes


def test_scopes_accumulate_down_the_dependency_chain(client_factory: Any) -> None:
    app = Genever()

    @app.get("/items")
    async def items(scopes: Annotated[str, Security(user, scopes=["items"])]) -> str:
        return scopes

    assert client_factory(app).get("/items").json() == "items me"
