"""API keys in a header, a query parameter or a cookie (OpenAPI ``apiKey`` schemes)."""

from __future__ import annotations

from ..exceptions import HTTPException
from ..requests import Request
from .base import SecurityBase


class APIKeyBase(SecurityBase):
    location = ""

    def __init__(
        self, *, name: str, scheme_name: str | None = None, description: str | None = None, auto_error: bool = True
    ) -> None:
        self.model = {"type": "apiKey", "in": self.location, "name": name, "description": description}
        self.parameter_name = name
        self.scheme_name = scheme_name or type(self).__name__
        self.auto_error = auto_error

    def make_not_authenticated_error(self) -> HTTPException:
        return HTTPException(401, detail="Not authenticated", headers={"WWW-Authenticate": "APIKey"})

    def check(self, value: str | None) -> str | None:
        if not value:
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return value


class APIKeyHeader(APIKeyBase):
    """The key from the request header ``name``."""

    location = "header"

    async def __call__(self, request: Request) -> str | None:
        return self.check(request.header(self.parameter_name.lower()))


class APIKeyQuery(APIKeyBase):
    """The key from the query parameter ``name``."""

    location = "query"

    async def __call__(self, request: Request) -> str | None:
        return self.check(request.query_dict().get(self.parameter_name))


class APIKeyCookie(APIKeyBase):
    """The key from the cookie ``name``."""

    location = "cookie"

    async def __call__(self, request: Request) -> str | None:
        return self.check(request.cookies.get(self.parameter_name))
