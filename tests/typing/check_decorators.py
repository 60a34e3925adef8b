"""Static typing checks (run by mypy in CI, not by pytest): decorators keep the function's
type and ``Depends`` in ``Annotated`` does not change the parameter's type."""

from collections.abc import Callable, Coroutine
from typing import Annotated, Any, assert_type

from genever import APIRouter, Depends, Genever

app = Genever()
router = APIRouter()


def dependency() -> int:
    return 1


@app.get("/a")
async def a(value: Annotated[int, Depends(dependency)]) -> str:
    assert_type(value, int)
    return str(value)


@app.get("/app-scoped")
async def app_scoped(value: Annotated[int, Depends(dependency, scope="app")]) -> int:
    assert_type(value, int)
    return value


@router.post("/b")
def b(x: int) -> list[int]:
    return [x]


assert_type(b(1), list[int])
coroutine_function: Callable[[int], Coroutine[Any, Any, str]] = a  # the decorator returned ``a`` unchanged
