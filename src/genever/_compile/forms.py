"""``Form``/``File`` parameters: the route's form fields read from ``request.form()``.

Parameter semantics follow FastAPI: an empty string or an empty file input
counts as missing, lists take every value of the name, ``bytes`` ``File()``
parameters get the file's content, a ``Form()`` model takes the whole form,
and each field is validated on its own with ``loc`` ``["body", name]``.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from .._analysis import ParamSpec, is_scalar_sequence
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


async def _read_bytes(upload: UploadFile) -> bytes:
    position = upload.file.tell()
    try:
        return await upload.read()
    finally:
        await upload.seek(position)


def form_reader(specs: list[ParamSpec]) -> Callable[[Request], Any]:
    """``async read(request) -> values`` for the route's Form/File parameters (raises ``Invalid``)."""
    readers = [_field_reader(spec) for spec in specs]

    async def read_form(request: Request) -> dict[str, Any]:
        form = await request.form()
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

    if _is_model(annotation):
        model_fields = strip_optional(annotation).model_fields
        own = {info.alias or name for name, info in model_fields.items()}

        async def read_model(form: FormData) -> Any:
            data: dict[str, Any] = {}
            for name, info in model_fields.items():
                key = info.alias or name
                many = is_scalar_sequence(info.annotation)
                values = [v for v in form.getlist(key) if not _is_empty(v)]
                if many and values:
                    data[key] = values
                elif values:
                    data[key] = values[-1]
            # the other fields go to the model too, so that extra="forbid" rejects them (as in FastAPI)
            extras: dict[str, list[Any]] = {}
            for key, value in form.multi_items():
                if key not in own:
                    extras.setdefault(key, []).append(value)
            for key, values in extras.items():
                data[key] = values[0] if len(values) == 1 else values
            try:
                return validate(data)
            except ValidationError as exc:
                raise Invalid(pydantic_errors(exc, ("body",))) from None

        return spec.name, read_model

    many = is_scalar_sequence(annotation) or _is_upload_list(annotation)
    to_bytes = is_file and _is_bytes(strip_optional(annotation))
    to_bytes_list = is_file and many and _is_bytes_sequence(annotation)
    loc = ("body", alias)

    async def read_field(form: FormData) -> Any:
        if many:
            raw: Any = [v for v in form.getlist(alias) if not _is_empty(v)]
            if not raw:
                raw = None
            elif to_bytes_list:
                raw = [await _read_bytes(v) if isinstance(v, UploadFile) else v for v in raw]
        else:
            raw = form.get(alias)
            if raw is not None and _is_empty(raw):
                raw = None
            elif to_bytes and isinstance(raw, UploadFile):
                raw = await _read_bytes(raw)
        if raw is None:
            if required:
                raise Invalid([missing_error(loc)])
            if not validate_default:
                return get_default()
            raw = get_default()
        try:
            return validate(raw)
        except ValidationError as exc:
            raise Invalid(pydantic_errors(exc, loc)) from None

    return spec.name, read_field


def _is_upload_list(tp: Any) -> bool:
    tp = strip_optional(tp)
    args = typing.get_args(tp)
    return typing.get_origin(tp) in (list, typing.List) and bool(args) and strip_optional(args[0]) is UploadFile  # noqa: UP006
