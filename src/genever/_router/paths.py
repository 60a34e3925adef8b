"""The path template syntax, ``/items/{item_id}`` or ``/files/{name:path}``, in one place."""

from __future__ import annotations

import re

# a placeholder: its name (may be empty, so the tree can reject it by name) and its convertor
PARAM = re.compile(r"{([^{}:]*)(?::([^{}]*))?}")


def param_names(path: str) -> set[str]:
    """The names of the placeholders of ``path``."""
    return {name for name, _ in PARAM.findall(path) if name}


def path_format(path: str) -> str:
    """``path`` without convertors (``/files/{name:path}`` -> ``/files/{name}``), as OpenAPI shows it."""
    return PARAM.sub(r"{\1}", path)
