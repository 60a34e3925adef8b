"""The ``Request`` object, one class over two wire protocols.

``Request`` is what handlers and dependencies receive. Its two private
subclasses read from ASGI (``scope``/``receive``) or from Granian's RSGI
(``scope``/``proto``); everything is parsed lazily, at most once, so a route
that reads nothing but its path parameters never parses headers, the query
string or cookies.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Coroutine, Generator, Iterator
from http.cookies import _unquote
from typing import TYPE_CHECKING, Any

import msgspec

from ._bridge import ResponseStarted, asgi_http_scope, run_asgi
from .datastructures import URL, Address, FormData, Headers, QueryParams, State, parse_query
from .exceptions import BODY_ERROR_DETAIL, HTTPException
from .formparsers import parse_form

if TYPE_CHECKING:
    from .applications import Genever


def parse_cookies(header: str) -> dict[str, str]:
    """Parse a ``Cookie`` header leniently, as browsers send it (the last duplicate wins)."""
    cookies: dict[str, str] = {}
    for chunk in header.split(";"):
        name, sep, value = chunk.partition("=")
        if not sep:
            name, value = "", name
        name = name.strip()
        value = value.strip()
        if name or value:
            cookies[name] = _unquote(value)
    return cookies


def _too_large() -> HTTPException:
    """The 413 for a body past ``max_body_size``. It says ``Connection: close``: the rest of
    the body is never read, so the connection cannot carry another request (Granian
    closes it, but without the header about one time in 300, and a client that reuses
    the connection then fails its next request)."""
    return HTTPException(413, headers={"connection": "close"})


class _FormOrClose:
    """What ``request.form()`` returns: awaitable, or an async context manager that closes the form."""

    __slots__ = ("_coro", "_form")

    def __init__(self, coro: Coroutine[Any, Any, FormData]) -> None:
        self._coro = coro
        self._form: FormData | None = None

    def __await__(self) -> Generator[Any, None, FormData]:
        return self._coro.__await__()

    async def __aenter__(self) -> FormData:
        self._form = await self._coro
        return self._form

    async def __aexit__(self, *exc_info: object) -> None:
        if self._form is not None:
            await self._form.close()


class ClientDisconnect(Exception):
    """The client went away before the request body was read."""


class Request:
    """The incoming HTTP request.

    Attributes common to both protocols are plain slots; the parsed views
    (``headers``, ``query_params``, ``cookies``, ``url``) are computed on first use.
    """

    __slots__ = (
        "_background",
        "_body",
        "_cleanup",
        "_cookies",
        "_form",
        "_headers",
        "_json",
        "_max_body",  # a route's own max_body_size, when it differs from the app's (None otherwise)
        "_query",
        "_query_list",
        "_receive",
        "_route",  # the matched route's template, set only when observability is on (genever._observe)
        "_send",
        "_state",
        "_stream_consumed",
        "_sub_response",
        "app",
        "method",
        "path",
        "path_params",
        "query_string",
        "root_path",
        "scope",
    )

    # Whether the task serving this request may run inside an anyio cancel scope (an ASGI
    # caller's task group, Starlette's BaseHTTPMiddleware, a test's scope): then the clean-up of
    # yield dependencies is shielded (see _compile/exits). Granian's RSGI tasks never do.
    _in_anyio_scope = True

    scope: Any
    app: Genever
    method: str
    path: str
    query_string: str
    root_path: str
    path_params: dict[str, Any]
    _route: str  # unset unless observability is on

    def _init(self) -> None:
        # PERF: plain attribute stores instead of __init__ keyword plumbing; this
        # runs once per request.
        self._body: bytes | None = None
        self._headers: Headers | None = None
        self._query: dict[str, str] | None = None
        self._query_list: list[tuple[str, str]] | None = None
        self._cookies: dict[str, str] | None = None
        self._json: Any = _UNREAD
        self._state: State | None = None
        self.path_params = {}
        self._cleanup: list[Any] | None = None
        self._max_body: int | None = None  # set by the runner of a route with a body limit of its own
        self._form: Any = None
        self._sub_response: Any = None
        self._background: Any = None

    def __init__(self, scope: dict[str, Any], receive: Any = None, send: Any = None) -> None:
        """A request over an ASGI ``scope`` and ``receive`` (Starlette's signature), as a custom
        ``APIRoute`` builds one around the request it is given: ``GzipRequest(request.scope,
        request.receive)``."""
        self._init()
        self.scope = scope
        self._receive = receive if receive is not None else _receive_nothing
        self._send = send if send is not None else _send_nothing
        self._stream_consumed = False
        self.app = scope.get("app")  # type: ignore[assignment]
        self.method = scope["method"]
        self.query_string = scope["query_string"].decode("latin-1")
        root = self.root_path = scope.get("root_path", "")
        path = scope["path"]
        if root and path.startswith(root):  # the path under the root (the ASGI spec's full path)
            path = _route_path(path, root)
        self.path = path
        self.path_params = dict(scope.get("path_params") or {})
        if "state" in scope:
            self._state = State(dict(scope["state"]))
        # as in Starlette, no _body until the body is read: a subclass may test hasattr(self, "_body")
        del self._body

    @property
    def receive(self) -> Any:
        """The ASGI ``receive`` callable of this request."""
        return self._receive

    # -- cheap accessors (compiled routes, middleware, security schemes) ---------------------
    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (lowercase), or None, without building ``headers``."""
        value: str | None = self.headers.get(name)
        return value

    def header_list(self, name: str) -> list[str]:
        """Every value of header ``name`` (lowercase)."""
        return self.headers.getlist(name)

    def query_pairs(self) -> list[tuple[str, str]]:
        """The query string's ``(name, value)`` pairs, parsed once."""
        pairs = self._query_list
        if pairs is None:
            pairs = self._query_list = parse_query(self.query_string)
        return pairs

    def query_dict(self) -> dict[str, str]:
        """The query string as a dict (the last value of a repeated name), built once."""
        query = self._query
        if query is None:
            query = self._query = dict(self.query_pairs())
        return query

    # -- public API ---------------------------------------------------------------------
    @property
    def headers(self) -> Headers:
        headers = self._headers
        if headers is None:
            headers = self._headers = Headers.from_asgi(self.scope["headers"])
        return headers

    @property
    def query_params(self) -> QueryParams:
        return QueryParams(self.query_pairs())

    @property
    def cookies(self) -> dict[str, str]:
        cookies = self._cookies
        if cookies is None:
            header = self.header("cookie")
            cookies = self._cookies = parse_cookies(header) if header else {}
        return cookies

    @property
    def state(self) -> State:
        if self._state is None:
            self._state = State()
        return self._state

    @property
    def scheme(self) -> str:
        return str(self.scope.get("scheme", "http"))

    @property
    def client(self) -> Address | None:
        client = self.scope.get("client")
        return Address(client[0], client[1]) if client else None

    @property
    def base_url(self) -> URL:
        host = self.header("host") or "localhost"
        return URL(f"{self.scheme}://{host}{self.root_path}/")

    @property
    def url(self) -> URL:
        host = self.header("host") or "localhost"
        query = f"?{self.query_string}" if self.query_string else ""
        return URL(f"{self.scheme}://{host}{self.root_path}{self.path}{query}")

    def url_for(self, name: str, /, **path_params: Any) -> URL:
        """The absolute URL of the route called ``name``: Starlette's ``URL`` when Starlette is in use
        in this process (extensions such as authlib check for its class), else genever's, the same API."""
        path = self.app.url_path_for(name, **path_params)
        url = str(self.base_url).rstrip("/") + path
        starlette = sys.modules.get("starlette.datastructures")
        if starlette is not None:
            return starlette.URL(url)  # type: ignore[no-any-return]
        return URL(url)

    async def body(self) -> bytes:
        body = getattr(self, "_body", None)  # unset in a Request built by user code
        if body is None:
            chunks = [chunk async for chunk in self.stream()]
            body = self._body = b"".join(chunks)
        return body

    def _body_limit(self) -> int | None:
        """The route's ``max_body_size`` (its own, or the app's); raises 413 at once when
        Content-Length already exceeds it."""
        limit = self._max_body
        if limit is None:
            app = self.app
            limit = app.max_body_size if app is not None else None
        if limit is not None:
            declared = self.header("content-length")
            if declared is not None and declared.isdigit() and int(declared) > limit:
                raise _too_large()
        return limit

    async def close(self) -> None:
        """Close the files of a parsed form (done after the response anyway)."""
        if self._form is not None:
            await self._form.close()

    # -- Starlette's HTTPConnection API, for middleware and extensions built on Starlette ----
    # (nothing here runs unless they call it: the request's layout and creation are unchanged)
    @property
    def session(self) -> dict[str, Any]:
        """The session dict set by Starlette's ``SessionMiddleware``."""
        if "session" not in self.scope:
            raise AssertionError("SessionMiddleware must be installed to access request.session")
        session: dict[str, Any] = self.scope["session"]
        return session

    @property
    def auth(self) -> Any:
        """The credentials set by Starlette's ``AuthenticationMiddleware``."""
        if "auth" not in self.scope:
            raise AssertionError("AuthenticationMiddleware must be installed to access request.auth")
        return self.scope["auth"]

    @property
    def user(self) -> Any:
        """The user set by Starlette's ``AuthenticationMiddleware``."""
        if "user" not in self.scope:
            raise AssertionError("AuthenticationMiddleware must be installed to access request.user")
        return self.scope["user"]

    def __getitem__(self, key: str) -> Any:
        return self.scope[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.scope)

    def __len__(self) -> int:
        return len(self.scope)

    def get(self, key: str, default: Any = None) -> Any:
        return self.scope.get(key, default)

    def keys(self) -> Any:
        return self.scope.keys()

    def items(self) -> Any:
        return self.scope.items()

    def values(self) -> Any:
        return self.scope.values()

    async def stream(self) -> AsyncIterator[bytes]:
        read: bytes | None = getattr(self, "_body", None)  # unset in a Request built by user code
        if read is not None:
            yield read
            return
        if self._stream_consumed:
            raise RuntimeError("the request body was already streamed")
        self._stream_consumed = True
        limit = self._body_limit()
        received = 0
        while True:
            message = await self._receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                if chunk:
                    received += len(chunk)
                    if limit is not None and received > limit:
                        raise _too_large()
                    yield chunk
                if not message.get("more_body", False):
                    return
            elif message["type"] == "http.disconnect":
                raise ClientDisconnect()

    async def json(self) -> Any:
        if self._json is _UNREAD:
            self._json = msgspec.json.decode(await self.body())
        return self._json

    def form(
        self, *, max_files: int = 1000, max_fields: int = 1000, max_part_size: int = 1024 * 1024
    ) -> _FormOrClose:
        """The body parsed as a form (urlencoded or multipart); files are closed after the response.

        ``await request.form()``, or ``async with request.form() as form:`` (its files are
        closed on leaving the block), as in Starlette.
        """
        return _FormOrClose(self._parse_form(max_files, max_fields, max_part_size))

    async def _parse_form(self, max_files: int, max_fields: int, max_part_size: int) -> FormData:
        if self._form is None:
            self._form = await parse_form(self, max_files=max_files, max_fields=max_fields, max_part_size=max_part_size)
        form: FormData = self._form
        return form

    async def is_disconnected(self) -> bool:
        return False

    async def call_asgi(self, app: Any, *, root_path: str, path: str, extra: dict[str, Any] | None = None) -> None:
        """Hand this request to the ASGI ``app`` (a mounted app), which answers it by itself; ``extra``
        goes into its scope. Raises ``ResponseStarted`` if ``app`` fails after starting its response
        (nothing else may be sent then), and what ``app`` raised if it fails before."""
        started: list[bool] = []
        downstream = self._send

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                started.append(True)
            await downstream(message)

        try:
            scope = dict(self.scope, app=self.app, root_path=root_path, path=path)
            if extra:
                scope.update(extra)
            await app(scope, self._receive, send)
        except Exception as exc:
            if started:
                raise ResponseStarted(exc) from exc
            raise

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.path}>"


