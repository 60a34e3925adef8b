"""A pytest plugin that makes ``import fastapi`` (and ``fastapi.*``) import genever.

Used by ``run.py`` to run FastAPI's own test suite against genever: every
``fastapi.X`` module is served by ``genever.X``; a module genever lacks fails to
import (and the tests that need it fail, which is the point: they are counted).
The app's default title is FastAPI's, which FastAPI's expected documents contain.
"""

from __future__ import annotations

import functools
import importlib
import importlib.abc
import importlib.util
import sys
from types import ModuleType
from typing import Any


class _FastAPIAsGenever(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname == "fastapi" or fullname.startswith("fastapi."):
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec: Any) -> ModuleType:
        return importlib.import_module("genever" + spec.name[len("fastapi") :])

    def exec_module(self, module: ModuleType) -> None:
        return None


sys.meta_path.insert(0, _FastAPIAsGenever())

import genever.applications  # noqa: E402 - after the finder, on purpose

_init = genever.applications.Genever.__init__


@functools.wraps(_init)
def _init_with_fastapis_title(self: Any, *args: Any, **kwargs: Any) -> None:
    kwargs.setdefault("title", "FastAPI")
    _init(self, *args, **kwargs)


genever.applications.Genever.__init__ = _init_with_fastapis_title  # type: ignore[method-assign]
