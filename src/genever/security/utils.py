"""Parsing the ``Authorization`` header."""

from __future__ import annotations


def get_authorization_scheme_param(authorization_header_value: str | None) -> tuple[str, str]:
    """``"Bearer abc"`` → ``("Bearer", "abc")``; a missing header → ``("", "")``."""
    if not authorization_header_value:
        return "", ""
    scheme, _, param = authorization_header_value.partition(" ")
    return scheme, param.strip()
