"""The interactive docs: Swagger UI at ``/docs``, ReDoc at ``/redoc``, and ``/openapi.json``.

The pages load their JavaScript and CSS from the app itself (``/docs/static/...``,
files shipped in the package, see ``assets``), so they work with no internet
access; ``Genever(docs_cdn=True)`` points them at a CDN instead.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..encoders import encode_json
from ..requests import Request
from ..responses import HTMLResponse, JSONResponse, Response
from ..routing import APIRoute
from . import _static as assets

if TYPE_CHECKING:
    from ..applications import Genever

logger = logging.getLogger("genever.docs")

SWAGGER_UI_DEFAULTS = {
    "dom_id": "#swagger-ui",
    "layout": "BaseLayout",
    "deepLinking": True,
    "showExtensions": True,
    "showCommonExtensions": True,
}
_MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def get_swagger_ui_html(
    *,
    openapi_url: str,
    title: str,
    swagger_js_url: str = assets.CDN["swagger-ui-bundle.js"],
    swagger_css_url: str = assets.CDN["swagger-ui.css"],
    swagger_favicon_url: str = assets.CDN["favicon.png"],
    oauth2_redirect_url: str | None = None,
    init_oauth: dict[str, Any] | None = None,
    swagger_ui_parameters: dict[str, Any] | None = None,
) -> HTMLResponse:
    """The Swagger UI page for the document at ``openapi_url``."""
    parameters = {**SWAGGER_UI_DEFAULTS, **(swagger_ui_parameters or {})}
    config = ",\n        ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in parameters.items())
    redirect = f"\n        oauth2RedirectUrl: window.location.origin + {json.dumps(oauth2_redirect_url)}," if (
        oauth2_redirect_url
    ) else ""
    oauth = f"\n    ui.initOAuth({json.dumps(init_oauth)});" if init_oauth else ""
    html = f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<link type="text/css" rel="stylesheet" href="{_escape(swagger_css_url)}">
<link rel="shortcut icon" href="{_escape(swagger_favicon_url)}">
<title>{_escape(title)}</title>
</head>
<body>
<div id="swagger-ui"></div>
<script src="{_escape(swagger_js_url)}"></script>
<script>
    const ui = SwaggerUIBundle({{
        url: {json.dumps(openapi_url)},
        {config},{redirect}
        presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    }});{oauth}
</script>
</body>
</html>
"""
    return HTMLResponse(html)


def get_redoc_html(
    *,
    openapi_url: str,
    title: str,
    redoc_js_url: str = assets.CDN["redoc.standalone.js"],
    redoc_favicon_url: str = assets.CDN["favicon.png"],
    with_google_fonts: bool = False,
) -> HTMLResponse:
    """The ReDoc page for the document at ``openapi_url``."""
    fonts = (
        '<link href="https://fonts.googleapis.com/css?family=Montserrat:300,400,700|Roboto:300,400,700" '
        'rel="stylesheet">'
        if with_google_fonts
        else ""
    )
    html = f"""<!DOCTYPE html>
<html>
<head>
<title>{_escape(title)}</title>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1">
{fonts}
<link rel="shortcut icon" href="{_escape(redoc_favicon_url)}">
<style>body {{ margin: 0; padding: 0; }}</style>
</head>
<body>
<noscript>ReDoc requires Javascript to function. Please enable it to browse the documentation.</noscript>
<redoc spec-url="{_escape(openapi_url)}"></redoc>
<script src="{_escape(redoc_js_url)}"></script>
</body>
</html>
"""
    return HTMLResponse(html)


def get_swagger_ui_oauth2_redirect_html() -> HTMLResponse:
    """The page Swagger UI's OAuth2 flows return to; it hands the result back to the opener window."""
    html = """<!doctype html>
<html lang="en-US">
<head><title>Swagger UI: OAuth2 Redirect</title></head>
<body>
<script>
'use strict';
function run() {
    var oauth2 = window.opener.swaggerUIRedirectOauth2;
    var sentState = oauth2.state;
    var redirectUrl = oauth2.redirectUrl;
    var isValid, qp, arr;
    if (/code|token|error/.test(window.location.hash)) {
        qp = window.location.hash.substring(1).replace('?', '&');
    } else {
        qp = location.search.substring(1);
    }
    arr = qp.split("&");
    arr.forEach(function (v, i, _arr) { _arr[i] = '"' + v.replace('=', '":"') + '"'; });
    qp = qp ? JSON.parse('{' + arr.join() + '}', function (key, value) {
        return key === "" ? value : decodeURIComponent(value);
    }) : {};
    isValid = qp.state === sentState;
    if ((oauth2.auth.schema.get("flow") === "accessCode" ||
         oauth2.auth.schema.get("flow") === "authorizationCode" ||
         oauth2.auth.schema.get("flow") === "authorization_code") && !oauth2.auth.code) {
        if (!isValid) {
            oauth2.errCb({authId: oauth2.auth.name, source: "auth", level: "warning",
                          message: "Authorization may be unsafe, passed state was changed in server."});
        }
        if (qp.code) {
            delete oauth2.state;
            oauth2.auth.code = qp.code;
            oauth2.callback({auth: oauth2.auth, redirectUrl: redirectUrl});
        } else {
            var oauthErrorMsg;
            if (qp.error) {
                oauthErrorMsg = "[" + qp.error + "]: " +
                    (qp.error_description ? qp.error_description + ". " : "no accessCode received from the server. ") +
                    (qp.error_uri ? "More info: " + qp.error_uri : "");
            }
            oauth2.errCb({authId: oauth2.auth.name, source: "auth", level: "error",
                          message: oauthErrorMsg || "[Authorization failed]: no accessCode received from the server."});
        }
    } else {
        oauth2.callback({auth: oauth2.auth, token: qp, isValid: isValid, redirectUrl: redirectUrl});
    }
    window.close();
}
if (document.readyState !== 'loading') { run(); } else {
    document.addEventListener('DOMContentLoaded', function () { run(); });
}
</script>
</body>
</html>
"""
    return HTMLResponse(html)


