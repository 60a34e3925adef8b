"""``alias_fastapi()``: make ``import fastapi`` (and ``fastapi.*``) import genever, in this process.

Packages built on FastAPI (metrics, Sentry, GraphQL routers, pagination...)
``import fastapi``. With the alias they get genever's modules under FastAPI's
names, so the routers, markers and apps they build are genever's. It is
opt-in: one call, before anything imports ``fastapi``. Real FastAPI may stay
installed (those packages usually depend on it): it is shadowed, not removed,
and calling the alias after the real one was imported is an error, since two
frameworks' objects would then mix.

``fastapi.X`` is served by ``genever.X`` (the same module object, so
``isinstance`` checks agree); a module genever has no counterpart of fails to
import with a message naming it.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from types import ModuleType
from typing import Any

from ._starlette_routes import make_routes_starlette_routes
from .exceptions import ConfigurationError


class _FastAPIAsGenever(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self) -> None:
        self._specs: dict[str, Any] = {}

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != "fastapi" and not fullname.startswith("fastapi."):
            return None
        name = "genever" + fullname[len("fastapi") :]
        try:
            found = importlib.util.find_spec(name)
        except ModuleNotFoundError:
            found = None
        if found is None:
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: genever.alias_fastapi() maps it to {name!r}, which genever does "
                "not have",
                name=fullname,
            )
        spec = importlib.util.spec_from_loader(fullname, self, is_package=found.submodule_search_locations is not None)
        return spec

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module("genever" + spec.name[len("fastapi") :])
        self._specs[module.__name__] = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # the genever module is already executed; the import system set its __spec__ to the alias's:
        # give it back its own (reload, pickling and tools read it)
        module.__spec__ = self._specs.pop(module.__name__, module.__spec__)


_finder: _FastAPIAsGenever | None = None


def alias_fastapi() -> None:
    """Make ``import fastapi`` and ``import fastapi.<module>`` give genever, for this process.

    Call it once, first thing in the entry module (or in ``conftest.py``), before any package
    that imports FastAPI is imported; calling it again does nothing. If the real FastAPI was
    already imported, a ``ConfigurationError`` says from where: the alias cannot take back
    objects built by it.
    """
    global _finder
    if _finder is not None and _finder in sys.meta_path:
        return
    loaded = sys.modules.get("fastapi")
    if loaded is not None and not getattr(loaded, "__name__", "").startswith("genever"):
        raise ConfigurationError(
            f"genever.alias_fastapi(): the real FastAPI is already imported (from {getattr(loaded, '__file__', '?')}); "
            "call alias_fastapi() before anything imports fastapi, e.g. first thing in your entry module"
        )
    _finder = _FastAPIAsGenever()
    sys.meta_path.insert(0, _finder)
    make_routes_starlette_routes()  # FastAPI's routes are Starlette's: packages check isinstance


def fastapi_is_aliased() -> bool:
    """True when ``alias_fastapi()`` is in force in this process."""
    return _finder is not None and _finder in sys.meta_path
