"""FastAPI's ``fastapi.dependencies.models``: ``Dependant``, a callable's analysed parameters."""

from .._analysis import Dependant

__all__ = ["Dependant"]
