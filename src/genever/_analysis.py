"""Signature analysis: a handler or dependency becomes a ``Dependant`` tree.

This runs once per route, when the app is built, and follows FastAPI's
inference rules exactly: names captured by the path are path parameters,
scalar types are query parameters, models are the JSON body, ``Annotated``
markers and default-value markers override. Mistakes are reported here, with
the route, the function and the parameter in the message, never at request
time.
"""

from __future__ import annotations

import copy
import dataclasses
import enum
import inspect
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, get_args, get_origin

from pydantic import AliasChoices, AliasPath, BaseModel, Field, Json
from pydantic.fields import FieldInfo

from . import params
from ._annotations import typed_signature
from ._foreign import adopt, is_fastapi_security_scheme, starlette_injected
from ._router import param_names
from ._utils import is_async_gen_callable, is_gen_callable, is_union, strip_optional
from .background import BackgroundTasks
from .datastructures import UploadFile
from .exceptions import ConfigurationError
from .requests import Request
from .responses import Response
from .security.base import SecurityBase, SecurityScopes
from .websockets import WebSocket

try:  # msgspec Structs are bodies, like pydantic models
    from msgspec import Struct as _Struct
except ImportError:  # pragma: no cover - msgspec is a hard dependency
    _Struct = None  # type: ignore[assignment,misc]

@dataclasses.dataclass(slots=True)
class ParamSpec:
    """One value read from the request: where from, under which name, as which type."""

    name: str
    source: str  # "path" | "query" | "header" | "cookie" | "body" | "form" | "file"
    alias: str
    annotation: Any
    field: params.Param
    required: bool
    default: Any
    is_sequence: bool = False
    model: Any = None  # a pydantic model whose fields are read from query/header/cookie values
    # validation_alias=AliasChoices("a", "b"): (name reported in errors, request key) for each choice, the first
    # the request holds is read; empty for every other parameter (its ``alias`` is the one request key)
    choices: tuple[tuple[str, str], ...] = ()


@dataclasses.dataclass(slots=True, eq=False)
class Dependant:
    """A callable and what it needs, as inferred from its signature."""

    call: Callable[..., Any]
    name: str | None = None
    path: str = ""
    path_params: list[ParamSpec] = dataclasses.field(default_factory=list)
    query_params: list[ParamSpec] = dataclasses.field(default_factory=list)
    header_params: list[ParamSpec] = dataclasses.field(default_factory=list)
    cookie_params: list[ParamSpec] = dataclasses.field(default_factory=list)
    body_params: list[ParamSpec] = dataclasses.field(default_factory=list)
    dependencies: list[Dependant] = dataclasses.field(default_factory=list)
    request_param_name: str | None = None
    websocket_param_name: str | None = None
    http_connection_param_name: str | None = None
    response_param_name: str | None = None
    background_tasks_param_name: str | None = None
    security_scopes_param_name: str | None = None
    security_scopes: list[str] = dataclasses.field(default_factory=list)
    security_requirement: Any = None  # a SecurityBase instance when this is a security scheme
    use_cache: bool = True
    is_security: bool = False
    scope: str | None = None
    concurrency: Any = None  # Depends(max_concurrency=N): the declaration's DependencyConcurrency

    @property
    def own_params(self) -> list[ParamSpec]:
        return self.path_params + self.query_params + self.header_params + self.cookie_params

    @property
    def cache_key(self) -> tuple[Any, ...]:
        key = (self.call, tuple(sorted(set(self.security_scopes))) if self.is_security else ())
        if self.scope not in (None, "request", "app"):
            # as FastAPI: the same generator with scope="function" and the default (request) scope is
            # two values (PERF: only then a third item, whose hash each request would compute)
            return (*key, self.scope)
        return key

    def walk(self) -> list[Dependant]:
        """This dependant and every sub-dependant, depth first, parents last."""
        out: list[Dependant] = []
        for sub in self.dependencies:
            out.extend(sub.walk())
        out.append(self)
        return out


