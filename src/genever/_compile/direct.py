"""The runner of an async handler that takes nothing but the request and app-scoped values,
generated from source when the route is compiled.

Such a handler has nothing to validate, so its runner only reads the slots and calls it.
Calling it with a dict (``call(**kwargs)``) costs more than all the rest: the dict is built,
then unpacked into a keyword call. Written out, the call names its arguments
(``call(request=request, pool=v0)``), one vectorcall, ~2,500 instructions less per request
under CPython 3.11 (``benchmarks/instructions.py``, the database suite's ``/db`` and
``/fortunes`` shapes). The source is kept on the runner (``runner.source``) and in
``linecache``, so tracebacks through it show its lines.
"""

from __future__ import annotations

import itertools
import linecache
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._app_scope import MISSING
from ..responses import Response
from .respond import returned

if TYPE_CHECKING:
    from ..requests import Request

_numbers = itertools.count()


def direct_runner(
    call: Callable[..., Any],
    request_name: str | None,
    slots: tuple[tuple[str | None, Any], ...],
    to_response: Callable[[Request, Any], Response],
    finishes: bool,
    label: str,
) -> Callable[[Request], Any]:
    """``label``'s runner: reads each slot (made now if it was not yet), calls ``call`` with the
    request under ``request_name`` and each named slot's value under its name, and turns the
    result into a response (see ``plan._compile`` for ``finishes``)."""
    namespace: dict[str, Any] = {
        "call": call,
        "MISSING": MISSING,
        "Response": Response,
        "returned": returned,
        "to_response": to_response,
    }
    names = [name for name, _ in slots if name is not None]
    for name in [request_name, *names]:
        if name is not None and not name.isidentifier():  # (a parameter's name always is)
            raise ValueError(f"{label}: {name!r} is not a parameter name")
    lines = [f"async def run(request):  # {label!r}"]
    arguments = [] if request_name is None else [f"{request_name}=request"]
    for index, (name, slot) in enumerate(slots):
        namespace[f"slot{index}"] = slot
        lines += [
            f"    v{index} = slot{index}.value",
            f"    if v{index} is MISSING:  # not made at start-up (no lifespan, or an override set since)",
            f"        v{index} = await slot{index}.get()",
        ]
        if name is not None:  # (a slot without a name, from dependencies=[...], is only made)
            arguments.append(f"{name}=v{index}")
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
