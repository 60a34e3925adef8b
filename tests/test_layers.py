"""The package's layers: imports only run downward, there is no import cycle, and
genever modules are imported at the top of files (never inside functions).

The layers are the ones drawn in the README's Layout section. A module may
import modules of its own layer or of a lower one; imports inside
``if TYPE_CHECKING:`` never run and are left out (they may name a higher
layer's type in an annotation, e.g. ``Request.app: Genever``).
"""

from __future__ import annotations

import ast
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

import genever

SRC = Path(genever.__file__).parent

# module (dotted, relative to the package; a package's modules share its layer) -> layer
LAYERS: dict[str, int] = {
    # L0: the vocabulary, standard library only
    "status": 0, "exceptions": 0, "types": 0, "_utils": 0, "_router": 0, "concurrency": 0,
    "_lifespan": 0, "security.utils": 0, "_bridge": 0, "_middleware_stack": 0,
    # L1: data structures and declarations
    "datastructures": 1, "encoders": 1, "params": 1, "param_functions": 1, "background": 1, "_jinja": 1,
    "_form_limits": 1,
    # L2: what handlers touch per request
    "requests": 2, "responses": 2, "websockets": 2, "formparsers": 2, "sse": 2, "staticfiles": 2,
    "templating": 2, "_serialize": 2, "security": 2, "_frontend": 2,
    # L3: start-up analysis, signature -> specs -> validators
    "_analysis": 3, "_validation": 3, "_returns": 3,
    # L4: routes, their compiled plans, middleware, the default exception handlers
    "_compile": 4, "routing": 4, "middleware": 4, "exception_handlers": 4,
    # L5: serving (the frozen app and its protocol adapters), the OpenAPI document
    "_server": 5, "openapi": 5,
    # L6: configuration and registration
    "applications": 6,
    # L7: entry points nothing inside the package imports
    "testclient": 7, "cli": 7, "__init__": 7, "__main__": 7,
    # modules of branches merged after this one, placed by what they import and what imports them
    # (as of those branches on 2026-11-28); move them if they change
    "_annotations": 0, "_matching": 0, "_observe": 0, "_accesslog": 0, "logger": 0,
    "_foreign": 1, "_dependency_limit": 0, "_compat": 7,
    "_foreign_responses": 2, "_starlette_interop": 2, "health": 2, "logging": 2, "reporting": 2, "tracing": 2,
    "_app_scope": 4, "_fastapi_routers": 4, "_starlette_endpoints": 4, "_starlette_routes": 4,
    "metrics": 5,
    "server": 7, "ext": 7, "_alias": 7, "dependencies": 7, "utils": 7,
}  # fmt: skip


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if len(parts) > 1 and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str, layers: Mapping[str, int]) -> int:
    """The layer of ``module``: its own entry, else its package's (``security.http`` -> ``security``)."""
    parts = module.split(".")
    while parts:
        name = ".".join(parts)
        if name in layers:
            return layers[name]
        parts.pop()
    raise AssertionError(f"module {module!r} has no layer: add it to LAYERS (and to the README's Layout)")


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, in_function: bool = False) -> Iterator[tuple[ast.ImportFrom | ast.Import, bool]]:
    """Every import that may run, with whether it sits inside a function."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                yield from _imports(ast.Module(body=[child], type_ignores=[]), in_function)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, in_function
            continue
        yield from _imports(node, in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef))


def _resolve(module: str, is_package: bool, node: ast.ImportFrom | ast.Import, known: set[str]) -> list[str]:
    """The package modules ``node`` imports (``from . import a, b`` names two)."""
    if isinstance(node, ast.Import):
        names = [alias.name.removeprefix("genever.") for alias in node.names if alias.name.startswith("genever.")]
        return [name for name in names if name in known]
    if node.level == 0:
        if not (node.module or "").startswith("genever"):
            return []
        base = (node.module or "").removeprefix("genever").lstrip(".")
    else:
        parts = module.split(".") if module else []
        if not is_package:
            parts = parts[:-1]
        drop = node.level - 1
        parts = parts[: len(parts) - drop] if drop else parts
        base = ".".join([*parts, *([node.module] if node.module else [])])
    out = []
    for alias in node.names:
        candidate = f"{base}.{alias.name}" if base else alias.name
        if candidate in known:
            out.append(candidate)
        elif base:
            out.append(base)
    return [name for name in dict.fromkeys(out) if name in known]


def import_graph(root: Path) -> tuple[dict[str, set[str]], list[str]]:
    """``{module: modules it imports at run time}`` and the imports found inside functions."""
    files = {module_name(path, root): path for path in sorted(root.rglob("*.py"))}
    files.pop("", None)
    known = set(files) | {""}
    graph: dict[str, set[str]] = {name: set() for name in files}
    nested: list[str] = []
    for name, path in files.items():
        tree = ast.parse(path.read_text(), str(path))
        for node, in_function in _imports(tree):
            for target in _resolve(name, path.name == "__init__.py", node, known):
                if target in ("", name):
                    continue
                graph[name].add(target)
                if in_function:
                    nested.append(f"{name} imports {target} inside a function (line {node.lineno})")
    return graph, nested


def find_cycle(graph: Mapping[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` (as a path that ends where it starts), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


def upward_imports(graph: Mapping[str, set[str]], layers: Mapping[str, int]) -> list[str]:
    return [
        f"{source} (L{layer_of(source, layers)}) imports {target} (L{layer_of(target, layers)})"
        for source, targets in sorted(graph.items())
        for target in sorted(targets)
        if layer_of(target, layers) > layer_of(source, layers)
    ]


def test_every_module_has_a_layer() -> None:
    graph, _ = import_graph(SRC)
    for module in graph:
        layer_of(module, LAYERS)


def test_no_import_cycle() -> None:
    graph, _ = import_graph(SRC)
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_imports_only_run_down_the_layers() -> None:
    graph, _ = import_graph(SRC)
    assert upward_imports(graph, LAYERS) == []


def test_package_modules_are_imported_at_the_top() -> None:
    _, nested = import_graph(SRC)
    assert nested == []


# -- the test of the test ------------------------------------------------------------------------


def _write(root: Path, files: Mapping[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_a_synthetic_cycle_is_found(tmp_path: Path) -> None:
    root = _write(tmp_path, {
        "a.py": "from .b import thing\n",
        "b.py": "from typing import TYPE_CHECKING\nfrom . import c\nif TYPE_CHECKING:\n    from .a import x\n",
        "c.py": "def f():\n    from .a import thing\n",
        "d.py": "from .a import thing\n",
    })  # fmt: skip
    graph, nested = import_graph(root)
    assert graph == {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}  # the TYPE_CHECKING import is no edge
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert nested == ["c imports a inside a function (line 2)"]
    del graph["c"]
    assert find_cycle(graph) is None


def test_an_upward_import_is_found(tmp_path: Path) -> None:
    root = _write(tmp_path, {
        "low.py": "import os\nfrom .high import x\n",
        "high.py": "from .low import y\n",
        "pkg/__init__.py": "from .inner import z\n",
        "pkg/inner.py": "from ..low import y\nfrom .. import high\n",
    })  # fmt: skip
    graph, _ = import_graph(root)
    assert graph["pkg"] == {"pkg.inner"}
    assert graph["pkg.inner"] == {"low", "high"}
    layers = {"low": 0, "high": 1, "pkg": 0}
    assert upward_imports(graph, layers) == [
        "low (L0) imports high (L1)",
        "pkg.inner (L0) imports high (L1)",
    ]
    with pytest.raises(AssertionError, match="has no layer"):
        layer_of("elsewhere", layers)


def test_the_real_package_with_one_import_added_fails(tmp_path: Path) -> None:
    """The package as it is, but ``requests.py`` importing ``routing`` (which imports it back)."""
    copy = tmp_path / "genever"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("static", "__pycache__"))
    graph, _ = import_graph(copy)
    assert find_cycle(graph) is None and upward_imports(graph, LAYERS) == []
    requests = copy / "requests.py"
    future = "from __future__ import annotations\n"
    requests.write_text(requests.read_text().replace(future, future + "\nfrom . import routing\n", 1))
    graph, _ = import_graph(copy)
    cycle = find_cycle(graph)
    assert cycle is not None and "requests" in cycle and "routing" in cycle
    assert "requests (L2) imports routing (L4)" in upward_imports(graph, LAYERS)
