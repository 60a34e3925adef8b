"""OpenID Connect discovery (OpenAPI ``openIdConnect`` scheme): returns the raw ``Authorization`` header."""

from __future__ import annotations

from ..exceptions import HTTPException
from ..requests import Request
from .base import SecurityBase


class OpenIdConnect(SecurityBase):
    def __init__(
        self,
        *,
        openIdConnectUrl: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        self.model = {"type": "openIdConnect", "openIdConnectUrl": openIdConnectUrl, "description": description}
        self.scheme_name = scheme_name or type(self).__name__
        self.auto_error = auto_error

    def make_not_authenticated_error(self) -> HTTPException:
        return HTTPException(401, detail="Not authenticated", headers={"WWW-Authenticate": "Bearer"})

    async def __call__(self, request: Request) -> str | None:
        authorization = request._header("authorization")
        if not authorization:
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return authorization
