"""``validate_default=True`` on Query, Header, Cookie, Form and embedded Body parameters,
differential: an absent parameter's default goes through the validators, as in FastAPI."""

from typing import Annotated, Any

import fastapi
import fastapi.testclient
import pytest
from pydantic import AfterValidator, BeforeValidator

import genever
import genever.testclient

Doubled = Annotated[int, BeforeValidator(lambda v: 0 if v is None else v), AfterValidator(lambda v: v * 2)]
KINDS = ["Query", "Header", "Cookie", "Form", "Body"]


def build(fw: Any, kind: str, default: int | None, check: bool) -> Any:
    app = (getattr(fw, "Genever", None) or fw.FastAPI)()
    marker = getattr(fw, kind)(validate_default=check, **({"embed": True} if kind == "Body" else {}))

    @app.post("/")
    def read(value: Annotated[Doubled, marker] = default) -> Any:  # type: ignore[assignment]
        return value

    return app


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("default", [None, 10])
@pytest.mark.parametrize("check", [True, False])
def test_same_default(kind: str, default: int | None, check: bool) -> None:
    kwargs: dict[str, Any] = {"json": {}} if kind == "Body" else {}
    expected = fastapi.testclient.TestClient(build(fastapi, kind, default, check)).post("/", **kwargs)
    got = genever.testclient.TestClient(build(genever, kind, default, check)).post("/", **kwargs)
    assert (got.status_code, got.json()) == (expected.status_code, expected.json())
    if check:
        assert got.json() == (0 if default is None else 20)