def describe_call(call: Any) -> str:
    name = getattr(call, "__qualname__", None) or getattr(call, "__name__", None)
    if name is None:
        name = type(call).__qualname__
    return f"{name}()"


def _unannotated(tp: Any) -> Any:
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    return tp


def is_model_type(tp: Any) -> bool:
    """A type that FastAPI reads from the JSON body when no marker says otherwise."""
    tp = _unannotated(tp)
    if not isinstance(tp, type):
        return False
    if issubclass(tp, BaseModel) or dataclasses.is_dataclass(tp):
        return True
    if _Struct is not None and issubclass(tp, _Struct):
        return True
    return typing.is_typeddict(tp)


_SEQUENCE_ORIGINS = (list, set, frozenset, tuple, Sequence, typing.List, typing.Set)  # noqa: UP006


def _is_json_text(tp: Any) -> bool:
    """``Json[T]``: one string holding JSON, whatever ``T`` is."""
    while get_origin(tp) is Annotated:
        if any(m is Json or type(m) is Json for m in get_args(tp)[1:]):
            return True
        tp = get_args(tp)[0]
    return False


def is_scalar(tp: Any) -> bool:
    """FastAPI's notion of a scalar: not a model, mapping or sequence (str and bytes are scalars)."""
    if _is_json_text(tp):
        return True
    tp = _unannotated(tp)
    if tp is Any or tp is None or tp is type(None):
        return True
    if is_union(tp):
        return all(is_scalar(a) for a in get_args(tp))
    origin = get_origin(tp)
    if origin is typing.Literal:
        return True
    if origin is not None:
        return not (origin in _SEQUENCE_ORIGINS or (isinstance(origin, type) and issubclass(origin, Mapping)))
    if isinstance(tp, type):
        if tp in (str, bytes):
            return True
        if issubclass(tp, enum.Enum):
            return True
        if is_model_type(tp) or issubclass(tp, (Mapping, Sequence, set, frozenset)):
            return False
        return not issubclass(tp, UploadFile)
    return True


def is_upload_annotation(tp: Any) -> bool:
    """``UploadFile``, ``UploadFile | None`` or ``list[UploadFile]``."""
    tp = strip_optional(_unannotated(tp))
    if get_origin(tp) in _SEQUENCE_ORIGINS:
        args = get_args(tp)
        tp = strip_optional(_unannotated(args[0])) if args else None
    return isinstance(tp, type) and issubclass(tp, UploadFile)


def is_scalar_sequence(tp: Any) -> bool:
    if _is_json_text(tp) or _is_json_text(strip_optional(_unannotated(tp))):
        return False  # Json[list[str]]: one value holding a JSON list
    tp = strip_optional(_unannotated(tp))
    if is_union(tp):
        return False
    origin = get_origin(tp)
    if origin in _SEQUENCE_ORIGINS:
        args = get_args(tp)
        return all(is_scalar(a) for a in args if a is not Ellipsis)
    return tp in (list, set, tuple, frozenset)


def _split_annotated(annotation: Any) -> tuple[Any, list[Any]]:
    """``Annotated[T, a, b]`` → (``Annotated[T, non-marker metadata]``, [markers])."""
    if get_origin(annotation) is not Annotated:
        return annotation, []
    base, *metadata = get_args(annotation)
    metadata = [adopt(m) for m in metadata]  # FastAPI's own markers read as genever's
    markers = [m for m in metadata if isinstance(m, params.Param | params.Depends)]
    others = [m for m in metadata if not isinstance(m, params.Param | params.Depends)]
    if get_origin(base) is Annotated:  # nested Annotated aliases: flatten
        base, inner = _split_annotated(base)
        markers = inner + markers
    return (Annotated[base, *others] if others else base), markers


