"""Dependencies with ``yield``: entering them, and the code after ``yield`` (exits), last
entered first, with the handler's exception thrown in.

Exits are shielded from cancellation, as FastAPI shields them: asyncio cancels a
task once, but anyio's cancel scopes (a task group, ``move_on_after``, a test's
``CancelScope``) cancel it again at every ``await`` until the scope exits, so the
``await`` in a ``finally`` after ``yield`` (closing a connection, a task group)
would be cut short. When the request's task runs inside an anyio cancel scope
(``concurrency._anyio_scoped``: in tests, under anyio task groups, Starlette's
``BaseHTTPMiddleware``; not under Granian's RSGI, where it is not even asked, or
a plain uvicorn, whose request tasks asyncio cancels once at most), the first
async generator of a request enters one ``CancelScope`` (before the generator, so
that the scopes the generator opens nest inside it) that is shielded only while
an exit runs; a cancellation still pending when an exit ends is raised right
after it, as in FastAPI. A sync generator's exit runs in a worker thread under a
shield of its own. Routes without ``yield`` dependencies never reach this code.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from .. import concurrency as _concurrency
from ..concurrency import _anyio_scoped, _run_to_completion, run_in_threadpool
from ..exceptions import DependencyExitError
from .nodes import ASYNC_GEN, Node

if TYPE_CHECKING:
    from ..requests import Request

# the kind of a ``request._cleanup`` entry: True an async generator, False a sync one,
# None the request's cleanup scope (always the first entry)
_SCOPE = None


async def enter_generator(request: Request, node: Node, kwargs: dict[str, Any]) -> Any:
    cleanup = request._cleanup
    if cleanup is None:
        cleanup = request._cleanup = []
    if node.kind == ASYNC_GEN:
        if request._in_anyio_scope and (not cleanup or cleanup[0][0] is not _SCOPE):
            # PERF: anyio's table of the tasks its scopes hold (None: not seen yet), when empty,
            # answers "not held" without a call (~1,400 instructions); see concurrency._anyio_scoped
            held = _concurrency._anyio_tasks
            anyio = _anyio_scoped() if held is None or held is False or held else None
            if anyio is not None:
                scope = anyio.CancelScope()
                scope.__enter__()
                cleanup.insert(0, (_SCOPE, scope, False))
        agen = node.call(**kwargs)
        value = await agen.__anext__()
        cleanup.append((True, agen, node.function_scope))
        return value
    gen = await run_in_threadpool(node.call, **kwargs)
    value = await run_in_threadpool(next, gen)
    cleanup.append((False, gen, node.function_scope))
    return value


async def close_function_scope(request: Request) -> None:
    """Close the ``scope="function"`` generators now that the handler returned (before the response)."""
    cleanup = request._cleanup or []
    scope = cleanup[:1] if cleanup and cleanup[0][0] is _SCOPE else []
    request._cleanup = scope + [entry for entry in cleanup if entry[2]]
    try:
        await close_generators(request, None, keep_scope=True)
    finally:
        request._cleanup = [entry for entry in cleanup if not entry[2]]  # the scope's entry among them


async def close_generators(
    request: Request, exc: BaseException | None, function_first: bool = False, keep_scope: bool = False
) -> None:
    """Run the code after ``yield`` of every entered generator, last entered first.

    With ``exc`` set, it is thrown in at each ``yield`` (so ``try/except``
    around ``yield`` sees it); whatever a generator raises replaces it for
    the generators entered before it. The final exception, if any, is raised.
    ``function_first``: the route has ``scope="function"`` generators, which close
    before the others, as FastAPI's two exit stacks do (on an error before they closed).
    ``keep_scope``: the request's cleanup scope stays entered (more exits follow).
    """
    cleanup = request._cleanup
    request._cleanup = None
    if not cleanup:
        if exc is not None:
            raise exc
        return
    if function_first:
        cleanup = [entry for entry in cleanup if not entry[2]] + [entry for entry in cleanup if entry[2]]
    scope = None
    if cleanup[0][0] is _SCOPE:
        scope = cleanup[0][1]
        cleanup = cleanup[1:]
    current = exc
    try:
        for is_async, gen, _ in reversed(cleanup):
            try:
                if is_async:
                    if scope is not None:
                        shielded = scope.shield
                        scope.shield = True
                        try:
                            await _resume_async(gen, current)
                        finally:
                            scope.shield = shielded
                    elif current is None:  # PERF: the common case inline, no coroutine of its own
                        await gen.__anext__()
                    else:
                        await gen.athrow(current)
                elif await (_run_to_completion if request._in_anyio_scope else run_in_threadpool)(
                    _resume_sync, gen, current
                ):
                    raise StopIteration
            except (StopAsyncIteration, StopIteration):
                current = None if current is None else _Swallowed(current)
                if scope is not None and is_async:
                    try:  # a cancellation that arrived while the exit was shielded
                        await sys.modules["anyio"].lowlevel.checkpoint_if_cancelled()
                    except BaseException as cancelled:
                        current = cancelled
                continue
            except BaseException as raised:
                current = raised
                continue
            current = DependencyExitError(f"dependency {gen!r} yielded more than once")
        if isinstance(current, _Swallowed):
            raise DependencyExitError(
                "no response could be built: the application code is raising an exception and a dependency with "
                "yield caught it without raising it again (a bare except, or except Exception); re-raise it (or "
                "raise an HTTPException) in the except block"
            ) from current.original
        if current is not None:
            raise current
    except BaseException as raised:
        if scope is not None and not keep_scope and scope.__exit__(type(raised), raised, raised.__traceback__):
            return
        raise
    if scope is not None and not keep_scope:
        scope.__exit__(None, None, None)


async def _resume_async(gen: Any, exc: BaseException | None) -> None:
    if exc is None:
        await gen.__anext__()
    else:
        await gen.athrow(exc)


def _resume_sync(gen: Any, exc: BaseException | None) -> bool:
    """Resume a sync generator dependency after its ``yield``; True when it finished.

    PERF/correctness: ``StopIteration`` cannot cross a thread-pool future, so
    it is turned into a return value here, inside the worker thread.
    """
    try:
        if exc is None:
            next(gen)
        else:
            gen.throw(exc)
    except StopIteration:
        return True
    return False


class _Swallowed(Exception):
    def __init__(self, original: BaseException) -> None:
        super().__init__(original)
        self.original = original
