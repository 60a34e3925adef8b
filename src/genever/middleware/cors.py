"""CORS: FastAPI's ``CORSMiddleware`` options, as native middleware.

The allowed origins, methods and headers and the constant parts of both
answers are computed in ``__init__``; a request only looks them up. Unlike
Starlette, ``allow_origins=["*"]`` with ``allow_credentials=True`` is refused
at start-up (Starlette reflects any origin with credentials allowed).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..exceptions import ConfigurationError
from ..requests import Request
from ..responses import PlainTextResponse, Response
from . import BaseMiddleware, CallNext

ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY")
SAFELISTED_HEADERS = {"Accept", "Accept-Language", "Content-Language", "Content-Type"}
_PREFLIGHT_VARY = (
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network"
)


class CORSMiddleware(BaseMiddleware):
    """Answer CORS preflight requests and add CORS headers to simple requests."""

    def __init__(
        self,
        allow_origins: Sequence[str] = (),
        allow_methods: Sequence[str] = ("GET",),
        allow_headers: Sequence[str] = (),
        allow_credentials: bool = False,
        allow_origin_regex: str | None = None,
        allow_private_network: bool = False,
        expose_headers: Sequence[str] = (),
        max_age: int = 600,
    ) -> None:
        if "*" in allow_origins and allow_credentials:
            # Starlette then reflects any Origin with credentials allowed: every site could make
            # credentialed requests on behalf of the user. Refused at start-up instead.
            raise ConfigurationError(
                "CORSMiddleware: allow_origins=['*'] with allow_credentials=True would let any site "
                "send credentialed requests (the Origin would be reflected); list the origins allowed "
                "to send credentials, or set allow_credentials=False"
            )
        methods = list(ALL_METHODS if "*" in allow_methods else allow_methods)
        self.allow_all_origins = "*" in allow_origins
        self.allow_all_headers = "*" in allow_headers
        self.allow_origins = frozenset(allow_origins)
        self.allow_methods = frozenset(methods)
        listed_headers = sorted(SAFELISTED_HEADERS | set(allow_headers))
        self.allow_headers = frozenset(h.lower() for h in listed_headers)
        self.allow_origin_regex = re.compile(allow_origin_regex) if allow_origin_regex is not None else None
        self.allow_private_network = allow_private_network
        # with credentials a browser refuses "*": the origin is echoed instead
        self.echo_all = self.allow_all_origins and allow_credentials
        self.preflight_echo = not self.allow_all_origins or allow_credentials

        simple: list[tuple[str, str]] = []
        if self.allow_all_origins:
            simple.append(("access-control-allow-origin", "*"))
        if allow_credentials:
            simple.append(("access-control-allow-credentials", "true"))
        if expose_headers:
            simple.append(("access-control-expose-headers", ", ".join(expose_headers)))
        self.simple_headers = simple

        preflight: dict[str, str] = {"vary": _PREFLIGHT_VARY}
        if not self.preflight_echo:
            preflight["access-control-allow-origin"] = "*"
        preflight["access-control-allow-methods"] = ", ".join(methods)
        preflight["access-control-max-age"] = str(max_age)
        if not self.allow_all_headers:
            preflight["access-control-allow-headers"] = ", ".join(listed_headers)
        if allow_credentials:
            preflight["access-control-allow-credentials"] = "true"
        self.preflight_headers = preflight

    def is_allowed_origin(self, origin: str) -> bool:
        if self.allow_all_origins:
            return True
        if self.allow_origin_regex is not None and self.allow_origin_regex.fullmatch(origin):
            return True
        return origin in self.allow_origins

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        origin = request.header("origin")
        preflight = request.method == "OPTIONS" and request.header("access-control-request-method") is not None
        if origin is not None and preflight:
            return self.preflight(request, origin)
        response = await call_next(request)
        raw = response.raw_headers
        if origin is not None:
            raw = _merge(raw, self.simple_headers)
        if origin is not None and (self.echo_all or (not self.allow_all_origins and self.is_allowed_origin(origin))):
            raw = _merge(raw, [("access-control-allow-origin", origin)])
        response.raw_headers = _vary(raw)
        return response

    def preflight(self, request: Request, origin: str) -> Response:
        headers = dict(self.preflight_headers)
        failures = []
        if self.is_allowed_origin(origin):
            if self.preflight_echo:
                headers["access-control-allow-origin"] = origin
        else:
            failures.append("origin")
        if (request.header("access-control-request-method") or "") not in self.allow_methods:
            failures.append("method")
        requested = request.header("access-control-request-headers")
        if requested is not None:
            if self.allow_all_headers:
                headers["access-control-allow-headers"] = requested
            elif any(name.strip().lower() not in self.allow_headers for name in requested.split(",")):
                failures.append("headers")
        if request.header("access-control-request-private-network") is not None:
            if self.allow_private_network:
                headers["access-control-allow-private-network"] = "true"
            else:
                failures.append("private-network")
        if failures:
            return PlainTextResponse("Disallowed CORS " + ", ".join(failures), status_code=400, headers=headers)
        return PlainTextResponse("OK", status_code=200, headers=headers)


def _merge(raw: list[tuple[str, str]], extra: list[tuple[str, str]]) -> list[tuple[str, str]]:
    names = {k for k, _ in extra}
    return [(k, v) for k, v in raw if k not in names] + extra


def _vary(raw: list[tuple[str, str]]) -> list[tuple[str, str]]:
    existing = [v for k, v in raw if k == "vary"]
    return [(k, v) for k, v in raw if k != "vary"] + [("vary", ", ".join([*existing, "Origin"]))]
