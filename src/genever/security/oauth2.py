"""OAuth2: bearer-token schemes for the password and authorization-code flows, and the
``OAuth2PasswordRequestForm`` a token endpoint reads (OpenAPI ``oauth2`` schemes, so
Swagger UI's "Authorize" button works)."""

from __future__ import annotations

from typing import Annotated, Any

from ..exceptions import HTTPException
from ..params import Form
from ..requests import Request
from .base import SecurityBase
from .base import SecurityScopes as SecurityScopes  # where FastAPI has it too
from .utils import get_authorization_scheme_param


class OAuth2(SecurityBase):
    """Base OAuth2 scheme: returns the raw ``Authorization`` header."""

    def __init__(
        self,
        *,
        flows: dict[str, Any] | None = None,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        self.model = {"type": "oauth2", "flows": flows or {}, "description": description}
        self.scheme_name = scheme_name or type(self).__name__
        self.auto_error = auto_error

    def make_not_authenticated_error(self) -> HTTPException:
        return HTTPException(401, detail="Not authenticated", headers={"WWW-Authenticate": "Bearer"})

    async def __call__(self, request: Request) -> str | None:
        authorization = request.header("authorization")
        if not authorization:
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return authorization

    def _bearer(self, request: Request) -> str | None:
        authorization = request.header("authorization")
        scheme, param = get_authorization_scheme_param(authorization)
        if not authorization or scheme.lower() != "bearer":
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return param


class OAuth2PasswordBearer(OAuth2):
    """The bearer token of the password flow; ``tokenUrl`` is where clients get one."""

    def __init__(
        self,
        tokenUrl: str,
        scheme_name: str | None = None,
        scopes: dict[str, str] | None = None,
        description: str | None = None,
        auto_error: bool = True,
        refreshUrl: str | None = None,
    ) -> None:
        flow: dict[str, Any] = {"tokenUrl": tokenUrl, "scopes": scopes or {}}
        if refreshUrl:
            flow["refreshUrl"] = refreshUrl
        super().__init__(
            flows={"password": flow}, scheme_name=scheme_name, description=description, auto_error=auto_error
        )

    async def __call__(self, request: Request) -> str | None:
        return self._bearer(request)


class OAuth2AuthorizationCodeBearer(OAuth2):
    """The bearer token of the authorization-code flow."""

    def __init__(
        self,
        authorizationUrl: str,
        tokenUrl: str,
        refreshUrl: str | None = None,
        scheme_name: str | None = None,
        scopes: dict[str, str] | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        flow: dict[str, Any] = {"authorizationUrl": authorizationUrl, "tokenUrl": tokenUrl, "scopes": scopes or {}}
        if refreshUrl:
            flow["refreshUrl"] = refreshUrl
        super().__init__(
            flows={"authorizationCode": flow}, scheme_name=scheme_name, description=description, auto_error=auto_error
        )

    async def __call__(self, request: Request) -> str | None:
        return self._bearer(request)


class OAuth2PasswordRequestForm:
    """The form of an OAuth2 password-flow token request; use it as ``Annotated[..., Depends()]``.

    ``scope`` is split on spaces into ``scopes``.
    """

    def __init__(
        self,
        *,
        grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
        username: Annotated[str, Form()],
        password: Annotated[str, Form(json_schema_extra={"format": "password"})],
        scope: Annotated[str, Form()] = "",
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form(json_schema_extra={"format": "password"})] = None,
    ) -> None:
        self.grant_type = grant_type
        self.username = username
        self.password = password
        self.scopes = scope.split()
        self.client_id = client_id
        self.client_secret = client_secret


class OAuth2PasswordRequestFormStrict(OAuth2PasswordRequestForm):
    """``OAuth2PasswordRequestForm`` where ``grant_type=password`` is required, as the spec says."""

    def __init__(
        self,
        grant_type: Annotated[str, Form(pattern="^password$")],
        username: Annotated[str, Form()],
        password: Annotated[str, Form()],
        scope: Annotated[str, Form()] = "",
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form()] = None,
    ) -> None:
        super().__init__(
            grant_type=grant_type,
            username=username,
            password=password,
            scope=scope,
            client_id=client_id,
            client_secret=client_secret,
        )
