"""OpenID Connect discovery (OpenAPI ``openIdConnect`` scheme): returns the raw ``Authorization`` header."""

from __future__ import annotations

from .oauth2 import OAuth2


class OpenIdConnect(OAuth2):
    """Same answers as the base ``OAuth2`` scheme; only its OpenAPI description differs."""

    def __init__(
        self,
        *,
        openIdConnectUrl: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(scheme_name=scheme_name, description=description, auto_error=auto_error)
        self.model = {"type": "openIdConnect", "openIdConnectUrl": openIdConnectUrl, "description": description}
