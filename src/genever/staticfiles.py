"""``StaticFiles``: serve a directory, mounted with ``app.mount("/static", StaticFiles(directory=...))``.

Paths are resolved inside the directory and anything that would escape it
(``..`` in any encoding, absolute paths, symlinks pointing outside) is a 404;
with ``follow_symlink=True`` a symlink placed inside the directory is followed
wherever it points, but ``..`` never is. With
``html=True`` a directory serves its ``index.html`` and a missing file the
directory's ``404.html``, as for a static site. Only GET and HEAD are
allowed. Mounted on a genever app it is served natively (no ASGI round
trip) on both protocols; it is also a plain ASGI app.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from .requests import Request, _ASGIRequest
from .responses import FileResponse, PlainTextResponse, RedirectResponse, Response


class StaticFiles:
    def __init__(
        self,
        *,
        directory: str | os.PathLike[str] | None = None,
        html: bool = False,
        check_dir: bool = True,
        follow_symlink: bool = False,
    ) -> None:
        if directory is None:
            raise ValueError("StaticFiles needs a directory")
        self.directory = Path(directory)
        self.html = html
        self.follow_symlink = follow_symlink
        if check_dir and not self.directory.is_dir():
            raise RuntimeError(f"Directory '{directory}' does not exist")

    def _resolve(self, relative: str) -> tuple[Path, os.stat_result] | None:
        if "\x00" in relative:  # no file has a NUL in its name; os.stat would raise
            return None
        root = str(self.directory.resolve())
        # '..' is collapsed before anything touches the disk, so it can never climb out of
        # the directory, whether symlinks are followed or not
        joined = os.path.normpath(os.path.join(root, relative.lstrip("/")))
        if joined != root and not joined.startswith(root.rstrip(os.sep) + os.sep):
            return None
        candidate = Path(joined)
        if not self.follow_symlink:
            # a symlink inside the directory may point anywhere: where it leads must be inside too
            candidate = candidate.resolve()
            try:
                candidate.relative_to(root)
            except ValueError:
                return None
        try:
            return candidate, candidate.stat()
        except (OSError, ValueError):
            return None

    async def handle(self, request: Request, relative: str) -> Response:
        """Serve ``relative`` (the path under the mount point) for ``request``."""
        if request.method not in ("GET", "HEAD"):
            return PlainTextResponse("Method Not Allowed", status_code=405, headers={"Allow": "GET, HEAD"})
        found = self._resolve(relative)
        if found is not None and stat.S_ISDIR(found[1].st_mode):
            if not self.html:
                found = None
            elif not request.path.endswith("/"):
                url = request.url
                return RedirectResponse(str(url.replace(path=url.path + "/")))
            else:
                found = self._resolve(relative.rstrip("/") + "/index.html")
        if found is not None and stat.S_ISREG(found[1].st_mode):
            return FileResponse(found[0], stat_result=found[1])
        if self.html:
            missing = self._resolve("404.html")
            if missing is not None and stat.S_ISREG(missing[1].st_mode):
                return FileResponse(missing[0], status_code=404, stat_result=missing[1])
        return PlainTextResponse("Not Found", status_code=404)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """ASGI entry point (when used outside a genever app, or mounted under ASGI middleware)."""
        request = _ASGIRequest(scope, receive, send, None)  # type: ignore[arg-type]
        root = scope.get("root_path", "")
        path = scope["path"]
        relative = path[len(root):] if root and path.startswith(root) else path
        response = await self.handle(request, relative)
        response._prepare(request)
        await response._send_asgi(send, request.method == "HEAD")
