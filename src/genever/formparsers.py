"""Form bodies (``request.form()``): ``application/x-www-form-urlencoded`` and
``multipart/form-data``, parsed by ``python-multipart``'s streaming parsers.

Chunks are fed from ``request.stream()``; file parts go to a spooled
temporary file (in memory up to 1 MiB, on disk past that), so a large upload
never sits in memory whole. The ``Form``/``File`` parameters on top of this
live with the compiled plans (``_compile``).
"""

from __future__ import annotations

import tempfile
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from python_multipart.multipart import MultipartParser, QuerystringParser, parse_options_header

from .datastructures import FormData, Headers, UploadFile
from .exceptions import HTTPException

if TYPE_CHECKING:
    from .requests import Request

SPOOL_MAX_SIZE = 1024 * 1024


async def parse_form(request: Request, *, max_files: int, max_fields: int, max_part_size: int) -> FormData:
    content_type = request.header("content-type") or ""
    media_type, options = parse_options_header(content_type)
    if media_type == b"multipart/form-data":
        boundary = options.get(b"boundary")
        if not boundary:
            raise HTTPException(400, "Missing boundary in multipart.")
        return await _parse_multipart(request, boundary, max_files, max_fields, max_part_size)
    if media_type == b"application/x-www-form-urlencoded":
        return await _parse_urlencoded(request, max_fields, max_part_size)
    return FormData()


async def _parse_urlencoded(request: Request, max_fields: int, max_part_size: int) -> FormData:
    items: list[tuple[str, Any]] = []
    name = bytearray()
    value = bytearray()

    def on_field_start() -> None:
        name.clear()
        value.clear()

    def check_size() -> None:  # a field's name and value, as Starlette counts them
        if len(name) + len(value) > max_part_size:
            raise HTTPException(400, f"Field exceeded maximum size of {max_part_size // 1024}KB.")

    def on_field_name(data: bytes, start: int, end: int) -> None:
        name.extend(data[start:end])
        check_size()

    def on_field_data(data: bytes, start: int, end: int) -> None:
        value.extend(data[start:end])
        check_size()

    def on_field_end() -> None:
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
    parser.finalize()  # the last field ends here
    if len(items) > max_fields:
        raise HTTPException(400, f"Too many fields. Maximum number of fields is {max_fields}.")
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
