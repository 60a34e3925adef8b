"""Starlette's ``route.matches(scope)``, for tools that find the route of a request themselves.

Metrics and tracing middleware (prometheus-fastapi-instrumentator,
starlette-exporter, OpenTelemetry) walk ``scope["app"].routes`` and ask each
route ``matches(scope)`` to label a request with its route template. genever
routes with its radix tree and never calls this; it exists for those tools,
so each route's regular expression is built on first use.
"""

from __future__ import annotations

import enum
import re
from typing import Any

_PARAM = re.compile(r"{([^{}:]+)(?::([^{}]*))?}")


class _Match(enum.Enum):
    NONE = 0
    PARTIAL = 1
    FULL = 2


def match_enum() -> Any:
    """Starlette's ``Match`` when Starlette is installed (the tools compare with its members), else
    an enum with the same members."""
    try:
        from starlette.routing import Match
    except ImportError:  # pragma: no cover - the tools that call matches() import Starlette
        return _Match
    return Match


def route_path(scope: dict[str, Any]) -> str:
    """The path a route is matched against: ``path`` without the ``root_path`` it starts with
    (Starlette >= 0.33, where mounted apps receive the full path)."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if not root_path or not path.startswith(root_path):
        return path
    if path == root_path:
        return ""
    return path[len(root_path) :] if path[len(root_path)] == "/" else path


def path_regex(path: str) -> re.Pattern[str]:
    """``/items/{item_id}`` → a regex with one named group per parameter (``{p:path}`` spans slashes)."""
    parts = []
    end = 0
    for found in _PARAM.finditer(path):
        parts.append(re.escape(path[end : found.start()]))
        pattern = ".*" if found.group(2) == "path" else "[^/]+"
        parts.append(f"(?P<{found.group(1)}>{pattern})")
        end = found.end()
    parts.append(re.escape(path[end:]))
    return re.compile("".join(parts))


def matches(route: Any, scope: dict[str, Any], methods: set[str] | None) -> tuple[Any, dict[str, Any]]:
    """``(Match, child_scope)`` as Starlette's ``Route.matches``: FULL when the path and method match,
    PARTIAL when only the path does; ``methods`` None for a WebSocket route."""
    match = match_enum()
    wanted = "websocket" if methods is None else "http"
    if scope.get("type") != wanted:
        return match.NONE, {}
    regex = route.__dict__.get("_path_regex")
    if regex is None:
        regex = route.__dict__["_path_regex"] = path_regex(route.path)
    found = regex.fullmatch(route_path(scope))
    if found is None:
        return match.NONE, {}
    child = {"endpoint": route.endpoint, "path_params": {**scope.get("path_params", {}), **found.groupdict()},
             "route": route}  # fmt: skip
    if methods is not None:
        method = scope.get("method", "GET")
        if method not in methods and not (method == "HEAD" and "GET" in methods):
            return match.PARTIAL, child
    return match.FULL, child
