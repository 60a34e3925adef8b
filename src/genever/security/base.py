"""The base of security schemes and ``SecurityScopes``.

A security scheme is a dependency (an instance with an async ``__call__``)
that also describes itself for OpenAPI through ``model`` and ``scheme_name``.
"""

from __future__ import annotations

from typing import Any


class SecurityBase:
    model: Any = None
    scheme_name: str = ""


class SecurityScopes:
    """The OAuth2 scopes that the dependants of a ``Security`` dependency ask for."""

    def __init__(self, scopes: list[str] | None = None) -> None:
        self.scopes: list[str] = list(scopes or [])
        self.scope_str = " ".join(self.scopes)

    def __repr__(self) -> str:
        return f"SecurityScopes({self.scopes!r})"
