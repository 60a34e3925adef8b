"""Dependencies with ``yield``: entering them, and the code after ``yield`` (exits), last
entered first, with the handler's exception thrown in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..concurrency import run_in_threadpool
from ..exceptions import DependencyExitError
from .nodes import ASYNC_GEN, Node

if TYPE_CHECKING:
    from ..requests import Request


async def enter_generator(request: Request, node: Node, kwargs: dict[str, Any]) -> Any:
    if request._cleanup is None:
        request._cleanup = []
    if node.kind == ASYNC_GEN:
        agen = node.call(**kwargs)
        value = await agen.__anext__()
        request._cleanup.append((True, agen, node.function_scope))
        return value
    gen = await run_in_threadpool(node.call, **kwargs)
    value = await run_in_threadpool(next, gen)
    request._cleanup.append((False, gen, node.function_scope))
    return value


async def close_function_scope(request: Request) -> None:
    """Close the ``scope="function"`` generators now that the handler returned (before the response)."""
    cleanup = request._cleanup or []
    request._cleanup = [entry for entry in cleanup if entry[2]]
    try:
        await close_generators(request, None)
    finally:
        request._cleanup = [entry for entry in cleanup if not entry[2]]


async def close_generators(request: Request, exc: BaseException | None) -> None:
    """Run the code after ``yield`` of every entered generator, last entered first.

    With ``exc`` set, it is thrown in at each ``yield`` (so ``try/except``
    around ``yield`` sees it); whatever a generator raises replaces it for
    the generators entered before it. The final exception, if any, is raised.
    """
    cleanup = request._cleanup
    request._cleanup = None
    if not cleanup:
        if exc is not None:
            raise exc
        return
    current = exc
    for is_async, gen, _ in reversed(cleanup):
        try:
            if is_async:
                if current is None:
                    await gen.__anext__()
                else:
                    await gen.athrow(current)
            elif await run_in_threadpool(_resume_sync, gen, current):
                raise StopIteration
        except (StopAsyncIteration, StopIteration):
            current = None if current is None else _Swallowed(current)
            continue
        except BaseException as raised:
            current = raised
            continue
        current = DependencyExitError(f"dependency {gen!r} yielded more than once")
    if isinstance(current, _Swallowed):
        raise DependencyExitError(
            "no response could be built: the handler raised an exception and a dependency with yield "
            "caught it without re-raising it (a bare except, or except Exception); re-raise it (or raise "
            "an HTTPException) in the except block"
        ) from current.original
    if current is not None:
        raise current


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
