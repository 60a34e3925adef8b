"""The route table: a segment tree with a static fast path.

Static templates live in a dict and resolve with one lookup. Templates with
parameters are split on ``/`` into a tree whose nodes try, in order: a static
child (dict), segments mixing text and parameters (regex), typed parameters
(``int``, ``float``, ``uuid``), a plain ``{param}``, then a ``{rest:path}``
catch-all — backtracking when a branch fails deeper down, so
``/users/me`` and ``/users/{id}`` both work whatever the order they were added.
Parameter names live on the leaves, so ``/users/{id}`` and
``/users/{user_id}/posts`` coexist; two templates of the same shape conflict.
"""

from __future__ import annotations

import re
from typing import Generic, TypeVar

from .paths import PARAM

T = TypeVar("T")

_CONVERTORS = {
    "str": "[^/]+",
    "int": "[0-9]+",
    "float": r"[0-9]+(?:\.[0-9]+)?",
    "uuid": "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
    "path": ".*",
}


class RouteConflictError(ValueError):
    """Two route templates that cannot coexist; the message names both."""


class Match(Generic[T]):
    __slots__ = ("params", "template", "value")

    def __init__(self, value: T, params: dict[str, str], template: str) -> None:
        self.value = value
        self.params = params
        self.template = template

    def __repr__(self) -> str:
        return f"Match({self.template!r}, {self.params!r})"


class _Leaf(Generic[T]):
    __slots__ = ("names", "template", "value")

    def __init__(self, value: T, template: str, names: tuple[str, ...]) -> None:
        self.value = value
        self.template = template
        self.names = names


class _Node(Generic[T]):
    __slots__ = ("catchall", "leaf", "param", "patterns", "static", "typed")

    def __init__(self) -> None:
        self.static: dict[str, _Node[T]] = {}
        self.patterns: list[tuple[str, re.Pattern[str], _Node[T]]] = []  # mixed segments, by shape
        self.typed: list[tuple[str, re.Pattern[str], _Node[T]]] = []  # {x:int} etc., by convertor
        self.param: _Node[T] | None = None
        self.catchall: _Leaf[T] | None = None
        self.leaf: _Leaf[T] | None = None


def _parse(template: str) -> tuple[list[tuple[str, str, str | None]], tuple[str, ...]]:
    """Split a template into (kind, key, regex) segments and the parameter names.

    kind is "static" (key: the text), "param", "typed" (key: convertor),
    "pattern" (key: the segment's shape) or "path".
    """
    if not template.startswith("/"):
        raise ValueError(f"route template {template!r} must start with '/'")
    if template.count("{") != template.count("}"):
        raise ValueError(f"route template {template!r} has unbalanced braces")
    segments: list[tuple[str, str, str | None]] = []
    names: list[str] = []
    parts = template[1:].split("/")
    for index, part in enumerate(parts):
        found = list(PARAM.finditer(part))
        if not found:
            if "{" in part or "}" in part:
                raise ValueError(f"route template {template!r} has a malformed segment {part!r}")
            segments.append(("static", part, None))
            continue
        regex = ""
        shape = ""
        position = 0
        for m in found:
            name, convertor = m.group(1), m.group(2) or "str"
            if not name.isidentifier():
                raise ValueError(f"route template {template!r}: bad parameter name {name!r}")
            if convertor not in _CONVERTORS:
                raise ValueError(f"route template {template!r}: unknown convertor {convertor!r}")
            if name in names:
                raise ValueError(f"route template {template!r} repeats the parameter {name!r}")
            names.append(name)
            literal = part[position : m.start()]
            if "{" in literal or "}" in literal:
                raise ValueError(f"route template {template!r} has a malformed segment {part!r}")
            regex += re.escape(literal) + f"({_CONVERTORS[convertor]})"
            shape += literal + "{" + convertor + "}"
            position = m.end()
        tail = part[position:]
        if "{" in tail or "}" in tail:
            raise ValueError(f"route template {template!r} has a malformed segment {part!r}")
        single = len(found) == 1 and found[0].start() == 0 and found[0].end() == len(part)
        convertor = found[0].group(2) or "str"
        if convertor == "path" or any((m.group(2) or "") == "path" for m in found):
            if not single or index != len(parts) - 1:
                raise ValueError(
                    f"route template {template!r}: a {{name:path}} parameter must be the whole last segment"
                )
            segments.append(("path", "path", None))
        elif single and convertor == "str":
            segments.append(("param", "str", None))
        elif single:
            segments.append(("typed", convertor, _CONVERTORS[convertor]))
        else:
            segments.append(("pattern", shape + tail, regex + re.escape(tail)))
    return segments, tuple(names)


