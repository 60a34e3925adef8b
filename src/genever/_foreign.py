"""FastAPI's own parameter markers, read as genever's (startup only).

A package built on the real FastAPI (installed beside genever, not aliased)
hands genever functions whose parameters say ``fastapi.Depends(...)``,
``fastapi.Security(...)`` or ``fastapi.Query(...)``. Those are FastAPI's
classes, not genever's, so without this module they would be read as a plain
default value (a ``Depends`` object passed to the handler) or as a body field.
Each is translated into the genever marker that means the same thing; the
classes are recognised by their module, so FastAPI is never imported here.
"""

from __future__ import annotations

import weakref
from typing import Any

from . import exceptions, params
from ._dependency_limit import DependencyConcurrency

_FASTAPI_PARAMS: dict[str, type[params.Param]] = {
    "Query": params.Query,
    "Path": params.Path,
    "Header": params.Header,
    "Cookie": params.Cookie,
    "Body": params.Body,
    "Form": params.Form,
    "File": params.File,
}
# pydantic FieldInfo attributes carried over as they are, when set
_COPIED = ("alias", "title", "description", "examples", "deprecated", "openapi_examples", "serialization_alias")
# constraints live in FieldInfo.metadata (annotated_types.Ge(ge=1), MaxLen(...), pydantic's general metadata)
_CONSTRAINTS = ("gt", "ge", "lt", "le", "multiple_of", "min_length", "max_length", "pattern", "strict",
                "allow_inf_nan", "max_digits", "decimal_places")  # fmt: skip


# Starlette's classes that FastAPI injects by annotation, and what genever injects for them
_STARLETTE_INJECTED = {
    ("starlette.requests", "Request"): "request",
    ("starlette.requests", "HTTPConnection"): "request",
    ("starlette.websockets", "WebSocket"): "websocket",
    ("starlette.responses", "Response"): "response",
    ("starlette.background", "BackgroundTasks"): "background",
    ("fastapi.security.oauth2", "SecurityScopes"): "security_scopes",
}


# FastAPI's limit objects (one per limited fastapi.Depends), and genever's for each: a declaration
# reused across routes shares one limit, read as genever's too
_LIMITS: weakref.WeakKeyDictionary[Any, DependencyConcurrency] = weakref.WeakKeyDictionary()


def _limit_of(marker: Any) -> DependencyConcurrency | None:
    theirs = getattr(marker, "_concurrency", None)
    limit = getattr(marker, "max_concurrency", None)
    if theirs is None or limit is None:
        return None
    ours = _LIMITS.get(theirs)
    if ours is None:
        ours = _LIMITS[theirs] = DependencyConcurrency(limit)
    return ours


def starlette_injected(tp: Any) -> str | None:
    """What a parameter annotated with Starlette's ``Request``/``WebSocket``/``Response``/``BackgroundTasks``
    (or ``HTTPConnection``, or FastAPI's ``SecurityScopes``) gets injected ("request", "websocket"...), or
    None for any other type."""
    for cls in getattr(tp, "__mro__", ()):
        kind = _STARLETTE_INJECTED.get((cls.__module__, cls.__name__))
        if kind is not None:
            return kind
    return None


def is_fastapi_object(obj: Any) -> bool:
    module = type(obj).__module__
    return module == "fastapi" or module.startswith("fastapi.")


# FastAPI's validation errors, raised by packages built on the real FastAPI (fastapi-filter raises its
# RequestValidationError from a dependency), and genever's that mean the same
_FASTAPI_EXCEPTIONS: dict[str, type[exceptions.RequestValidationError | exceptions.ResponseValidationError]] = {
    "RequestValidationError": exceptions.RequestValidationError,
    "ResponseValidationError": exceptions.ResponseValidationError,
}


def _fastapi_exception_target(cls: type) -> type[Any] | None:
    for base in cls.__mro__:
        if base.__module__ == "fastapi.exceptions":
            target = _FASTAPI_EXCEPTIONS.get(base.__name__)
            if target is not None:
                return target
    return None


def adopt_exception(exc: Exception) -> Exception:
    """``exc`` as genever's exception if it is one of FastAPI's own validation errors (answered by
    the app's handlers for genever's: 422 for a request), else ``exc`` unchanged."""
    target = _fastapi_exception_target(type(exc))
    if target is None:
        return exc
    adopted: Exception = target(exc.errors(), body=getattr(exc, "body", None))  # type: ignore[attr-defined]
    adopted.__cause__ = exc
    return adopted.with_traceback(exc.__traceback__)


def adopt_exception_class(key: Any) -> Any:
    """An exception handler's key: FastAPI's own validation error classes as genever's."""
    if isinstance(key, type):
        return _fastapi_exception_target(key) or key
    return key


def is_fastapi_security_scheme(obj: Any) -> bool:
    """An instance of FastAPI's own ``SecurityBase`` (``fastapi.security.OAuth2PasswordBearer``...), as
    packages built on the real FastAPI hand over (fastapi-users' bearer transport): documented in
    OpenAPI as genever's schemes are (they have the same ``model`` and ``scheme_name``)."""
    return any(c.__name__ == "SecurityBase" and c.__module__ == "fastapi.security.base" for c in type(obj).__mro__)


def adopt(marker: Any) -> Any:
    """``marker`` as a genever marker if it is one of FastAPI's own, else ``marker`` unchanged."""
    cls = type(marker)
    if cls.__module__ != "fastapi.params":
        return marker
    name = cls.__name__
    if name in ("Depends", "Security"):
        scope = getattr(marker, "scope", None)
        limit = getattr(marker, "max_concurrency", None)
        shared = _limit_of(marker)
        if name == "Security":
            return params.Security(
                marker.dependency,
                scopes=list(marker.scopes or ()),
                use_cache=marker.use_cache,
                scope=scope,
                max_concurrency=limit,
                _concurrency=shared,
            )
        return params.Depends(
            marker.dependency, use_cache=marker.use_cache, scope=scope, max_concurrency=limit, _concurrency=shared
        )
    target = _FASTAPI_PARAMS.get(name)
    if target is None:
        return marker
    kwargs: dict[str, Any] = {}
    for key in _COPIED:
        value = getattr(marker, key, None)
        if value is not None and not is_fastapi_object(value):
            kwargs[key] = value
    validation_alias = getattr(marker, "validation_alias", None)
    if isinstance(validation_alias, str) and validation_alias != kwargs.get("alias"):
        kwargs["validation_alias"] = validation_alias
    if marker.default_factory is not None:
        kwargs["default_factory"] = marker.default_factory
    if getattr(marker, "include_in_schema", True) is False:
        kwargs["include_in_schema"] = False
    extra = getattr(marker, "json_schema_extra", None)
    if isinstance(extra, dict):
        kwargs["json_schema_extra"] = extra
    for item in marker.metadata:
        for key in _CONSTRAINTS:
            value = getattr(item, key, None)
            if value is not None:
                kwargs[key] = value
    if name == "Header":
        kwargs["convert_underscores"] = marker.convert_underscores
    if name == "Body":
        kwargs["embed"] = marker.embed
        kwargs["media_type"] = marker.media_type
    elif name in ("Form", "File"):
        kwargs["media_type"] = marker.media_type
    default = marker.default
    if type(default).__name__ == "PydanticUndefinedType":
        default = params.Unset
    if name == "Path":
        return target(**kwargs)
    return target(default, **kwargs)
