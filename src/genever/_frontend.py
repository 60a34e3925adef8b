"""``app.frontend("/", directory="dist")``: a single-page app's build, served as
low-priority routes, as FastAPI's ``frontend()`` does.

A frontend answers only the requests no route, mount or slash redirect of the
app answers (the app checks its frontends last, on the 404 path, so routes pay
nothing for them); of several, the one with the longest path wins. It serves
the files of its directory (a directory's ``index.html``, with a redirect to
the trailing slash), then its fallback: ``404.html`` (status 404) for any
request, or ``index.html`` for a browser's navigation (``Accept: text/html``),
so that client-side routes load the app. Methods other than GET and HEAD are a
405 where a file exists, else a 404. The route's dependencies (the app's, its
routers') run before the file is served, as for any route.

Each declaration is a ``routing.FrontendRoute`` (an ``APIRoute``), so
``include_router`` prefixes it and gives it the routers' dependencies as it does
for every route; this module holds the files' side.
"""

from __future__ import annotations

import contextlib
import email.message
import os
import stat
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from .exceptions import HTTPException
from .requests import Request
from .responses import FileResponse, RedirectResponse, Response
from .staticfiles import StaticFiles

Fallback = Literal["auto", "index.html", "404.html"] | None
_FALLBACKS = ("auto", "index.html", "404.html", None)


def normalize_path(path: str) -> str:
    if not path:
        raise AssertionError("A frontend path cannot be empty")
    if not path.startswith("/"):
        raise AssertionError("A frontend path must start with '/'")
    return path if path == "/" else path.rstrip("/")


def resolve_check_dir(directory: str | os.PathLike[str], check_dir: bool | Literal["auto"]) -> bool:
    """``check_dir="auto"``: check, except in development (``GENEVER_ENV`` or ``FASTAPI_ENV`` set to
    ``"development"``), where a missing directory is only a warning (a build may come later)."""
    if check_dir != "auto":
        return bool(check_dir)
    if os.environ.get("GENEVER_ENV", os.environ.get("FASTAPI_ENV")) != "development":
        return True
    if not os.path.isdir(directory):
        warnings.warn(
            f"Frontend directory '{directory}' does not exist. Resolved absolute path: '{os.path.realpath(directory)}'",
            stacklevel=3,
        )
    return False


def _accepted_media_types(accept: str) -> Iterator[tuple[str, float]]:
    for raw in accept.split(","):
        message = email.message.Message()
        message["content-type"] = raw.strip()
        quality = 1.0
        q = message.get_param("q")
        if isinstance(q, str):
            with contextlib.suppress(ValueError):  # an invalid q counts as 1, as FastAPI reads it
                quality = float(q)
        yield f"{message.get_content_maintype()}/{message.get_content_subtype()}", quality


def is_navigation(request: Request) -> bool:
    """A browser loading a page: it accepts HTML explicitly (``*/*`` alone is not enough)."""
    return any(
        media in ("text/html", "application/xhtml+xml") and quality != 0
        for media, quality in _accepted_media_types(request.headers.get("accept", ""))
    )


class Frontend:
    """The files of one ``frontend()`` declaration and how a request for them is answered."""

    def __init__(self, directory: str | os.PathLike[str], fallback: Fallback, check_dir: bool) -> None:
        if fallback not in _FALLBACKS:
            raise AssertionError("fallback must be 'auto', 'index.html', '404.html', or None")
        if check_dir and not os.path.isdir(directory):
            raise RuntimeError(
                f"Frontend directory '{directory}' does not exist. "
                f"Resolved absolute path: '{os.path.realpath(directory)}'"
            )
        self.directory = directory
        self.fallback = fallback
        self.files = StaticFiles(directory=directory, html=True, check_dir=False)
        self._checked = check_dir
        if check_dir and fallback in ("index.html", "404.html"):
            self._required(fallback)

    def _required(self, name: str) -> tuple[Path, os.stat_result]:
        found = self._file(name)
        if found is None:
            raise RuntimeError(
                f"Frontend fallback file '{name}' does not exist in directory '{self.directory}'. "
                f"Resolved absolute directory: '{os.path.realpath(self.directory)}'"
            )
        return found

    def _file(self, relative: str) -> tuple[Path, os.stat_result] | None:
        found = self.files._resolve(relative)
        return found if found is not None and stat.S_ISREG(found[1].st_mode) else None

    def _resource(self, relative: str) -> tuple[Path, os.stat_result, bool] | None:
        """The file for ``relative``, or its directory's ``index.html`` (then True)."""
        found = self.files._resolve(relative)
        if found is None:
            return None
        if stat.S_ISREG(found[1].st_mode):
            return found[0], found[1], False
        if stat.S_ISDIR(found[1].st_mode):
            index = self._file(os.path.join(relative, "index.html"))
            if index is not None:
                return index[0], index[1], True
        return None

    def _fallback_applies(self, name: str) -> bool:
        return self.fallback == name or (self.fallback == "auto" and self._file(name) is not None)

    async def respond(self, request: Request, relative: str) -> Response:
        if not self._checked:  # check_dir=False: a directory that is still missing fails here, once
            if not os.path.isdir(self.directory):
                raise RuntimeError(f"StaticFiles directory '{self.directory}' does not exist.")
            self._checked = True
        relative = os.path.normpath(os.path.join(*relative.split("/"))) if relative else "."
        if request.method not in ("GET", "HEAD"):
            raise HTTPException(405 if self._resource(relative) is not None else 404)
        resource = self._resource(relative)
        if resource is not None:
            path, stat_result, is_index = resource
            if is_index and not request.path.endswith("/"):
                url = request.url
                return RedirectResponse(str(url.replace(path=url.path + "/")))
            return FileResponse(path, stat_result=stat_result)
        if self._fallback_applies("404.html"):
            path, stat_result = self._required("404.html")
            return FileResponse(path, status_code=404, stat_result=stat_result)
        if self._fallback_applies("index.html") and is_navigation(request):
            path, stat_result = self._required("index.html")
            return FileResponse(path, stat_result=stat_result)
        raise HTTPException(404)


def frontend_for(frontends: list[tuple[Any, Any]], path: str) -> Any:
    """The runner of the frontend with the longest path that holds ``path``, or None."""
    best: Any = None
    best_length = -1
    for route, runner in frontends:
        if route.relative(path) is not None and len(route.prefix) > best_length:
            best, best_length = runner, len(route.prefix)
    return best
