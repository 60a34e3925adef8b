"""Jinja2 templates (``Jinja2Templates``), as ``fastapi.templating`` offers them.

    templates = Jinja2Templates(directory="templates")

    @app.get("/items/{id}", response_class=HTMLResponse)
    async def read_item(request: Request, id: str):
        return templates.TemplateResponse(request=request, name="item.html", context={"id": id})

Templates see ``request`` and can call ``url_for(name, **path_params)`` (routes
and mounts, such as ``url_for('static', path='/app.css')``). Needs ``jinja2``
(``pip install jinja2``). The environment's templates render the same text as
Jinja2's own, faster (``genever._jinja``: plain-str escaping, cheaper contexts,
a ``str`` or ``int`` written without a call), unless the environment has a
``template_class`` of its own. ``TemplateResponse`` remembers the templates it
has loaded and takes one again only when Jinja2 would load it again (a new
loader or cache on the environment, or ``auto_reload``, Jinja2's default, and a
changed source): an environment made with ``auto_reload=False`` reads no file
metadata per page.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .exceptions import ConfigurationError
from .responses import HTMLResponse

try:  # needs jinja2, an extra: without it Jinja2Templates() says what to install
    from . import _jinja

    _FastTemplate: Any = _jinja.FastTemplate
except ImportError:  # pragma: no cover - depends on the environment
    _jinja = None  # type: ignore[assignment]
    _FastTemplate = None

if TYPE_CHECKING:
    import jinja2

    from .background import BackgroundTask
    from .requests import Request


_KEEP = 400  # template names Jinja2Templates remembers (Jinja2's own cache keeps 400 by default)


class _TemplateResponse(HTMLResponse):
    """An ``HTMLResponse`` that keeps its ``template`` and ``context`` (for tests to inspect)."""

    def __init__(
        self,
        template: Any,
        context: dict[str, Any],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        self.template = template
        self.context = context
        # PERF: a FastTemplate renders the context it is given (already a fresh dict) without copying it
        content = template.render_owned(context) if type(template) is _FastTemplate else template.render(context)
        if headers is None and media_type is None:
            # PERF: HTMLResponse's own headers and UTF-8 body, without Response.__init__'s general path
            self.status_code = status_code
            self.background = background
            self.body = content.encode("utf-8")
            self.raw_headers = [("content-type", "text/html; charset=utf-8")]
        else:
            super().__init__(content, status_code, headers, media_type, background)


class Jinja2Templates:
    """Render Jinja2 templates from ``directory`` (or a ready ``env``) into HTML responses."""

    def __init__(
        self,
        directory: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
        *,
        context_processors: list[Callable[[Request], dict[str, Any]]] | None = None,
        env: jinja2.Environment | None = None,
    ) -> None:
        try:
            import jinja2
        except ImportError:  # pragma: no cover - depends on the environment
            raise ConfigurationError("Jinja2Templates needs jinja2: pip install jinja2") from None
        if (directory is None) == (env is None):
            raise ConfigurationError("Jinja2Templates takes either directory= or env=")
        if env is None:
            env = jinja2.Environment(loader=jinja2.FileSystemLoader(directory), autoescape=True)  # type: ignore[arg-type]

        @jinja2.pass_context
        def url_for(context: Mapping[str, Any], name: str, /, **path_params: Any) -> Any:
            # the URL itself, as Starlette's: a template may write url_for(...).path
            return context["request"].url_for(name, **path_params)

        env.globals.setdefault("url_for", url_for)
        if _jinja is not None:
            _jinja.use_fast_templates(env)
        self.env = env
        self.context_processors = list(context_processors or [])
        # name -> (template, the loader and cache it came through): see _template
        self._loaded: dict[str, tuple[jinja2.Template, Any, Any]] = {}

    def get_template(self, name: str) -> jinja2.Template:
        return self.env.get_template(name)

    def _template(self, name: str) -> jinja2.Template:
        """``env.get_template(name)`` without Jinja2's LRU-cache walk on every page (~10k instructions).

        A template is taken again from the environment when Jinja2 would load it again: the
        environment's loader or cache was replaced, or it auto-reloads (the default) and the
        template's source changed (``is_up_to_date``, Jinja2's own check). Nothing is kept when
        the environment keeps nothing (``cache_size=0``).
        """
        env = self.env
        entry = self._loaded.get(name)
        if entry is not None:
            template, loader, cache = entry
            if loader is env.loader and cache is env.cache and (not env.auto_reload or template.is_up_to_date):
                return template
        template = env.get_template(name)
        if env.cache is not None and (entry is not None or len(self._loaded) < _KEEP):
            self._loaded[name] = (template, env.loader, env.cache)
        return template

    def TemplateResponse(  # FastAPI's (Starlette's) name
        self,
        request: Request | str | None = None,
        name: str | Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> _TemplateResponse:
        """``TemplateResponse(request, name, context)``; the older ``TemplateResponse(name, {"request": ...})`` too."""
        if isinstance(request, str):  # the older order: (name, context, ...)
            request, name, context = None, request, name
        values = dict(context or {})
        request = request if request is not None else values.get("request")
        if request is None:
            raise ValueError("TemplateResponse needs the request: TemplateResponse(request, name, context)")
        if not isinstance(name, str):
            raise ValueError("TemplateResponse needs a template name")
        values.setdefault("request", request)
        for processor in self.context_processors:
            values.update(processor(request))
        return _TemplateResponse(self._template(name), values, status_code, headers, media_type, background)