_UNREAD: Any = object()


def _route_path(path: str, root: str) -> str:
    """``path`` without its ``root_path`` prefix (when it is one, at a segment boundary)."""
    if path == root:
        return "/"
    return path[len(root) :] if path[len(root)] == "/" else path


async def _receive_nothing() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send_nothing(message: dict[str, Any]) -> None:
    raise RuntimeError("this request was built without a send channel")


class _ASGIRequest(Request):
    """The request of the ASGI adapter (the app given, not read from the scope)."""

    __slots__ = ()

    def __init__(self, scope: dict[str, Any], receive: Any, send: Any, app: Genever) -> None:
        self._init()
        self.scope = scope
        self._receive = receive
        self._send = send
        self._stream_consumed = False
        self.app = app
        self.method = scope["method"]
        self.query_string = scope["query_string"].decode("latin-1")
        root = self.root_path = scope.get("root_path", "")
        path = scope["path"]
        if root and path.startswith(root):  # the path under the root (the ASGI spec's full path)
            path = _route_path(path, root)
        self.path = path
        if "state" in scope:
            self._state = State(dict(scope["state"]))


class _RSGIRequest(Request):
    __slots__ = ("_asgi_scope", "_proto", "_rsgi")

    _in_anyio_scope = False  # Granian's own task (ASGI middleware under RSGI gets an ASGI request)

    def __init__(self, scope: Any, proto: Any, app: Genever, state: dict[str, Any]) -> None:
        # PERF: Request._init's stores written out here, one call less per request (the RSGI
        # path's hottest constructor); tests/test_requests.py checks both set the same slots
        self._body = None
        self._headers = None
        self._query = None
        self._query_list = None
        self._cookies = None
        self._json = _UNREAD
        self._state = None
        self.path_params = {}
        self._cleanup = None
        self._max_body = None
        self._form = None
        self._sub_response = None
        self._background = None
        self._rsgi = scope
        self._asgi_scope: dict[str, Any] | None = None
        self._proto = proto
        self._stream_consumed = False
        self.app = app
        self.method = scope.method
        self.path = scope.path
        self.query_string = scope.query_string
        self.root_path = app.root_path
        if state:  # the lifespan's state, a shallow copy per request
            self._state = State(dict(state))

    @property
    def headers(self) -> Headers:
        headers = self._headers
        if headers is None:
            headers = self._headers = Headers(self._rsgi.headers.items())
        return headers

    def header(self, name: str) -> str | None:
        # PERF: RSGI headers are a native mapping with lowercase keys.
        value: str | None = self._rsgi.headers.get(name)
        return value

    @property
    def scope(self) -> dict[str, Any]:
        """The request as an ASGI scope dict (built on first use), so code written for ASGI works."""
        scope = self._asgi_scope
        if scope is None:
            scope = self._asgi_scope = asgi_http_scope(self._rsgi, root_path=self.root_path)
            scope["app"] = self.app
            scope["path_params"] = self.path_params
        return scope

    async def call_asgi(self, app: Any, *, root_path: str, path: str, extra: dict[str, Any] | None = None) -> None:
        await run_asgi(app, self._rsgi, self._proto, root_path=root_path, path=path, extra=extra)

    @property
    def scheme(self) -> str:
        return str(self._rsgi.scheme)

    @property
    def client(self) -> Address | None:
        client = self._rsgi.client
        if not client:
            return None
        host, _, port = client.rpartition(":")
        return Address(host.strip("[]"), int(port) if port.isdigit() else 0)

    async def stream(self) -> AsyncIterator[bytes]:
        if self._body is not None:
            yield self._body
            return
        if self._stream_consumed:
            raise RuntimeError("the request body was already streamed")
        self._stream_consumed = True
        limit = self._body_limit()
        declared = self.header("content-length")
        received = 0
        # Granian hands the body over once: a single ``async for`` over the protocol (one
        # ``__aiter__``). It ends the stream with one empty chunk, and reports a body it
        # could not read (malformed chunking, a client gone before its Content-Length) as
        # an empty chunk that is not the last one: a body that cannot be read is a 400.
        # (HTTP/2 may carry an empty DATA frame before the end: there only the length counts.)
        empty = False
        strict = self._rsgi.http_version != "2"
        async for chunk in self._proto:
            if empty and strict:
                raise HTTPException(400, BODY_ERROR_DETAIL)
            if not chunk:
                empty = True
                continue
            received += len(chunk)
            if limit is not None and received > limit:
                raise _too_large()
            yield chunk
        if declared is not None and declared.isdigit() and received != int(declared):
            raise HTTPException(400, BODY_ERROR_DETAIL)

    @property
    def receive(self) -> Any:
        """An ASGI ``receive`` over the RSGI body, for a ``Request`` rebuilt from ``(scope, receive)``:
        the body's chunks, then ``http.disconnect``."""
        chunks = self.stream().__aiter__()
        done = False

        async def receive() -> dict[str, Any]:
            nonlocal done
            if done:
                return {"type": "http.disconnect"}
            try:
                return {"type": "http.request", "body": await chunks.__anext__(), "more_body": True}
            except StopAsyncIteration:
                done = True
                return {"type": "http.request", "body": b"", "more_body": False}

        return receive

    async def body(self) -> bytes:
        body = self._body
        if body is None:
            if self._max_body is None and self.app.max_body_size is None and not self._stream_consumed:
                self._stream_consumed = True  # Granian hands the body over once, whole or streamed
                try:
                    body = await self._proto()
                except RuntimeError:
                    # Granian's ProtocolClosed (a RuntimeError): the body could not be read;
                    # a second read cannot happen (``_stream_consumed`` guards it)
                    raise HTTPException(400, BODY_ERROR_DETAIL) from None
                self._body = body
            else:
                body = self._body = b"".join([chunk async for chunk in self.stream()])
        return body
