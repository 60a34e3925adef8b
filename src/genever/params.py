"""Parameter declarations: ``Query``, ``Path``, ``Header``, ``Cookie``, ``Body``,
``Form``, ``File``, ``Depends`` and ``Security``.

They are plain declarative records, read once when a route is added (see
``_analysis``); nothing here runs per request. Both FastAPI spellings work:
``q: Annotated[int, Query(ge=1)] = 5`` and ``q: int = Query(5, ge=1)``.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

from ._dependency_limit import DependencyConcurrency, check_max_concurrency

if TYPE_CHECKING:
    from pydantic import AliasChoices, AliasPath


class _UnsetType:
    """The 'no default given' marker (``...`` means 'required', as in FastAPI)."""

    _instance: _UnsetType | None = None

    def __new__(cls) -> _UnsetType:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "Unset"

    def __bool__(self) -> bool:
        return False


Unset: Any = _UnsetType()


class ParamTypes(enum.Enum):
    query = "query"
    header = "header"
    path = "path"
    cookie = "cookie"


# Constraint keywords forwarded to pydantic's ``Field`` when they are set.
_CONSTRAINTS = (
    "gt",
    "ge",
    "lt",
    "le",
    "multiple_of",
    "min_length",
    "max_length",
    "pattern",
    "strict",
    "allow_inf_nan",
    "max_digits",
    "decimal_places",
    "discriminator",
)


class Param:
    """A parameter read from one part of the request (base of Query, Path, ...)."""

    in_: ParamTypes | None = None
    source = "query"

    def __init__(
        self,
        default: Any = Unset,
        *,
        default_factory: Callable[[], Any] | None = None,
        alias: str | None = None,
        alias_priority: int | None = None,
        validation_alias: str | AliasPath | AliasChoices | None = None,
        serialization_alias: str | None = None,
        title: str | None = None,
        description: str | None = None,
        gt: float | None = None,
        ge: float | None = None,
        lt: float | None = None,
        le: float | None = None,
        min_length: int | None = None,
        max_length: int | None = None,
        pattern: str | None = None,
        regex: str | None = None,
        discriminator: str | None = None,
        strict: bool | None = None,
        multiple_of: float | None = None,
        allow_inf_nan: bool | None = None,
        max_digits: int | None = None,
        decimal_places: int | None = None,
        examples: list[Any] | None = None,
        example: Any = Unset,
        openapi_examples: dict[str, Any] | None = None,
        deprecated: bool | str | None = None,
        include_in_schema: bool = True,
        json_schema_extra: dict[str, Any] | None = None,
        validate_default: bool | None = None,
        **extra: Any,
    ) -> None:
        # validate (and convert) the default too when the parameter is absent, as pydantic's option
        self.validate_default = bool(validate_default)
        if default is not Unset and default_factory is not None:
            raise TypeError("cannot set both 'default' and 'default_factory'")
        self.default = default
        self.default_factory = default_factory
        self.alias = alias
        self.alias_priority = alias_priority
        self.validation_alias = validation_alias
        self.serialization_alias = serialization_alias
        self.title = title
        self.description = description
        self.gt = gt
        self.ge = ge
        self.lt = lt
        self.le = le
        self.min_length = min_length
        self.max_length = max_length
        self.pattern = pattern if pattern is not None else regex
        self.discriminator = discriminator
        self.strict = strict
        self.multiple_of = multiple_of
        self.allow_inf_nan = allow_inf_nan
        self.max_digits = max_digits
        self.decimal_places = decimal_places
        self.examples = examples
        self.example = example
        self.openapi_examples = openapi_examples
        self.deprecated = deprecated
        self.include_in_schema = include_in_schema
        self.json_schema_extra = dict(json_schema_extra or {}, **extra) or None

    @property
    def required(self) -> bool:
        return (self.default is Unset or self.default is ...) and self.default_factory is None

    def constraints(self) -> dict[str, Any]:
        """The validation keywords that were set, for ``pydantic.Field``."""
        out = {name: getattr(self, name) for name in _CONSTRAINTS if getattr(self, name) is not None}
        return out

    def schema_keywords(self) -> dict[str, Any]:
        """Documentation keywords for ``pydantic.Field`` (title, description, examples...)."""
        out: dict[str, Any] = {}
        if self.title is not None:
            out["title"] = self.title
        if self.description is not None:
            out["description"] = self.description
        if self.examples is not None:
            out["examples"] = self.examples
        extra = dict(self.json_schema_extra or {})
        if self.deprecated:
            extra["deprecated"] = True
        if extra:
            out["json_schema_extra"] = extra
        return out

    def __repr__(self) -> str:
        # FastAPI's spelling: the default as str() shows it, a required one as pydantic's "undefined"
        default = "PydanticUndefined" if self.default is Unset or self.default is ... else self.default
        return f"{type(self).__name__}({default})"


class Path(Param):
    in_ = ParamTypes.path
    source = "path"

    def __init__(self, default: Any = ..., **kwargs: Any) -> None:
        if default is not ... and default is not Unset:
            raise TypeError("Path parameters cannot have a default value")
        super().__init__(Unset, **kwargs)


class Query(Param):
    in_ = ParamTypes.query
    source = "query"


class Header(Param):
    in_ = ParamTypes.header
    source = "header"

    def __init__(self, default: Any = Unset, *, convert_underscores: bool = True, **kwargs: Any) -> None:
        super().__init__(default, **kwargs)
        self.convert_underscores = convert_underscores


class Cookie(Param):
    in_ = ParamTypes.cookie
    source = "cookie"


class Body(Param):
    source = "body"

    def __init__(
        self,
        default: Any = Unset,
        *,
        embed: bool | None = None,
        media_type: str = "application/json",
        **kwargs: Any,
    ) -> None:
        super().__init__(default, **kwargs)
        self.embed = embed
        self.media_type = media_type


class Form(Body):
    source = "form"

    def __init__(
        self, default: Any = Unset, *, media_type: str = "application/x-www-form-urlencoded", **kwargs: Any
    ) -> None:
        super().__init__(default, embed=True, media_type=media_type, **kwargs)


class File(Form):
    source = "file"

    def __init__(self, default: Any = Unset, *, media_type: str = "multipart/form-data", **kwargs: Any) -> None:
        super().__init__(default, media_type=media_type, **kwargs)


@dataclasses.dataclass(frozen=True, repr=False)
class Depends:
    """Declare that a parameter's value is the result of calling ``dependency``.

    A frozen dataclass as FastAPI's: equal declarations hash alike, and
    ``dataclasses.replace`` copies one. ``max_concurrency=N`` lets at most N
    calls of this declaration run at once (see ``_dependency_limit``); a copy
    with the same limit shares its count.
    """

    dependency: Callable[..., Any] | None = None
    _: dataclasses.KW_ONLY
    use_cache: bool = True
    # where the code after ``yield`` runs: "request" (default) after the response is
    # sent, "function" as soon as the handler returns, before the response goes out
    # ("app": made once for the app, at start-up or first use, cleaned up at shutdown)
    scope: Literal["function", "request", "app"] | None = None
    max_concurrency: int | None = None
    # identity-compared, so Annotated never merges two limited declarations into one
    _concurrency: DependencyConcurrency | None = dataclasses.field(default=None, compare=True)

    def __post_init__(self) -> None:
        check_max_concurrency(self.max_concurrency)
        limit = self.max_concurrency
        if limit is None:
            object.__setattr__(self, "_concurrency", None)
        elif self._concurrency is None or self._concurrency.max_concurrency != limit:
            object.__setattr__(self, "_concurrency", DependencyConcurrency(limit))

    def __repr__(self) -> str:
        name = getattr(self.dependency, "__name__", type(self.dependency).__name__)
        cache = "" if self.use_cache else ", use_cache=False"
        return f"{type(self).__name__}({name}{cache})"


@dataclasses.dataclass(frozen=True, repr=False)
class Security(Depends):
    """``Depends`` with OAuth2 scopes, collected into ``SecurityScopes``."""

    scopes: Sequence[str] | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "scopes", list(self.scopes or ()))

    def __hash__(self) -> int:  # the scopes are a list (as FastAPI's users read them)
        return hash((self.dependency, self.use_cache, self.scope, self._concurrency, tuple(self.scopes or ())))