def _add_docs_route(app: Genever, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
    """A docs route: served like any other, but outside the app's ``dependencies`` (as FastAPI's
    docs routes are), so a global auth dependency does not lock out ``/docs`` and ``/openapi.json``."""
    app.routes_changed()
    app.routes.append(APIRoute(path, endpoint, methods=["GET"], **kwargs))


def setup_docs_routes(app: Genever) -> None:
    """Add ``/openapi.json``, ``/docs`` (+ its OAuth2 redirect and static files) and ``/redoc`` to ``app``."""
    if not app.openapi_url:
        return
    openapi_url = app.openapi_url

    cache: dict[str, Any] = {}

    async def openapi(request: Request) -> Response:
        # PERF: the document is encoded once per root path; app.openapi_schema may be
        # replaced (custom openapi()), which starts a new cache
        document = app.openapi()
        if cache.get("document") is not document:
            cache.clear()
            cache["document"] = document
        root_path = request.root_path.rstrip("/")
        body = cache.get(root_path)
        if body is None:
            servers = document.get("servers") or []
            if root_path and app.root_path_in_servers and not any(s.get("url") == root_path for s in servers):
                # behind a proxy that sets root_path (FastAPI adds the request's root path)
                document = {**document, "servers": [{"url": root_path}, *servers]}
            body = cache[root_path] = encode_json(document)
        return Response(body, media_type="application/json")

    _add_docs_route(app, openapi_url, openapi, include_in_schema=False, response_class=JSONResponse)
    static_prefix = (app.docs_url or app.redoc_url or "/docs").rstrip("/") + "/static"

    def url(name: str, request: Request) -> str:
        if getattr(app, "docs_cdn", False) or not assets.available():
            return assets.CDN[name]
        return request.root_path + static_prefix + "/" + name

    if app.docs_url:

        async def swagger_ui(request: Request) -> Response:
            return get_swagger_ui_html(
                openapi_url=request.root_path + openapi_url,
                title=f"{app.title} - Swagger UI",
                swagger_js_url=url("swagger-ui-bundle.js", request),
                swagger_css_url=url("swagger-ui.css", request),
                swagger_favicon_url=url("favicon.png", request),
                oauth2_redirect_url=(request.root_path + app.swagger_ui_oauth2_redirect_url)
                if app.swagger_ui_oauth2_redirect_url
                else None,
                init_oauth=app.swagger_ui_init_oauth,
                swagger_ui_parameters=app.swagger_ui_parameters,
            )

        _add_docs_route(app, app.docs_url, swagger_ui, include_in_schema=False)
        if app.swagger_ui_oauth2_redirect_url:

            async def oauth2_redirect() -> Response:
                return get_swagger_ui_oauth2_redirect_html()

            _add_docs_route(app, app.swagger_ui_oauth2_redirect_url, oauth2_redirect, include_in_schema=False)
    if app.redoc_url:

        async def redoc(request: Request) -> Response:
            return get_redoc_html(
                openapi_url=request.root_path + openapi_url,
                title=f"{app.title} - ReDoc",
                redoc_js_url=url("redoc.standalone.js", request),
                redoc_favicon_url=url("favicon.png", request),
            )

        _add_docs_route(app, app.redoc_url, redoc, include_in_schema=False)
    if app.docs_url or app.redoc_url:
        files = {name for group in assets.FILES.values() for name in group.values()}

        async def static(name: str) -> Response:
            path = assets.STATIC_DIR / name
            if name not in files or not path.is_file():
                return JSONResponse({"detail": "Not Found"}, status_code=404)
            media_type = _MEDIA_TYPES.get(path.suffix, "text/plain")
            cache = {"cache-control": "public, max-age=86400"}
            return Response(path.read_bytes(), media_type=media_type, headers=cache)

        _add_docs_route(app, static_prefix + "/{name}", static, include_in_schema=False)
