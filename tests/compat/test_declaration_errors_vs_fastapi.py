"""Mis-declared parameters, differential: FastAPI reports them with ``assert`` (an
``AssertionError``), genever with a ``ConfigurationError`` naming the route and the
parameter; the latter is also an ``AssertionError``, so the same ``except`` catches
both, and the text keeps FastAPI's sentence beside genever's route and fix.
"""

from typing import Any

import fastapi
import pytest
from pydantic import BaseModel

import genever
from genever.exceptions import ConfigurationError


class Item(BaseModel):
    title: str


def path_list(fw: Any) -> None:
    app = (getattr(fw, "Genever", None) or fw.FastAPI)()

    @app.get("/items/{id}")
    def read_items(id: list[Item]) -> None: ...


def path_dict(fw: Any) -> None:
    app = (getattr(fw, "Genever", None) or fw.FastAPI)()

    @app.get("/items/{id}")
    def read_items(id: dict) -> None:  # type: ignore[type-arg]
        ...


def query_models(fw: Any) -> None:
    app = (getattr(fw, "Genever", None) or fw.FastAPI)()

    @app.get("/items/")
    def read_items(q: list[Item] = fw.Query(default=None)) -> None: ...


def query_dict(fw: Any) -> None:
    app = (getattr(fw, "Genever", None) or fw.FastAPI)()

    @app.get("/items/")
    def read_items(q: dict[str, Item] = fw.Query(default=None)) -> None: ...


@pytest.mark.parametrize("declare", [path_list, path_dict, query_models, query_dict])
def test_both_raise_an_assertion_error(declare: Any) -> None:
    with pytest.raises(AssertionError):
        declare(fastapi)
    with pytest.raises(AssertionError) as caught:
        declare(genever)
    assert isinstance(caught.value, ConfigurationError)
    assert "parameter" in str(caught.value) and "read_items()" in str(caught.value)


@pytest.mark.parametrize("declare", [query_models, query_dict])
def test_query_message_keeps_fastapis_sentence(declare: Any) -> None:
    sentence = "Query parameter 'q' must be one of the supported types"
    with pytest.raises(AssertionError, match=sentence):
        declare(fastapi)
    with pytest.raises(AssertionError, match=sentence) as caught:
        declare(genever)
    assert str(caught.value).startswith("GET /items/: parameter 'q' of ")
    assert "use Body() for a JSON body" in str(caught.value)


def test_a_configuration_error_is_still_a_genever_error() -> None:
    # FastAPIError (RuntimeError) handlers keep catching it as well
    assert issubclass(ConfigurationError, genever.exceptions.GeneverError)
    assert issubclass(ConfigurationError, RuntimeError)
    assert issubclass(ConfigurationError, AssertionError)
