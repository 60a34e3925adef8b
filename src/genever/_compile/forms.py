"""``Form``/``File`` parameters: the route's form fields read from ``request.form()``.

Parameter semantics follow FastAPI: an empty string or an empty file input
counts as missing, lists take every value of the name, ``bytes`` ``File()``
parameters get the file's content, a ``Form()`` model takes the whole form,
and each field is validated on its own with ``loc`` ``["body", name]``.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, Tag, TypeAdapter, ValidationError

from .._analysis import ParamSpec, field_request_aliases, is_scalar_sequence
from .._utils import strip_optional
from .._validation import Invalid, _field_type, default_getter, missing_error, pydantic_errors
from ..datastructures import FormData, UploadFile

if TYPE_CHECKING:
    from ..requests import Request


# -- parameters ------------------------------------------------------------------------------------


def _is_bytes(tp: Any) -> bool:
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    return tp is bytes or (len(args) == 1 and args[0] is bytes)


def _is_bytes_sequence(tp: Any) -> bool:
    return is_scalar_sequence(tp) and any(_is_bytes(a) or a is bytes for a in typing.get_args(strip_optional(tp)))


def _is_empty(value: Any) -> bool:
    if isinstance(value, str):
        return value == ""
    if isinstance(value, UploadFile):
        return not value.filename and not value.size
    return False


def _is_model(tp: Any) -> bool:
    return isinstance(strip_optional(tp), type) and issubclass(strip_optional(tp), BaseModel)


def form_models(tp: Any) -> list[type[BaseModel]]:
    """The models a ``Form()`` parameter reads from the whole form: ``M``, ``M | None``, or a
    union of models (``Person | Company``, with or without a discriminator); [] otherwise."""
    if _is_model(tp):
        return [strip_optional(tp)]
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return []
    models = []
    for arg in typing.get_args(tp):
        if arg is type(None):
            continue
        if typing.get_origin(arg) is Annotated:
            arg = typing.get_args(arg)[0]
        if not (isinstance(arg, type) and issubclass(arg, BaseModel)):
            return []
        models.append(arg)
    return models


def _model_data(model: type[BaseModel], form: FormData) -> dict[str, Any]:
    """What FastAPI hands a form model: each field's value under the first of its names the form
    holds a value for (the last one, or every one for a list field; empty inputs count as none), and
    every form field that is none of the fields' names as is (``extra="forbid"`` sees them)."""
    data: dict[str, Any] = {}
    own = set()
    config = model.model_config
    for name, info in model.model_fields.items():
        is_list = is_scalar_sequence(info.annotation) or _is_upload_list(info.annotation)
        for key, _ in field_request_aliases(name, info, convert_underscores=False, config=config):
            own.add(key)
            value = _form_value(form, key, is_list)
            if value is not None:
                data[key] = value
                break
    extras: dict[str, list[Any]] = {}
    for key, value in form.multi_items():
        if key not in own:
            extras.setdefault(key, []).append(value)
    for key, values in extras.items():
        data[key] = values[0] if len(values) == 1 else values
    return data


def _form_value(form: FormData, key: str, is_list: bool) -> Any:
    """FastAPI's reading of one form name: every value but empty file inputs for a list (None if
    none is left), else the last value unless it is empty; None when there is nothing to read."""
    if is_list:
        values = [v for v in form.getlist(key) if not (isinstance(v, UploadFile) and _is_empty(v))]
        return values or None
    values = form.getlist(key)
    if not values or _is_empty(values[-1]):
        return None
    return values[-1]


def form_field_aliases(name: str, info: Any, config: Any = None) -> list[str]:
    """The form names a model field is read from, in order (see ``field_request_aliases``)."""
    pairs = field_request_aliases(name, info, convert_underscores=False, config=config or {})
    return [key for key, _ in pairs]


def _supplied(model: type[BaseModel], form: FormData) -> bool:
    """Whether the form holds any of the model's fields (an optional model is None otherwise)."""
    config = model.model_config
    own = {key for name, info in model.model_fields.items() for key in form_field_aliases(name, info, config)}
    strict = model.model_config.get("extra") in ("allow", "forbid")
    return bool(own.intersection(form.keys())) or (strict and bool(form))


def _as_form(value: dict[str, Any]) -> FormData:
    return FormData(
        [(key, item) for key, items in value.items() for item in (items if isinstance(items, list) else [items])]
    )


