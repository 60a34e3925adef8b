"""The runner of an async handler without a body, generated from source when the route is compiled.

Calling the handler with a dict (``call(**kwargs)``) cost more than the rest of the
runner: the dict is built, then unpacked into a keyword call. Written out, the call
names its arguments (``call(request=request, pool=v0)``), one vectorcall, ~2,500
instructions less per request under CPython 3.11 (``benchmarks/instructions.py``; the
database suite's ``/db`` and ``/fortunes`` shapes). Each parameter's getter is called
in turn; the first invalid value hands the request to the simple runner, which reads
them all again to report every error (getters only read the request, so reading twice
changes nothing). The source is kept on the runner (``runner.source``) and in
``linecache``, so tracebacks through it show its lines.
"""

from __future__ import annotations

import itertools
import keyword
import linecache
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._app_scope import MISSING
from .._validation import Invalid
from ..responses import Response
from .nodes import Getter
from .params import request_getter
from .respond import returned

if TYPE_CHECKING:
    from ..requests import Request

_numbers = itertools.count()


def direct_runner(
    call: Callable[..., Any],
    getters: tuple[tuple[str, Getter], ...],
    slots: tuple[tuple[str | None, Any], ...],
    to_response: Callable[[Request, Any], Response],
    finishes: bool,
    label: str,
    collect_errors: Callable[[Request], Any],
) -> Callable[[Request], Any]:
    """``label``'s runner: each getter's value (the request itself for a ``Request`` parameter),
    then each slot's (made now if it was not yet), passed to ``call`` by name; the result turned
    into a response (see ``plan._compile`` for ``finishes``). ``collect_errors`` runs the request
    instead when a getter finds a value invalid."""
    for name in [name for name, _ in getters] + [name for name, _ in slots if name is not None]:
        # (a parameter's name always is one: only such names are ever written into the source)
        if not name.isidentifier() or keyword.iskeyword(name):
            raise ValueError(f"{label}: {name!r} is not a parameter name")
    namespace: dict[str, Any] = {
        "call": call,
        "Invalid": Invalid,
        "MISSING": MISSING,
        "Response": Response,
        "collect_errors": collect_errors,
        "returned": returned,
        "to_response": to_response,
    }
    lines = [f"async def run(request):  # {label!r}"]
    arguments = []
    reads = []
    for index, (name, get) in enumerate(getters):
        if get is request_getter:
            arguments.append(f"{name}=request")
        else:
            namespace[f"get{index}"] = get
            reads.append(f"        a{index} = get{index}(request)")
            arguments.append(f"{name}=a{index}")
    if reads:
        lines += ["    try:", *reads, "    except Invalid:", "        return await collect_errors(request)"]
    for index, (slot_name, slot) in enumerate(slots):
        namespace[f"slot{index}"] = slot
        lines += [
            f"    v{index} = slot{index}.value",
            f"    if v{index} is MISSING:  # not made at start-up (no lifespan, or an override set since)",
            f"        v{index} = await slot{index}.get()",
        ]
        if slot_name is not None:  # (a slot without a name, from dependencies=[...], is only made)
            arguments.append(f"{slot_name}=v{index}")
    lines += [
        f"    result = await call({', '.join(arguments)})",
        "    if isinstance(result, Response):",
        "        return returned(request, result)" if finishes else "        return result",
        "    return to_response(request, result)",
    ]
    source = "\n".join(lines) + "\n"
    filename = f"<genever runner {next(_numbers)}: {label}>"
    exec(compile(source, filename, "exec"), namespace)  # the source holds parameter names, nothing else
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    run: Callable[[Request], Any] = namespace["run"]
    run.source = source  # type: ignore[attr-defined]
    return run
