"""FastAPI's ``fastapi.utils``: the helpers packages built on FastAPI import."""

from __future__ import annotations

from typing import Any

from ._router import param_names
from .datastructures import DefaultPlaceholder
from .routing import generate_unique_id

__all__ = [
    "deep_dict_update",
    "generate_unique_id",
    "get_path_param_names",
    "get_value_or_default",
    "is_body_allowed_for_status_code",
]


def get_path_param_names(path: str) -> set[str]:
    """The names of the ``{parameters}`` in a path template."""
    return param_names(path)


def is_body_allowed_for_status_code(status_code: int | str | None) -> bool:
    """False for the statuses that have no body (1xx, 204, 205, 304); OpenAPI ranges ("2XX") allow one."""
    if status_code is None:
        return True
    if status_code in ("default", "1XX", "2XX", "3XX", "4XX", "5XX"):
        return True
    code = int(status_code)
    return not (code < 200 or code in (204, 205, 304))


def get_value_or_default(first: Any, *extra: Any) -> Any:
    """The first value that was given explicitly (not a ``Default(...)``), else ``first``."""
    for item in (first, *extra):
        if not isinstance(item, DefaultPlaceholder):
            return item
    return first


def deep_dict_update(main_dict: dict[Any, Any], update_dict: dict[Any, Any]) -> None:
    """Merge ``update_dict`` into ``main_dict`` in place: nested dicts merged, lists concatenated."""
    for key, value in update_dict.items():
        current = main_dict.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            deep_dict_update(current, value)
        elif isinstance(current, list) and isinstance(value, list):
            main_dict[key] = current + value
        else:
            main_dict[key] = value
