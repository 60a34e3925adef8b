"""Jinja2 templates that render the same text in less time: what ``Jinja2Templates`` loads.

Profiled on the database suite's /fortunes page (13 rows, autoescaped), Jinja2's
own rendering spent most of its instructions in two places that do not shape
the output:

- ``markupsafe.escape`` wraps every value it escapes in ``Markup`` (a Python
  ``__new__`` per ``{{ value }}``), and the compiled template joins the pieces
  into one ``str`` right away, so the wrapper is thrown away unread;
- ``Template.new_context`` copies the globals (a ``ChainMap`` of the
  environment's and the template's) key by key through ``ChainMap``'s Python
  methods, twice (the parent dict, then the set of global names).

``FastTemplate`` keeps Jinja2's compiler, runtime and semantics and changes
only those two: its module's ``escape`` returns the escaped text as a plain
``str`` (the same characters markupsafe produces), and its contexts are made
from the ``ChainMap``'s dicts with C-level ``dict.update``. Globals are still
read at every render (a change to ``env.globals`` shows on the next page).

``FastCodeGenerator`` then writes each autoescaped ``{{ value }}`` so that a
``str`` or an ``int`` (nearly every value a page writes) is written without a
Python call: a ``str`` goes straight to markupsafe's C escaper, an ``int``'s
digits need no escaping; ``escape(value)`` becomes
``(_escape_str(v) if (t := type(v := value)) is str else str(v) if t is int else escape(v))``.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

import jinja2
import jinja2.compiler
import jinja2.runtime
import markupsafe
from jinja2 import nodes

# markupsafe >= 3.0: the (C) escaper of one str, without the Markup wrapper; 2.x has none (its escape
# is all C already) and keeps its own
_escape_inner: Callable[[str], str] | None = getattr(markupsafe, "_escape_inner", None)


def escape_output(value: Any, /) -> str:
    """``str(markupsafe.escape(value))``: the text a ``{{ value }}`` writes when autoescaping."""
    cls = type(value)
    if cls is str:
        return _escape_inner(value)  # type: ignore[misc]
    if cls is int:  # PERF: an int's digits and sign need no escaping
        return str(value)
    if hasattr(value, "__html__"):  # Markup and other HTML-safe objects, as markupsafe.escape
        return str(value.__html__())
    return _escape_inner(str(value))  # type: ignore[misc]


class FastTemplate(jinja2.Template):
    """A ``jinja2.Template`` with a cheaper escape and context (see the module docstring)."""

    @classmethod
    def _from_namespace(
        cls, environment: jinja2.Environment, namespace: MutableMapping[str, Any], globals: MutableMapping[str, Any]
    ) -> jinja2.Template:
        # the compiled module looks `escape` up as a global at each output: swap it for the plain-str
        # escaper, only where it is markupsafe's own (an extension may have put its own there)
        if _escape_inner is not None and namespace.get("escape") is markupsafe.escape:
            namespace["escape"] = escape_output
        return super()._from_namespace(environment, namespace, globals)

    def render_owned(self, context: dict[str, Any]) -> str:
        """``render(context)``, for a caller that hands over a dict of its own: not copied again."""
        environment = self.environment
        if environment.is_async:
            return self.render(context)
        try:
            return environment.concat(self.root_render_func(self.new_context(context)))
        except Exception:
            environment.handle_exception()

    def new_context(
        self,
        vars: dict[str, Any] | None = None,
        shared: bool = False,
        locals: Mapping[str, Any] | None = None,
    ) -> jinja2.runtime.Context:
        globals = self.globals
        if shared or locals or type(globals) is not ChainMap:  # includes, imports, odd globals: Jinja2's way
            return super().new_context(vars, shared, locals)
        # PERF: the ChainMap's dicts merged in C, lowest priority first (what dict(ChainMap) gives)
        parent: dict[str, Any] = {}
        for scope in reversed(globals.maps):
            parent.update(scope)
        names = set(parent)
        if vars:
            parent.update(vars)
        environment = self.environment
        context = environment.context_class(environment, parent, self.name, self.blocks)
        context.globals_keys = names
        return context


class FastCodeGenerator(jinja2.compiler.CodeGenerator):
    """Jinja2's compiler, writing an autoescaped output's ``str`` case inline (see the module docstring)."""

    def visit_Template(self, node: nodes.Template, frame: jinja2.compiler.Frame | None = None) -> None:
        super().visit_Template(node, frame)
        # the module's own name for the escaper (module code runs before any render): the compiled
        # code stays self-contained, whatever template class or bytecode cache later runs it
        self.writeline(f"from markupsafe import _escape_inner as {_ESCAPE_STR}")

    def _inline(self, frame: jinja2.compiler.Frame, finalize: Any) -> bool:
        # a plain autoescaped output: not where {% autoescape %} decides at run time, nor with a finalize
        return not frame.eval_ctx.volatile and bool(frame.eval_ctx.autoescape) and finalize.src is None

    def _output_child_pre(self, node: nodes.Expr, frame: jinja2.compiler.Frame, finalize: Any) -> None:
        if self._inline(frame, finalize):
            self.write(f"({_ESCAPE_STR}({_VALUE}) if ({_TYPE} := type({_VALUE} := ")
        else:
            super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node: nodes.Expr, frame: jinja2.compiler.Frame, finalize: Any) -> None:
        if self._inline(frame, finalize):
            self.write(f")) is str else str({_VALUE}) if {_TYPE} is int else escape({_VALUE}))")
        else:
            super()._output_child_post(node, frame, finalize)


# names in the compiled modules (Jinja2's own names are l_*, t_*, and its runtime's exports)
_ESCAPE_STR = "_genever_escape_str"
_VALUE = "_genever_value"
_TYPE = "_genever_type"


def use_fast_templates(env: jinja2.Environment) -> None:
    """Have ``env`` load ``FastTemplate``s, unless it was given a template class of its own."""
    if env.template_class is jinja2.Template:
        env.template_class = FastTemplate
        if _escape_inner is not None and env.code_generator_class is jinja2.compiler.CodeGenerator:
            env.code_generator_class = FastCodeGenerator
        if env.cache:  # templates loaded already are jinja2.Templates: load them again
            env.cache.clear()