def _union_type(annotation: Any, constraints: dict[str, Any]) -> Any:
    """The union validated for ``Person | Company`` form models: each branch first picks its own
    fields from the form (as FastAPI's union validators do), tagged by model name for errors."""
    choices: list[Any] = []
    for choice in typing.get_args(annotation):
        if choice is type(None):
            choices.append(choice)
            continue
        model: Any = choice
        metadata: tuple[Any, ...] = ()
        if typing.get_origin(choice) is Annotated:
            model, *rest = typing.get_args(choice)
            metadata = tuple(rest)
        tag = next((m for m in reversed(metadata) if isinstance(m, Tag)), Tag(model.__name__))

        def normalise(value: Any, model: type[BaseModel] = model) -> Any:
            if not isinstance(value, dict):
                return value
            data = _model_data(model, _as_form(value))
            data.update({k: v for k, v in value.items() if v is None or (isinstance(v, list) and not v)})
            return data

        choices.append(Annotated[choice, BeforeValidator(normalise), tag])
    union: Any = typing.Union[tuple(choices)]  # noqa: UP007 - built from a tuple
    return Annotated[union, Field(**constraints)] if constraints else union


def _model_reader(spec: ParamSpec, models: list[type[BaseModel]]) -> Callable[[FormData], Any]:
    """Reads a ``Form()`` model (or union of models) from the whole form; errors at ``["body", ...]``."""
    annotation = spec.annotation
    nullable = type(None) in typing.get_args(annotation)
    union = len(models) > 1
    field_type = _union_type(annotation, spec.field.constraints()) if union else _field_type(spec)
    validate = TypeAdapter(field_type).validator.validate_python
    get_default = default_getter(spec)
    required = spec.required

    async def read_model(form: FormData) -> Any:
        if nullable and not any(_supplied(model, form) for model in models):
            if required:
                raise Invalid([missing_error(("body",))])
            return get_default()
        data = _model_data(models[0], form) if not union else _model_data(BaseModel, form)
        try:
            return validate(data)
        except ValidationError as exc:
            raise Invalid(pydantic_errors(exc, ("body",))) from None

    return read_model


async def _read_bytes(upload: UploadFile) -> bytes:
    position = upload.file.tell()
    try:
        return await upload.read()
    finally:
        await upload.seek(position)


def form_reader(specs: list[ParamSpec], limits: Mapping[str, int] | None = None) -> Callable[[Request], Any]:
    """``async read(request) -> values`` for the route's Form/File parameters (raises ``Invalid``);
    ``limits``: the route's ``form_limits`` (``request.form``'s keyword arguments)."""
    readers = [_field_reader(spec) for spec in specs]
    options = dict(limits or {})

    async def read_form(request: Request) -> dict[str, Any]:
        form = await request.form(**options)
        values: dict[str, Any] = {}
        errors: list[Any] = []
        for name, read in readers:
            try:
                values[name] = await read(form)
            except Invalid as exc:
                errors.extend(exc.errors)
        if errors:
            raise Invalid(errors)
        return values

    return read_form


def _field_reader(spec: ParamSpec) -> tuple[str, Callable[[FormData], Any]]:
    alias = spec.alias
    validate = TypeAdapter(_field_type(spec)).validator.validate_python
    get_default = default_getter(spec)
    required = spec.required
    annotation = spec.annotation
    is_file = spec.source == "file"
    validate_default = spec.field.validate_default

    models = form_models(annotation)
    if models:
        return spec.name, _model_reader(spec, models)

    many = is_scalar_sequence(annotation) or _is_upload_list(annotation)
    to_bytes = is_file and _is_bytes(strip_optional(annotation))
    to_bytes_list = is_file and many and _is_bytes_sequence(annotation)
    # AliasChoices("a", "b"): the first name the form holds a value for, named in errors (missing: the first)
    keys = tuple(name for name, _ in spec.choices) or (alias,)
    locs = {key: ("body", key) for key in keys}
    missing_loc = ("body", alias)

    async def read_field(form: FormData) -> Any:
        raw: Any = None
        for key in keys:
            raw = _form_value(form, key, many)
            if raw is not None:
                break
        if raw is None:
            if required:
                raise Invalid([missing_error(missing_loc)])
            if not validate_default:
                return get_default()
            raw = get_default()
            key = alias
        elif to_bytes_list:
            raw = [await _read_bytes(v) if isinstance(v, UploadFile) else v for v in raw]
        elif to_bytes and isinstance(raw, UploadFile):
            raw = await _read_bytes(raw)
        try:
            return validate(raw)
        except ValidationError as exc:
            raise Invalid(pydantic_errors(exc, locs.get(key, missing_loc))) from None

    return spec.name, read_field


def _is_upload_list(tp: Any) -> bool:
    tp = strip_optional(tp)
    args = typing.get_args(tp)
    return typing.get_origin(tp) in (list, typing.List) and bool(args) and strip_optional(args[0]) is UploadFile  # noqa: UP006
