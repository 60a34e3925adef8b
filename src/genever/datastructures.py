"""Small request-side containers: ``Headers``, ``QueryParams``, ``URL``, ``Address``,
``State``.

They are built lazily by ``Request`` only when user code asks for them; the
compiled parameter extractors read the raw values directly and never build
these objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple, TypeVar
from urllib.parse import SplitResult, unquote_plus, urlencode, urlsplit

from pydantic_core import core_schema

from .concurrency import run_in_threadpool


def parse_query(query: str) -> list[tuple[str, str]]:
    """Split a query string into decoded ``(key, value)`` pairs, keeping blanks.

    PERF: ``urllib.parse.parse_qsl`` is several times slower on the short query
    strings APIs see; here the common case (no ``%`` and no ``+``) costs one
    ``split`` and one ``partition`` per pair.
    """
    pairs: list[tuple[str, str]] = []
    if not query:
        return pairs
    for part in query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        if "%" in part or "+" in part:
            key = unquote_plus(key)
            value = unquote_plus(value)
        pairs.append((key, value))
    return pairs


class ImmutableMultiDict(Mapping[str, str]):
    """A read-only mapping where a key may have several values (the last one wins in ``[]``)."""

    __slots__ = ("_dict", "_list")

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._list = list(items)
        self._dict = dict(self._list)

    def getlist(self, key: str) -> list[str]:
        return [v for k, v in self._list if k == key]

    def multi_items(self) -> list[tuple[str, str]]:
        return list(self._list)

    def __getitem__(self, key: str) -> str:
        return self._dict[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict)

    def __len__(self) -> int:
        return len(self._dict)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ImmutableMultiDict):
            return sorted(self._list) == sorted(other._list)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._list)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._list!r})"


class QueryParams(ImmutableMultiDict):
    """The query string as a multi-dict; ``str()`` re-encodes it."""

    __slots__ = ()

    def __init__(self, query: str | Iterable[tuple[str, str]] | Mapping[str, str] = "") -> None:
        if isinstance(query, str):
            super().__init__(parse_query(query))
        elif isinstance(query, Mapping):
            super().__init__(query.items())
        else:
            super().__init__(query)

    def __str__(self) -> str:
        return urlencode(self._list)


class Headers(Mapping[str, str]):
    """Request or response headers: case-insensitive, several values per name allowed.

    ``headers["x"]`` and ``.get`` return the first value; ``getlist`` all of them.
    """

    __slots__ = ("_list",)

    def __init__(self, raw: Iterable[tuple[str, str]] | Mapping[str, str] | None = None) -> None:
        if raw is None:
            self._list: list[tuple[str, str]] = []
        elif isinstance(raw, Mapping):
            self._list = [(k.lower(), v) for k, v in raw.items()]
        else:
            self._list = [(k.lower(), v) for k, v in raw]

    @classmethod
    def from_asgi(cls, raw: Iterable[tuple[bytes, bytes]]) -> Headers:
        headers = cls()
        headers._list = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in raw]
        return headers

    def multi_items(self) -> list[tuple[str, str]]:
        """Every ``(name, value)`` pair, names in lowercase, in order."""
        return list(self._list)

    @property
    def raw(self) -> list[tuple[bytes, bytes]]:
        """The pairs as latin-1 bytes, as Starlette's ``Headers.raw`` (a copy: changing it changes nothing)."""
        return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in self._list]

    def mutablecopy(self) -> MutableHeaders:
        return MutableHeaders(self._list)

    def getlist(self, key: str) -> list[str]:
        key = key.lower()
        return [v for k, v in self._list if k == key]

    def get(self, key: str, default: Any = None) -> Any:
        key = key.lower()
        for k, v in self._list:
            if k == key:
                return v
        return default

    def __getitem__(self, key: str) -> str:
        key = key.lower()
        for k, v in self._list:
            if k == key:
                return v
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and any(k == key.lower() for k, _ in self._list)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(k for k, _ in self._list))

    def __len__(self) -> int:
        return len({k for k, _ in self._list})

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Headers):
            return sorted(self._list) == sorted(other._list)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._list)))

    def __repr__(self) -> str:
        return f"Headers({self._list!r})"


class MutableHeaders(Headers):
    """Response headers that handlers and middleware may change."""

    __slots__ = ()

    def __setitem__(self, key: str, value: str) -> None:
        key = key.lower()
        self._list = [(k, v) for k, v in self._list if k != key]
        self._list.append((key, value))

    def __delitem__(self, key: str) -> None:
        key = key.lower()
        self._list = [(k, v) for k, v in self._list if k != key]

    def add_vary_header(self, vary: str) -> None:
        existing = self.get("vary")
        self["vary"] = f"{existing}, {vary}" if existing is not None else vary

    def append(self, key: str, value: str) -> None:
        self._list.append((key.lower(), value))

    def setdefault(self, key: str, value: str) -> str:
        current = self.get(key)
        if current is None:
            self.append(key, value)
            return value
        return str(current)

    def update(self, other: Mapping[str, str]) -> None:
        for k, v in other.items():
            self[k] = v

    __hash__ = None  # type: ignore[assignment]


class Address(NamedTuple):
    host: str
    port: int


