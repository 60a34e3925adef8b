"""Fuzzing the route tree (``genever._router``) against a naive matcher.

Random route tables are built from the segment kinds the tree knows (static text,
``{p}``, ``{p:int}``, ``{p:float}``, ``{p:uuid}``, mixed segments such as
``{a}-{b}.json``, a trailing ``{rest:path}``); the naive matcher compiles each
template to one regular expression, as Starlette does, and tries them all. For any
path: the tree finds a route exactly when some template matches, the route it finds
is one that matches with the same parameters, and no matching template outranks it
(segment by segment: static, mixed, typed, plain parameter, catch-all; siblings of one
kind in the order they were declared).
"""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from genever._router import RouteConflictError, Tree
from genever._router.paths import PARAM as _PARAM
from genever._router.tree import _CONVERTORS
from tests.fuzz._support import FUZZ, corpus

_TEXT = ["a", "b", "me", "1", "12", "1.5", "x.json", ""]
_UUID = "12345678-1234-1234-1234-123456789abc"


@st.composite
def templates(draw: st.DrawFn) -> str:
    count = draw(st.integers(1, 4))
    parts: list[str] = []
    for index in range(count):
        n = len(parts)
        kind = draw(st.sampled_from(["static", "static", "param", "int", "float", "uuid", "mixed", "path"]))
        if kind == "path" and index == count - 1:
            parts.append(f"{{r{n}:path}}")
        elif kind in ("int", "float", "uuid"):
            parts.append(f"{{p{n}:{kind}}}")
        elif kind == "param":
            parts.append(f"{{p{n}}}")
        elif kind == "mixed":
            parts.append(draw(st.sampled_from([f"{{p{n}}}-{{q{n}}}.json", f"v{{p{n}}}", f"{{p{n}:int}}.txt"])))
        else:
            parts.append(draw(st.sampled_from(_TEXT)))
    return "/" + "/".join(parts)


segment = st.one_of(st.sampled_from([*_TEXT, _UUID, "2-3.json", "v1", "7.txt", "%2F", "..", "é"]), st.text(max_size=4))
paths = st.one_of(st.lists(segment, max_size=5).map(lambda s: "/" + "/".join(s)), st.text(max_size=12))

_RANK = {"static": 0, "pattern": 1, "typed": 2, "param": 3, "path": 4}


def _shape(part: str) -> tuple[str, str]:
    """A segment's kind and the key the tree files it under (parameter names left out)."""
    found = list(_PARAM.finditer(part))
    if not found:
        return "static", part
    if len(found) == 1 and found[0].group(0) == part:
        convertor = found[0].group(2) or "str"
        return ("path" if convertor == "path" else "param" if convertor == "str" else "typed"), convertor
    return "pattern", _PARAM.sub(lambda m: "{" + (m.group(2) or "str") + "}", part)


def _regex(template: str) -> re.Pattern[str]:
    """The template as one anchored regex, Starlette's way (but see DOTALL)."""
    regex = ""
    for part in template[1:].split("/"):
        position = 0
        regex += "/"
        for m in _PARAM.finditer(part):
            regex += re.escape(part[position : m.start()]) + f"({_CONVERTORS[m.group(2) or 'str']})"
            position = m.end()
        regex += re.escape(part[position:])
    # DOTALL: a catch-all takes a newline (%0A) too; Starlette's ".*" does not, an accident
    return re.compile(regex, re.DOTALL)


def _ranks(added: list[str]) -> dict[str, tuple[tuple[int, int], ...]]:
    """Each template's priority, segment by segment: (kind's rank, order of declaration among
    the siblings of that kind: two typed or two mixed segments at one place are tried in
    the order they were declared). The smallest matching template is the one to win."""
    siblings: dict[tuple[tuple[tuple[str, str], ...], str], list[str]] = {}
    ranks = {}
    for template in added:
        shapes = [_shape(part) for part in template[1:].split("/")]
        key = []
        for index, (kind, name) in enumerate(shapes):
            order = siblings.setdefault((tuple(shapes[:index]), kind), [])
            if name not in order:
                order.append(name)
            key.append((_RANK[kind], order.index(name)))
        ranks[template] = tuple(key)
    return ranks


@FUZZ
@given(st.lists(templates(), min_size=1, max_size=12), st.lists(paths, min_size=1, max_size=8))
def test_tree_agrees_with_a_naive_matcher(table: list[str], probes: list[str]) -> None:
    tree: Tree[str] = Tree()
    added: list[str] = []
    for template in table:
        try:
            tree.add(template, template)
        except RouteConflictError:
            continue
        added.append(template)
    naive = {template: _regex(template) for template in added}
    ranks = _ranks(added)
    # the paths of the templates themselves, filled in, are the interesting ones
    filled = [re.sub(r"{[^}]*}", "1", t) for t in added] + [re.sub(r"{[^}]*}", _UUID, t) for t in added]
    for path in [*probes, *filled, *(p.decode() for p in corpus("paths"))]:
        found = tree.lookup(path)
        matching = {t: m for t, regex in naive.items() if (m := regex.fullmatch(path)) is not None}
        if not matching:
            assert found is None, (path, found)
            continue
        assert found is not None, (path, sorted(matching))
        assert found.template in matching, (path, found.template, sorted(matching))
        names = [m.group(1) for m in _PARAM.finditer(found.template)]
        assert found.params == dict(zip(names, matching[found.template].groups(), strict=True))
        best = min(ranks[t] for t in matching)
        assert ranks[found.template] == best, (path, found.template, sorted(matching))
