"""Request body limits set per app, router, inclusion and route: ``max_body_size`` and
``form_limits`` (FastAPI 0.165's), checked when declared and folded into each route.

The innermost setting wins, as in FastAPI: a route's own over its router's, the
router's over ``include_router(...)``'s, that over the including router's and the
app's. ``None`` (and a missing form limit) means "inherit". Each route's result is
known when the app starts; a route whose body limit is the app's pays nothing per
request (see ``_compile.plan``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from .exceptions import InvalidSettingError


class FormLimits(TypedDict, total=False):
    """Limits of the automatic parsing of ``Form``/``File``/``UploadFile`` parameters."""

    max_fields: int  # non-file fields of a form
    max_files: int  # files of a multipart form
    max_part_size: int  # bytes of one non-file field


_FormLimits = FormLimits  # FastAPI's name (fastapi._form_limits._FormLimits)

_KEYS = frozenset(FormLimits.__annotations__)


def _non_negative(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def validate_max_body_size(value: Any, where: str = "max_body_size") -> int | None:
    if value is not None and not _non_negative(value):
        raise InvalidSettingError(f"{where} must be a non-negative integer or None, not {value!r}")
    return value  # type: ignore[no-any-return]


def validate_form_limits(limits: Mapping[str, Any] | None, where: str = "form_limits") -> FormLimits:
    """A copy of ``limits`` (later changes to the caller's dict do not count), checked."""
    if limits is None:
        return {}
    if not isinstance(limits, Mapping):
        raise InvalidSettingError(f"{where} must be a dict of {sorted(_KEYS)}, not {limits!r}")
    checked: dict[str, int] = {}
    for key, value in limits.items():
        if key not in _KEYS:
            raise InvalidSettingError(f"{where}: unknown limit {key!r} (known: {', '.join(sorted(_KEYS))})")
        if not _non_negative(value):
            raise InvalidSettingError(f"{where}: {key} must be a non-negative integer, not {value!r}")
        checked[key] = value
    return checked  # type: ignore[return-value]


def innermost(*limits: int | None) -> int | None:
    """The first limit set, innermost first."""
    for limit in limits:
        if limit is not None:
            return limit
    return None