class URL:
    """A URL with its parts as attributes (``url.path``, ``url.query``...); compares equal to its string."""

    __slots__ = ("_url",)

    def __init__(self, url: str = "") -> None:
        self._url = str(url)

    def __str__(self) -> str:
        return self._url

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str | URL) and str(other) == self._url

    def __hash__(self) -> int:
        return hash(self._url)

    @property
    def _parts(self) -> SplitResult:
        return urlsplit(self._url)

    @property
    def scheme(self) -> str:
        return self._parts.scheme

    @property
    def netloc(self) -> str:
        return self._parts.netloc

    @property
    def hostname(self) -> str | None:
        return self._parts.hostname

    @property
    def port(self) -> int | None:
        return self._parts.port

    @property
    def path(self) -> str:
        return self._parts.path

    @property
    def query(self) -> str:
        return self._parts.query

    @property
    def fragment(self) -> str:
        return self._parts.fragment

    @property
    def is_secure(self) -> bool:
        return self.scheme in ("https", "wss")

    def replace(self, **kwargs: Any) -> URL:
        return URL(self._parts._replace(**kwargs).geturl())

    @property
    def components(self) -> SplitResult:
        return self._parts

    @property
    def username(self) -> str | None:
        return self._parts.username

    @property
    def password(self) -> str | None:
        return self._parts.password

    def include_query_params(self, **params: Any) -> URL:
        query = dict(QueryParams(self.query))
        query.update({k: str(v) for k, v in params.items()})
        return self.replace(query=urlencode(query))

    def replace_query_params(self, **params: Any) -> URL:
        return self.replace(query=urlencode({k: str(v) for k, v in params.items()}))

    def remove_query_params(self, keys: str | Iterable[str]) -> URL:
        drop = {keys} if isinstance(keys, str) else set(keys)
        kept = [(k, v) for k, v in QueryParams(self.query).multi_items() if k not in drop]
        return self.replace(query=urlencode(kept))

    def __repr__(self) -> str:
        return f"URL({self._url!r})"


class URLPath(str):
    """What ``url_path_for`` returns: the path, a ``str`` that Starlette's code can also make absolute."""

    protocol = ""
    host = ""

    def make_absolute_url(self, base_url: str | URL) -> URL:
        base = urlsplit(str(base_url))
        return URL(f"{base.scheme}://{base.netloc}{base.path.rstrip('/')}{self}")


DefaultType = TypeVar("DefaultType")


class DefaultPlaceholder:
    """A value that was not given explicitly, so an enclosing router's may replace it (FastAPI's)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __bool__(self) -> bool:
        return bool(self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DefaultPlaceholder) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)


def Default(value: Any) -> Any:
    """Mark ``value`` as a default (``DefaultPlaceholder``), as FastAPI's ``fastapi.datastructures.Default``."""
    return DefaultPlaceholder(value)


class State:
    """An attribute bag: ``app.state`` and ``request.state``."""

    def __init__(self, state: dict[str, Any] | None = None) -> None:
        object.__setattr__(self, "_state", state if state is not None else {})

    def __setattr__(self, key: str, value: Any) -> None:
        self._state[key] = value

    def __getattr__(self, key: str) -> Any:
        try:
            return self._state[key]
        except KeyError:
            raise AttributeError(f"'State' object has no attribute '{key}'") from None

    def __delattr__(self, key: str) -> None:
        del self._state[key]

    def __repr__(self) -> str:
        return f"State({self._state!r})"


class FormData(ImmutableMultiDict):
    """A parsed form: field names to strings or ``UploadFile`` objects, several values per name allowed."""

    __slots__ = ()

    def __init__(self, items: Iterable[tuple[str, Any]] = ()) -> None:
        super().__init__(items)

    async def close(self) -> None:
        for _, value in self._list:
            if isinstance(value, UploadFile):
                await value.close()


class UploadFile:
    """An uploaded file: its name, content type and headers, and an async file API
    over a spooled temporary file (kept in memory while small, on disk past that)."""

    def __init__(
        self,
        file: Any,
        *,
        size: int | None = None,
        filename: str | None = None,
        headers: Headers | None = None,
    ) -> None:
        self.file = file
        self.size = size
        self.filename = filename
        self.headers = headers if headers is not None else Headers()

    @property
    def content_type(self) -> str | None:
        value: str | None = self.headers.get("content-type")
        return value

    @property
    def _in_memory(self) -> bool:
        rolled = getattr(self.file, "_rolled", True)
        return not rolled

    async def write(self, data: bytes) -> None:
        if self.size is not None:
            self.size += len(data)
        if self._in_memory:
            self.file.write(data)
        else:
            await run_in_threadpool(self.file.write, data)

    async def read(self, size: int = -1) -> bytes:
        if self._in_memory:
            data: bytes = self.file.read(size)
            return data
        return await run_in_threadpool(self.file.read, size)

    async def seek(self, offset: int) -> None:
        if self._in_memory:
            self.file.seek(offset)
        else:
            await run_in_threadpool(self.file.seek, offset)

    async def close(self) -> None:
        if self._in_memory:
            self.file.close()
        else:
            await run_in_threadpool(self.file.close)

    def __repr__(self) -> str:
        return f"UploadFile(filename={self.filename!r}, size={self.size!r}, headers={self.headers!r})"

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        def validate(value: Any) -> UploadFile:
            if not isinstance(value, UploadFile):
                raise ValueError(f"Expected UploadFile, received: {type(value)}")
            return value

        return core_schema.no_info_plain_validator_function(validate)

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        return {"type": "string", "contentMediaType": "application/octet-stream"}



_DefaultPlaceholder = DefaultPlaceholder  # the name genever's modules use
