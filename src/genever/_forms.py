"""Forms and uploads: parsing (``request.form()``) and ``Form``/``File`` parameters.

Bodies are parsed by ``python-multipart``'s streaming parsers, fed chunk by
chunk from ``request.stream()``; file parts go to a spooled temporary file
(in memory up to 1 MiB, on disk past that), so a large upload never sits in
memory whole. Parameter semantics follow FastAPI: an empty string or an empty
file input counts as missing, lists take every value of the name, ``bytes``
``File()`` parameters get the file's content, a ``Form()`` model takes the
whole form, and each field is validated on its own with ``loc`` ``["body",
name]``.
"""

from __future__ import annotations

import tempfile
import typing
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, TypeAdapter, ValidationError
from python_multipart.multipart import MultipartParser, QuerystringParser, parse_options_header

from ._analysis import ParamSpec, is_scalar_sequence
from ._validation import Invalid, _field_type, default_getter, missing_error, pydantic_errors
from .datastructures import FormData, Headers, UploadFile
from .exceptions import HTTPException

if TYPE_CHECKING:
    from .requests import Request

SPOOL_MAX_SIZE = 1024 * 1024


async def parse_form(request: Request, *, max_files: int, max_fields: int, max_part_size: int) -> FormData:
    content_type = request._header("content-type") or ""
    media_type, options = parse_options_header(content_type)
    if media_type == b"multipart/form-data":
        boundary = options.get(b"boundary")
        if not boundary:
            raise HTTPException(400, "Missing boundary in multipart.")
        return await _parse_multipart(request, boundary, max_files, max_fields, max_part_size)
    if media_type == b"application/x-www-form-urlencoded":
        return await _parse_urlencoded(request, max_fields)
    return FormData()


async def _parse_urlencoded(request: Request, max_fields: int) -> FormData:
    items: list[tuple[str, Any]] = []
    name = bytearray()
    value = bytearray()

    def on_field_start() -> None:
        name.clear()
        value.clear()

    def on_field_name(data: bytes, start: int, end: int) -> None:
        name.extend(data[start:end])

    def on_field_data(data: bytes, start: int, end: int) -> None:
        value.extend(data[start:end])

    def on_field_end() -> None:
        from urllib.parse import unquote_plus

        items.append((unquote_plus(name.decode("latin-1")), unquote_plus(value.decode("latin-1"))))

    parser = QuerystringParser(
        {
            "on_field_start": on_field_start,
            "on_field_name": on_field_name,
            "on_field_data": on_field_data,
            "on_field_end": on_field_end,
        }
    )
    async for chunk in request.stream():
        parser.write(chunk)
        if len(items) > max_fields:
            raise HTTPException(400, f"Too many fields. Maximum number of fields is {max_fields}.")
    parser.finalize()
    return FormData(items)


class _Part:
    __slots__ = ("data", "file", "headers", "name", "upload")

    def __init__(self) -> None:
        self.headers: list[tuple[str, str]] = []
        self.name = ""
        self.data = bytearray()
        self.upload: UploadFile | None = None
        self.file: Any = None


async def _parse_multipart(
    request: Request, boundary: bytes, max_files: int, max_fields: int, max_part_size: int
) -> FormData:
    items: list[tuple[str, Any]] = []
    parts: list[_Part] = []
    header_field = bytearray()
    header_value = bytearray()
    pending_writes: list[tuple[UploadFile, bytes]] = []
    counts = {"files": 0, "fields": 0}

    def on_part_begin() -> None:
        parts.append(_Part())

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header_field.extend(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header_value.extend(data[start:end])

    def on_header_end() -> None:
        parts[-1].headers.append((header_field.decode("latin-1").lower(), header_value.decode("latin-1")))
        header_field.clear()
        header_value.clear()

    def on_headers_finished() -> None:
        part = parts[-1]
        disposition = dict(part.headers).get("content-disposition", "")
        _, options = parse_options_header(disposition)
        part.name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        if filename is not None:
            counts["files"] += 1
            if counts["files"] > max_files:
                raise HTTPException(400, f"Too many files. Maximum number of files is {max_files}.")
            part.file = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_SIZE)  # noqa: SIM115 - owned by UploadFile
            part.upload = UploadFile(
                part.file, size=0, filename=filename.decode("utf-8", "replace"), headers=Headers(part.headers)
            )
        else:
            counts["fields"] += 1
            if counts["fields"] > max_fields:
                raise HTTPException(400, f"Too many fields. Maximum number of fields is {max_fields}.")

    def on_part_data(data: bytes, start: int, end: int) -> None:
        part = parts[-1]
        chunk = bytes(data[start:end])
        if part.upload is not None:
            pending_writes.append((part.upload, chunk))
        else:
            part.data.extend(chunk)
            if len(part.data) > max_part_size:
                raise HTTPException(400, f"Part exceeded maximum size of {max_part_size // 1024}KB.")

    def on_part_end() -> None:
        part = parts[-1]
        if part.upload is not None:
            items.append((part.name, part.upload))
        else:
            items.append((part.name, part.data.decode("utf-8", "replace")))

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
        },
    )
    form = FormData()
    try:
        async for chunk in request.stream():
            parser.write(chunk)
            # PERF: file data is written after each chunk, off the parser's callbacks,
            # so writes that roll over to disk can use the thread pool.
            for upload, data in pending_writes:
                await upload.write(data)
            pending_writes.clear()
        parser.finalize()
    except HTTPException:
        await FormData([(p.name, p.upload) for p in parts if p.upload is not None]).close()
        raise
    except Exception as exc:
        await FormData([(p.name, p.upload) for p in parts if p.upload is not None]).close()
        raise HTTPException(400, f"Invalid multipart body: {exc}") from None
    # a body cut inside a file part (the parser does not refuse it) leaves that part unfinished:
    # it is not in the form, so nothing else would close its file
    kept = {id(value) for _, value in items}
    await FormData([(p.name, p.upload) for p in parts if p.upload is not None and id(p.upload) not in kept]).close()
    for _, value in items:
        if isinstance(value, UploadFile):
            await value.seek(0)
    form = FormData(items)
    return form


# -- parameters ------------------------------------------------------------------------------------


def _is_bytes(tp: Any) -> bool:
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    return tp is bytes or (len(args) == 1 and args[0] is bytes)


def _is_bytes_sequence(tp: Any) -> bool:
    return is_scalar_sequence(tp) and any(_is_bytes(a) or a is bytes for a in typing.get_args(_strip(tp)))


def _strip(tp: Any) -> Any:
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if typing.get_origin(tp) in (typing.Union, getattr(__import__("types"), "UnionType", None)) and len(args) == 1:
        return args[0]
    return tp


def _is_empty(value: Any) -> bool:
    if isinstance(value, str):
        return value == ""
    if isinstance(value, UploadFile):
        return not value.filename and not value.size
    return False


def _is_model(tp: Any) -> bool:
    return isinstance(_strip(tp), type) and issubclass(_strip(tp), BaseModel)


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
        model_fields = _strip(annotation).model_fields
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
    to_bytes = is_file and _is_bytes(_strip(annotation))
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
    tp = _strip(tp)
    args = typing.get_args(tp)
    return typing.get_origin(tp) in (list, typing.List) and bool(args) and _strip(args[0]) is UploadFile  # noqa: UP006