def _signature(call: Callable[..., Any]) -> inspect.Signature:
    target = call
    if inspect.isclass(call):
        target = call.__init__
    elif not (inspect.isfunction(call) or inspect.ismethod(call)) and callable(call):
        dunder_call = getattr(call, "__call__", None)  # noqa: B004
        if dunder_call is not None and (inspect.isfunction(dunder_call) or inspect.ismethod(dunder_call)):
            target = dunder_call
    # each parameter resolved on its own: an unresolvable one is reported only if its type is needed
    signature = typed_signature(call, target)
    parameters = [
        p
        for p in signature.parameters.values()
        if p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    ]
    return signature.replace(parameters=parameters)


def check_scope(dependant: Dependant, route: str) -> None:
    """A ``yield`` dependency that lives for the request cannot use one that ends with the handler."""
    call = dependant.call
    if not (is_gen_callable(call) or is_async_gen_callable(call)) or (dependant.scope or "request") != "request":
        return
    for sub in dependant.dependencies:
        if sub.scope == "function":
            raise ConfigurationError(
                f'{route}: The dependency "{getattr(call, "__name__", call)}" has a scope of "request", it cannot '
                f'depend on dependencies with scope "function" ({describe_call(sub.call)}); give it scope="function" '
                "or its sub-dependency the request scope"
            )


class _Where:
    """Context for error messages: which route and which function."""

    def __init__(self, route: str, call: Any) -> None:
        self.route = route
        self.call = call

    def error(self, param: str, problem: str) -> ConfigurationError:
        return ConfigurationError(f"{self.route}: parameter '{param}' of {describe_call(self.call)} {problem}")


def get_dependant(
    *,
    path: str,
    call: Callable[..., Any],
    route: str,
    name: str | None = None,
    security_scopes: list[str] | None = None,
    use_cache: bool = True,
    _stack: tuple[Any, ...] = (),
) -> Dependant:
    """Analyse ``call``'s signature (recursively through its ``Depends``)."""
    if call in _stack:
        chain = " -> ".join(describe_call(c) for c in (*_stack, call))
        raise ConfigurationError(f"{route}: dependency cycle: {chain}")
    where = _Where(route, call)
    path_names = param_names(path)
    dependant = Dependant(
        call=call, name=name, path=path, security_scopes=list(security_scopes or ()), use_cache=use_cache
    )
    if isinstance(call, SecurityBase) or is_fastapi_security_scheme(call):
        dependant.security_requirement = call
    try:
        signature = _signature(call)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"{route}: cannot read the signature of {describe_call(call)}: {exc}") from exc

    for param in signature.parameters.values():
        annotation = param.annotation if param.annotation is not inspect.Parameter.empty else Any
        declared = adopt(param.default)
        if isinstance(annotation, str) and isinstance(declared, params.Depends) and declared.dependency is not None:
            annotation = Any  # Depends(f) gives the value: the annotation's type is not needed (as in FastAPI)
        if isinstance(annotation, str):
            raise where.error(
                param.name,
                f"has the annotation {annotation!r}, which cannot be resolved: a name in it is not defined at "
                "module level (with `from __future__ import annotations`, types used by a function defined "
                "inside another function must be importable from the module)",
            )
        annotation, markers = _split_annotated(annotation)
        if len(markers) > 1:
            raise where.error(param.name, "has more than one FastAPI marker in Annotated (use exactly one)")
        marker: params.Param | params.Depends | None = markers[0] if markers else None
        default = adopt(param.default)
        if isinstance(default, params.Param | params.Depends):
            if marker is not None:
                raise where.error(
                    param.name, f"declares {type(marker).__name__} both in Annotated and as its default value"
                )
            marker = default
            default = inspect.Parameter.empty
        elif isinstance(marker, params.Param) and marker.default not in (params.Unset, ...):
            raise where.error(
                    param.name,
                    f"sets a default inside Annotated[..., {type(marker).__name__}(...)]; "
                    "put the default after '=' instead",
                )

        if isinstance(marker, params.Depends):
            sub_call = marker.dependency
            if sub_call is None:
                sub_call = _unannotated(annotation)
                if sub_call is Any or not callable(sub_call):
                    raise where.error(param.name, "uses Depends() without a callable and without a type to call")
            scopes = list(dependant.security_scopes)
            is_security = isinstance(marker, params.Security)
            if is_security:
                scopes = scopes + list(marker.scopes or ())  # type: ignore[attr-defined]
            sub = get_dependant(
                path=path,
                call=sub_call,
                route=route,
                name=param.name,
                security_scopes=scopes,
                use_cache=marker.use_cache,
                _stack=(*_stack, call),
            )
            sub.is_security = is_security
            sub.scope = marker.scope
            sub.concurrency = marker._concurrency
            check_scope(sub, route)
            dependant.dependencies.append(sub)
            continue

        plain = strip_optional(_unannotated(annotation))
        if marker is None and isinstance(plain, type):
            if issubclass(plain, WebSocket):
                dependant.websocket_param_name = param.name
                continue
            if issubclass(plain, Request):
                dependant.request_param_name = param.name
                continue
            if issubclass(plain, Response):
                dependant.response_param_name = param.name
                continue
            if issubclass(plain, BackgroundTasks):
                dependant.background_tasks_param_name = param.name
                continue
            if issubclass(plain, SecurityScopes):
                dependant.security_scopes_param_name = param.name
                continue
            injected = starlette_injected(plain)  # Starlette's classes, as FastAPI code annotates them
            if injected is not None:
                setattr(dependant, f"{injected}_param_name" if injected != "background" else
                        "background_tasks_param_name", param.name)  # fmt: skip
                continue

        spec = _param_spec(param.name, annotation, marker, default, path_names, where)
        {
            "path": dependant.path_params,
            "query": dependant.query_params,
            "header": dependant.header_params,
            "cookie": dependant.cookie_params,
        }.get(spec.source, dependant.body_params).append(spec)
    return dependant