class Tree(Generic[T]):
    """Route templates → values; ``lookup(path)`` gives the value and the raw captured parameters."""

    def __init__(self) -> None:
        self._static: dict[str, _Leaf[T]] = {}
        self._root: _Node[T] = _Node()
        self._templates: list[str] = []

    def templates(self) -> list[str]:
        return list(self._templates)

    def add(self, template: str, value: T) -> None:
        segments, names = _parse(template)
        leaf = _Leaf(value, template, names)
        if not names:
            existing = self._static.get(template)
            if existing is not None:
                raise RouteConflictError(
                    f"route {template!r} conflicts with {existing.template!r}: it is declared twice"
                )
            self._static[template] = leaf
            self._templates.append(template)
            return
        node = self._root
        for kind, key, regex in segments:
            if kind == "static":
                node = node.static.setdefault(key, _Node())
            elif kind == "param":
                if node.param is None:
                    node.param = _Node()
                node = node.param
            elif kind in ("typed", "pattern"):
                table = node.typed if kind == "typed" else node.patterns
                for shape, _, child in table:
                    if shape == key:
                        node = child
                        break
                else:
                    child = _Node()
                    assert regex is not None
                    table.append((key, re.compile(regex), child))
                    node = child
            else:  # path catch-all: a leaf of its own
                if node.catchall is not None:
                    raise self._conflict(template, node.catchall.template)
                node.catchall = leaf
                self._templates.append(template)
                return
        if node.leaf is not None:
            raise self._conflict(template, node.leaf.template)
        node.leaf = leaf
        self._templates.append(template)

    @staticmethod
    def _conflict(new: str, old: str) -> RouteConflictError:
        return RouteConflictError(f"route {new!r} conflicts with {old!r}: they match the same paths")

    def lookup(self, path: str) -> Match[T] | None:
        leaf = self._static.get(path)
        if leaf is not None:
            return Match(leaf.value, {}, leaf.template)
        if not path.startswith("/"):
            return None
        segments = path[1:].split("/")
        captures: list[str] = []
        # PERF: first walk the tree greedily (static child, else a plain {param} where no
        # higher-priority kind exists). That is the branch the backtracking search tries
        # first, so when it ends on a route it is the search's answer, found without recursion.
        node = self._root
        for segment in segments:
            child = node.static.get(segment)
            if child is None:
                child = node.param
                if child is None or not segment or node.patterns or node.typed:
                    break
                captures.append(segment)
            node = child
        else:
            leaf = node.leaf
            if leaf is not None:
                return Match(leaf.value, dict(zip(leaf.names, captures)), leaf.template)  # noqa: B905 - same length
        captures.clear()
        found = _match(self._root, segments, 0, captures, path)
        if found is None:
            return None
        return Match(found.value, dict(zip(found.names, captures, strict=True)), found.template)


def _match(node: _Node[T], segments: list[str], index: int, captures: list[str], path: str) -> _Leaf[T] | None:
    if index == len(segments):
        # "/files/{rest:path}" does not match "/files" (as in Starlette; "/files/" does, with
        # rest "", and the not-found path redirects there)
        return node.leaf
    segment = segments[index]
    child = node.static.get(segment)
    if child is not None:
        found = _match(child, segments, index + 1, captures, path)
        if found is not None:
            return found
    mark = len(captures)
    for _, regex, child in node.patterns:
        m = regex.fullmatch(segment)
        if m is not None:
            captures.extend(m.groups())
            found = _match(child, segments, index + 1, captures, path)
            if found is not None:
                return found
            del captures[mark:]
    for _, regex, child in node.typed:
        if regex.fullmatch(segment):
            captures.append(segment)
            found = _match(child, segments, index + 1, captures, path)
            if found is not None:
                return found
            del captures[mark:]
    if node.param is not None and segment:
        captures.append(segment)
        found = _match(node.param, segments, index + 1, captures, path)
        if found is not None:
            return found
        del captures[mark:]
    if node.catchall is not None:
        captures.append("/".join(segments[index:]))
        return node.catchall
    return None
