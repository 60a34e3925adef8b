"""Extracting parameters: one getter per path, query, header or cookie parameter (or model of
them), and the special parameters (``Request``, ``Response``, ``BackgroundTasks``, ``SecurityScopes``).

Each getter reads the raw value, applies the default and validates; errors are raised as
``Invalid`` records, turned into a 422 only when something failed."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter, ValidationError

from .. import _analysis as an
from .._validation import (
    Invalid,
    default_getter,
    missing_error,
    param_validator,
    pydantic_errors,
)
from ..background import BackgroundTasks
from ..responses import Response
from ..security.base import SecurityScopes
from .nodes import Getter

if TYPE_CHECKING:
    from ..requests import Request


def param_getter(spec: an.ParamSpec) -> Getter:
    """One closure per parameter: read the raw value, apply the default, validate."""
    validate = param_validator(spec)
    alias = spec.alias
    loc = (spec.source, alias)
    required = spec.required
    get_default = default_getter(spec)

    validate_default = spec.field.validate_default

    def missing() -> Any:
        if required:
            raise Invalid([missing_error(loc)])
        return validate(get_default()) if validate_default else get_default()

    source = spec.source
    if spec.model is not None:
        return model_param_getter(spec, missing)
    if spec.choices:
        return choices_getter(spec, missing)
    if source == "path":

        def get_path(request: Request) -> Any:
            return validate(request.path_params[alias])

        return get_path
    if spec.is_sequence:
        if source == "query":

            def get_query_list(request: Request) -> Any:
                values = [v for k, v in request.query_pairs() if k == alias]
                return validate(values) if values else missing()

            return get_query_list

        def get_header_list(request: Request) -> Any:
            values = request.header_list(alias)
            return validate(values) if values else missing()

        return get_header_list
    if source == "query":

        def get_query(request: Request) -> Any:
            raw = request.query_dict().get(alias)
            return missing() if raw is None else validate(raw)

        return get_query
    if source == "header":

        def get_header(request: Request) -> Any:
            raw = request.header(alias)
            return missing() if raw is None else validate(raw)

        return get_header

    def get_cookie(request: Request) -> Any:
        raw = request.cookies.get(alias)
        return missing() if raw is None else validate(raw)

    return get_cookie


def choices_getter(spec: an.ParamSpec, missing: Callable[[], Any]) -> Getter:
    """``validation_alias=AliasChoices("a", "b")``: the first choice the request holds is read (and named
    in its errors); none: the parameter is missing (reported under the first choice)."""
    source = spec.source
    # one validator per choice: its errors name the choice read
    choices = [(key, param_validator(dataclasses.replace(spec, alias=name))) for name, key in spec.choices]
    if spec.is_sequence:
        values_of: Callable[[Request, str], list[str]] = (
            (lambda request, key: [v for k, v in request.query_pairs() if k == key])
            if source == "query"
            else (lambda request, key: request.header_list(key))
        )

        def get_list(request: Request) -> Any:
            for key, validate in choices:
                values = values_of(request, key)
                if values:
                    return validate(values)
            return missing()

        return get_list
    value_of: Callable[[Request, str], str | None] = {
        "query": lambda request, key: request.query_dict().get(key),
        "header": lambda request, key: request.header(key),
        "cookie": lambda request, key: request.cookies.get(key),
    }[source]

    def get_value(request: Request) -> Any:
        for key, validate in choices:
            raw = value_of(request, key)
            if raw is not None:
                return validate(raw)
        return missing()

    return get_value


def model_param_getter(spec: an.ParamSpec, missing: Callable[[], Any]) -> Getter:
    """``Annotated[Model, Query()]`` (or Header, Cookie): the model's fields from the request's values.

    As in FastAPI, the model sees every value of its source: its own fields under
    their keys (lists for list fields), and the rest as extras, so that
    ``extra="forbid"`` rejects unknown query parameters, headers or cookies.
    """
    source = spec.source
    fields = [(f.choices, f.is_sequence) for f in an.model_param_fields(spec)]
    # every name a field may be read under: a request holding none of them has no value for the model
    own = {request_key for choices, _ in fields for _, request_key in choices}
    # header fields read as "save-data" do not also take "save_data" as an extra
    always_read = {key.lower() for choices, _ in fields for key, request_key in choices if key.lower() != request_key}
    renamed = {key: request_key for choices, _ in fields for key, request_key in choices if key.lower() != request_key}
    if not spec.model.model_config.get("loc_by_alias", True):
        renamed = {}  # the model reports its fields' Python names
    extra_policy = spec.model.model_config.get("extra")
    # ``Model | None`` (FastAPI: an annotation that is not the model itself): a request holding none of its
    # names gives no model, the parameter's default, or a missing error for the whole source when required
    nullable = an.param_model_is_nullable(spec.annotation, spec.model)
    required = spec.required
    validate = TypeAdapter(spec.annotation).validator.validate_python
    # a repeated name given to a scalar field: the query's last value (as a dict of it), a header's first
    last = -1 if source == "query" else 0
    pairs: Callable[[Request], Any] = {
        "query": lambda request: request.query_pairs(),
        "header": lambda request: request.headers.multi_items(),
        "cookie": lambda request: request.cookies.items(),
    }[source]

    def get_model(request: Request) -> Any:
        grouped: dict[str, list[str]] = {}
        for key, value in pairs(request):
            grouped.setdefault(key, []).append(value)
        data: dict[str, Any] = {}
        read = set(always_read)
        for choices, is_sequence in fields:
            key, request_key = choices[0]
            if len(choices) > 1:  # the first choice the request holds (unused ones stay extras)
                key, request_key = next((pair for pair in choices if pair[1] in grouped), choices[0])
            values = grouped.get(request_key)
            if values:
                data[key] = values if is_sequence else values[last]
            read.add(request_key)
        present = not own.isdisjoint(grouped)
        for key, values in grouped.items():
            if key not in read:
                data[key] = values[0] if len(values) == 1 else values
        if nullable and not (present or (extra_policy in ("allow", "forbid") and data)):
            if required:
                raise Invalid([missing_error((source,))])
            return missing()
        try:
            return validate(data)
        except ValidationError as exc:
            errors = pydantic_errors(exc, (source,))
            if source == "header":  # report the header's name, as FastAPI does
                for error in errors:
                    loc = error["loc"]
                    if len(loc) > 1 and loc[1] in renamed:
                        loc[1] = renamed[loc[1]]
            raise Invalid(errors) from None

    return get_model


def request_getter(request: Request) -> Any:
    """The getter of a ``Request`` (``WebSocket``, ``HTTPConnection``) parameter: the request itself."""
    return request


def _sub_response(request: Request) -> Any:
    response = request._sub_response
    if response is None:
        response = request._sub_response = Response()
        response.status_code = None  # type: ignore[assignment]
    return response


def _background_tasks(request: Request) -> Any:
    tasks = request._background
    if tasks is None:
        tasks = request._background = BackgroundTasks()
    return tasks


def special_getters(node: an.Dependant) -> list[tuple[str, Getter]]:
    out: list[tuple[str, Getter]] = []
    for name in (node.request_param_name, node.websocket_param_name, node.http_connection_param_name):
        if name:
            out.append((name, request_getter))
    if node.response_param_name:
        out.append((node.response_param_name, _sub_response))
    if node.background_tasks_param_name:
        out.append((node.background_tasks_param_name, _background_tasks))
    if node.security_scopes_param_name:
        scopes = SecurityScopes(node.security_scopes)
        out.append((node.security_scopes_param_name, lambda _request: scopes))
    return out


def collect(getters: tuple[tuple[str, Getter], ...], request: Request, errors: list[Any]) -> dict[str, Any]:
    """The slow path: run every getter, keeping the values that validated and every error."""
    values: dict[str, Any] = {}
    for name, get in getters:
        try:
            values[name] = get(request)
        except Invalid as exc:
            errors.extend(exc.errors)
    return values


def reads_response_params(getters: tuple[tuple[str, Getter], ...]) -> bool:
    """Whether these getters include a ``Response`` or ``BackgroundTasks`` parameter."""
    return any(get is _sub_response or get is _background_tasks for _, get in getters)