_ALIAS_KEYS = ("alias", "validation_alias", "serialization_alias", "alias_priority")


def _with_field_alias(marker: params.Param, annotation: Any) -> tuple[params.Param, Any]:
    """``Annotated[int, Field(alias="wire"), Query()]``: pydantic's ``Field`` beside the marker names the
    request key, as in FastAPI. Returns the marker (a copy, as it may be shared, given the alias) and
    the annotation without the aliases (which pydantic ignores, with a warning, outside a model)."""
    if get_origin(annotation) is not Annotated:
        return marker, annotation
    base, *metadata = get_args(annotation)
    kept: list[Any] = []
    for item in metadata:
        if not isinstance(item, FieldInfo) or not any(getattr(item, key, None) for key in _ALIAS_KEYS[:3]):
            kept.append(item)
            continue
        if marker.alias is None and marker.validation_alias is None:
            marker = copy.copy(marker)
            marker.alias = item.alias
            marker.validation_alias = item.validation_alias
        rest = {k: v for k, v in getattr(item, "_attributes_set", {}).items() if k not in _ALIAS_KEYS}
        if rest:
            kept.append(Field(**rest))
    return marker, (Annotated[(base, *kept)] if kept else base)


def _param_spec(
    name: str,
    annotation: Any,
    marker: params.Param | None,
    default: Any,
    path_names: set[str],
    where: _Where,
) -> ParamSpec:
    if marker is None:
        if name in path_names:
            marker = params.Path()
        elif is_upload_annotation(annotation):
            marker = params.File()
        elif is_scalar(annotation):
            marker = params.Query()
        else:
            marker = params.Body()
    marker, annotation = _with_field_alias(marker, annotation)
    # the request key: validation_alias, else alias, else the name (as FastAPI reads them)
    validation_alias = marker.validation_alias if isinstance(marker.validation_alias, str) else None
    alias = validation_alias or marker.alias or name
    choices = string_choices(marker.validation_alias)
    if choices and isinstance(marker, params.Path):
        # the choice the route's path captures (FastAPI's rule); none captured: the path check below fails
        alias = next((choice for choice in choices if choice in path_names), alias)
        choices = ()
    elif choices and marker.source in ("query", "header", "cookie", "body", "form", "file"):
        alias = choices[0]
    else:
        choices = ()
    if isinstance(marker, params.Path):
        pass  # the path may get its {alias} from a router's prefix: checked when the app is built
    elif name in path_names and not isinstance(marker, params.Body) and alias == name:
        raise where.error(
            name,
            f"is declared as {type(marker).__name__} but the path captures {{{name}}}; "
            "use Path() or rename one of them",
        )
    if isinstance(marker, params.Header) and alias == name and marker.convert_underscores and not choices:
        alias = name.replace("_", "-")

    source = marker.source
    is_sequence = False
    model: type[BaseModel] | None = None
    if source in ("query", "header", "cookie", "path"):
        if is_scalar_sequence(annotation):
            if source in ("path", "cookie"):
                raise where.error(name, f"is a list, which a {source} parameter cannot be")
            is_sequence = True
        elif source != "path" and (model := param_model(annotation)) is not None:
            pass  # Annotated[Model, Query()]: each field of the model is one parameter
        elif not is_scalar(annotation):
            if source == "path":
                raise where.error(name, f"has type {annotation!r}, which a path parameter cannot be")
            raise where.error(
                name,
                f"has the non-scalar type {annotation!r} but is declared as {type(marker).__name__}; "
                f"use Body() for a JSON body ({type(marker).__name__} parameter {name!r} must be one of the "
                "supported types: a scalar, or a list of scalars)",
            )
    if source == "header":
        # header names are matched lowercase; a choice keeps its spelling in errors, as in FastAPI
        alias = alias if choices else alias.lower()

    field_default = default if default is not inspect.Parameter.empty else marker.default
    required = (field_default is params.Unset or field_default is ...) and marker.default_factory is None
    if source == "path":
        required = True
    if annotation is Any and source == "body":
        annotation = Any
    return ParamSpec(
        name=name,
        source=source,
        alias=alias,
        annotation=annotation,
        field=marker,
        required=required,
        default=None if required else field_default,
        is_sequence=is_sequence,
        model=model if source in ("query", "header", "cookie") else None,
        choices=tuple((c, c.lower() if source == "header" else c) for c in choices) if model is None else (),
    )


