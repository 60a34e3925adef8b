"""What a handler can return, read from its source at start-up.

A handler such as ``return {"message": "Hello, World!"}`` or ``return {"id":
user_id, "name": f"user-{user_id}"}`` (``user_id: int``) can only return JSON
data made of strings, numbers, booleans and None, which FastAPI's two ways of
writing a value (``jsonable_encoder``, pydantic's JSON mode) and msgspec all
write the same. ``returns_plain_json`` proves that from the ``return``
statements, so such a route's value goes straight to msgspec with no check per
request (``_serialize.py``). Anything it cannot prove (a name it does not know,
a call, a handler without source) is "not plain", and the value is checked.
"""

from __future__ import annotations

import ast
import functools
import inspect
import linecache
import types
import typing
from collections.abc import Callable
from typing import Any, Literal

from .params import Depends

_SCALAR_TYPES = (str, int, float, bool, type(None))

Shape = Literal["dict", "list"]


def _scalar_annotation(annotation: Any) -> bool:
    """``int``, ``str``, ``float``, ``bool``, optionally ``| None``, optionally ``Annotated``."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return all(_scalar_annotation(arg) for arg in typing.get_args(annotation))
    return annotation in _SCALAR_TYPES


class _Proof:
    def __init__(self, scalars: set[str]) -> None:
        self.scalars = scalars  # parameters known to hold a JSON scalar

    def scalar(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Constant):
            return type(node.value) in _SCALAR_TYPES
        if isinstance(node, ast.JoinedStr):  # an f-string
            return True
        if isinstance(node, ast.Name):
            return node.id in self.scalars
        if isinstance(node, ast.IfExp):
            return self.scalar(node.body) and self.scalar(node.orelse)
        return isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)  # a bool

    def kind(self, node: ast.expr | None) -> str | None:
        """"dict", "list" or "scalar" when ``node`` builds plain JSON data of that kind, else None."""
        if node is None:
            return "scalar"  # a bare return: None
        shape = self.shape(node)
        if shape is not None:
            return shape
        return "scalar" if self.scalar(node) else None

    def value(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Dict):
            return self.shape(node) == "dict"
        if isinstance(node, ast.List | ast.Tuple):
            return self.shape(node) == "list"
        return self.scalar(node)

    def shape(self, node: ast.expr | None) -> Shape | None:
        """"dict" or "list" when ``node`` builds plain JSON data of that shape, else None."""
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                    return None  # a ** spread, or a key that is not a plain string
                if key.value.startswith("_sa"):  # jsonable_encoder drops these keys
                    return None
                if not self.value(value):
                    return None
            return "dict"
        if isinstance(node, ast.List | ast.Tuple):
            return "list" if all(self.value(item) for item in node.elts) else None
        return None


@functools.lru_cache(maxsize=256)
def _functions_of(filename: str) -> dict[tuple[str, int], ast.FunctionDef | ast.AsyncFunctionDef]:
    """The functions defined in a source file, by (name, first line): each file is parsed once
    (``inspect.getsource`` per function would read and tokenize it again for every route)."""
    source = "".join(linecache.getlines(filename))
    for attempt in range(3):
        try:
            tree = ast.parse(source)
            break
        except (SyntaxError, ValueError):
            return {}
        except SystemError:
            # CPython 3.11: "AST constructor recursion depth mismatch" when another thread builds an
            # AST at the same moment (its traceback module parses source lines to place carets):
            # the counter is shared; parsing again succeeds, and failing that nothing is proved
            if attempt == 2:
                return {}
    found: dict[tuple[str, int], ast.FunctionDef | ast.AsyncFunctionDef] = {}
    statements: list[ast.AST] = list(tree.body)
    while statements:  # statements only: a function is defined by one, never inside an expression
        node = statements.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
            found[(node.name, first)] = node
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            statements.extend(child for child in getattr(node, field, ()) if isinstance(child, ast.AST))
    return found


def _function_node(endpoint: Callable[..., Any]) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    code = getattr(endpoint, "__code__", None)
    if code is None or code.co_name == "<lambda>":
        return None
    return _functions_of(code.co_filename).get((code.co_name, code.co_firstlineno))


def _own_nodes(function: ast.AST) -> list[ast.AST]:
    """The nodes of ``function``'s body, not those of functions or classes nested in it."""
    found: list[ast.AST] = []
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue
        found.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return found


def returned_shape(endpoint: Callable[..., Any], overrides: Any = None) -> Shape | None:
    """The shape ("dict" or "list") every ``return`` of ``endpoint`` gives, when each returns plain
    JSON data of that shape (see the module's docstring); None when that cannot be proved.
    ``overrides``: the app's ``dependency_overrides`` (a dependency's value counts when its own
    returns are proved to be scalars)."""
    kind = _returned_kind(endpoint, overrides or {}, 0)
    if kind == "dict":
        return "dict"
    return "list" if kind == "list" else None


def _depends_of(name: str, annotation: Any, default: Any) -> Any:
    """The ``Depends`` declared for a parameter (in ``Annotated`` or as its default), or None."""
    if isinstance(default, Depends):
        return default
    if typing.get_origin(annotation) is typing.Annotated:
        for item in typing.get_args(annotation)[1:]:
            if isinstance(item, Depends):
                return item
    return None


def _trusted_scalars(endpoint: Callable[..., Any], hints: dict[str, Any], overrides: Any, depth: int) -> set[str]:
    """The parameters sure to hold a JSON scalar: validated as one (no default of another type), or
    given by a dependency whose returns are proved to be scalars."""
    trusted = set()
    for name, parameter in inspect.signature(endpoint).parameters.items():
        annotation = hints.get(name)
        default = parameter.default
        depends = _depends_of(name, annotation, default)
        if depends is not None:
            call = depends.dependency
            if call is None or depth >= 4:
                continue
            call = overrides.get(call, call)
            if _returned_kind(call, overrides, depth + 1) == "scalar":
                trusted.add(name)
            continue
        if default is not inspect.Parameter.empty and type(default) not in _SCALAR_TYPES:
            continue  # Query(...) or a default of another type: not proved
        if _scalar_annotation(annotation):
            trusted.add(name)
    return trusted


def _returned_kind(endpoint: Callable[..., Any], overrides: Any, depth: int) -> str | None:
    if hasattr(endpoint, "__wrapped__"):  # a decorator's wrapper may return something else
        return None
    if inspect.isgeneratorfunction(endpoint) or inspect.isasyncgenfunction(endpoint):
        return None
    function = _function_node(endpoint)
    if function is None:
        return None
    try:
        hints = typing.get_type_hints(endpoint, include_extras=True)
        scalars = _trusted_scalars(endpoint, hints, overrides, depth)
    except (TypeError, NameError, ValueError):
        return None
    body = _own_nodes(function)
    if any(isinstance(n, ast.Global | ast.Nonlocal | ast.Yield | ast.YieldFrom) for n in body):
        return None
    assigned = {n.id for n in body if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    proof = _Proof(scalars - assigned)
    returns = [n for n in body if isinstance(n, ast.Return)]
    kinds = {proof.kind(n.value) for n in returns}
    if not returns or len(kinds) != 1:
        return None  # falls off the end only, several kinds, or one that is not plain
    return kinds.pop()