def check_path_params(dependant: Dependant, path: str, route: str) -> None:
    """Fail when a ``Path`` parameter names nothing the served ``path`` captures (checked when the app
    is built: a router's routes get their prefix, which may hold it, only when included)."""
    captured = param_names(path)
    for node in dependant.walk():
        for spec in node.path_params:
            if spec.alias not in captured:
                raise _Where(route, node.call).error(
                    spec.name, f"is declared as Path but the route path has no {{{spec.alias}}}"
                )


def string_choices(validation_alias: Any) -> tuple[str, ...]:
    """The names of ``AliasChoices("a", "b")`` when each is a plain name (an ``AliasPath`` among them, or
    no ``AliasChoices``: none; such a parameter is read under its alias or name, as in FastAPI)."""
    if isinstance(validation_alias, AliasChoices) and all(isinstance(c, str) for c in validation_alias.choices):
        return tuple(validation_alias.choices)  # type: ignore[arg-type]
    return ()


def field_request_aliases(
    name: str, info: FieldInfo, *, convert_underscores: bool, config: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """A model field's ``(validation key, request key)`` pairs, in preference order, as FastAPI reads a
    parameter model: its validation alias (each plain choice of ``AliasChoices``), else its alias, else
    its name (header names converted from ``_`` to ``-`` only for the name); with ``validate_by_name``
    (or ``populate_by_name``) the name too, with ``validate_by_alias=False`` the name only."""
    va = info.validation_alias
    alias = va if isinstance(va, str) and va else (info.alias if info.alias is not None else name)
    request = alias.replace("_", "-") if convert_underscores and alias == name else alias
    pairs = [(alias, request)]
    if isinstance(va, AliasPath) or (isinstance(va, AliasChoices) and not string_choices(va)):
        return pairs
    choices = string_choices(va)
    if choices:
        pairs = [(choice, choice) for choice in choices]
    by_alias = config.get("validate_by_alias", True)
    if by_alias is False or config.get("validate_by_name", config.get("populate_by_name", False)):
        request_name = name.replace("_", "-") if convert_underscores else name
        if by_alias is False:
            return [(name, request_name)]
        if name not in [key for key, _ in pairs]:
            pairs.append((name, request_name))
    return pairs


def param_model(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model of a ``Query``/``Header``/``Cookie`` parameter model (``Model`` or ``Model | None``)."""
    if _is_json_text(annotation) or _is_json_text(strip_optional(_unannotated(annotation))):
        return None  # Json[Model]: one parameter holding the model's JSON
    tp = _unannotated(strip_optional(_unannotated(annotation)))
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp
    return None


def param_model_is_nullable(annotation: Any, model: Any) -> bool:
    """``Model | None`` (or any annotation other than the model itself), as FastAPI tells them apart."""
    return _unannotated(annotation) is not model


@dataclasses.dataclass(slots=True, frozen=True)
class ModelParamField:
    """One field of a parameter model: its key in the model's input and its name in the request."""

    name: str
    key: str  # the validation alias (or the field name)
    request_key: str  # the query/cookie/header name (as documented: a header's as declared)
    choices: tuple[tuple[str, str], ...]  # every (key, request key) it is read under, in order (headers lowercase)
    annotation: Any  # the field's type with its constraints
    required: bool
    default: Any  # when not required and no default_factory
    default_factory: Any
    is_sequence: bool
    description: str | None
    title: str | None


def model_param_fields(spec: ParamSpec) -> list[ModelParamField]:
    """The request names a parameter model reads, as FastAPI derives them (header names converted)."""
    model = spec.model
    convert = spec.source == "header" and getattr(spec.field, "convert_underscores", True)
    out = []
    config = model.model_config
    for name, info in model.model_fields.items():
        pairs = field_request_aliases(name, info, convert_underscores=convert, config=config)
        # headers are matched lowercase, documented as declared
        lookups = [(key, request_key.lower()) for key, request_key in pairs] if spec.source == "header" else pairs
        out.append(
            ModelParamField(
                name=name,
                key=pairs[0][0],
                request_key=pairs[0][1],
                choices=tuple(lookups),
                annotation=Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation,
                required=info.is_required(),
                default=info.default,
                default_factory=info.default_factory,
                is_sequence=is_scalar_sequence(info.annotation),
                description=info.description,
                title=info.title,
            )
        )
    return out


def flat_body_params(dependant: Dependant) -> list[ParamSpec]:
    """Every body parameter of the route and its dependencies, each name once."""
    seen: dict[str, ParamSpec] = {}
    for node in dependant.walk():
        for spec in node.body_params:
            seen.setdefault(spec.alias, spec)
    return list(seen.values())


def flat_params(dependant: Dependant) -> list[ParamSpec]:
    """Every path/query/header/cookie parameter, deduplicated by (source, alias), as OpenAPI lists them."""
    seen: dict[tuple[str, str], ParamSpec] = {}
    for node in dependant.walk():
        for spec in expand_models(node.own_params):
            seen.setdefault((spec.source, spec.alias), spec)
    return list(seen.values())


def expand_models(specs: list[ParamSpec]) -> list[ParamSpec]:
    """``specs`` with each parameter model replaced by one spec per field (for documentation)."""
    out: list[ParamSpec] = []
    for spec in specs:
        if spec.model is None:
            out.append(spec)
            continue
        # an optional model (``Annotated[Filters | None, Query()] = None``): none of its fields is required
        optional = not spec.required
        for f in model_param_fields(spec):
            marker = type(spec.field)(
                default_factory=f.default_factory,
                title=f.title or f.key.title().replace("_", " "),
                description=f.description,
                include_in_schema=spec.field.include_in_schema,
            )
            out.append(
                ParamSpec(
                    name=f.name,
                    source=spec.source,
                    alias=f.request_key,
                    annotation=f.annotation,
                    field=marker,
                    required=f.required and not optional,
                    default=None if f.required or f.default_factory is not None else f.default,
                    is_sequence=f.is_sequence,
                )
            )
    return out
