"""The docs pages' JavaScript and CSS, shipped inside the installed package.

They come from the npm packages ``swagger-ui-dist`` and ``redoc`` (pinned
below), fetched with ``npm pack`` when genever is built or set up — never
copied into the repository — and unpacked into ``genever/openapi/static``.
``python -m genever.openapi.assets`` runs the fetch; ``Genever(docs_cdn=True)``
serves them from a CDN instead. This module needs only the standard library (the
build hook in ``setup.py`` loads it by path); the docs pages import it, while
``assets`` is only the command, so running it never finds itself imported already.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
PACKAGES = {"swagger-ui-dist": "5.35.0", "redoc": "2.5.4"}
# file in the npm tarball → file served by the app
FILES = {
    "swagger-ui-dist": {
        "package/swagger-ui-bundle.js": "swagger-ui-bundle.js",
        "package/swagger-ui.css": "swagger-ui.css",
        "package/favicon-32x32.png": "favicon.png",
        "package/LICENSE": "swagger-ui.LICENSE",
    },
    "redoc": {
        "package/bundles/redoc.standalone.js": "redoc.standalone.js",
        "package/LICENSE": "redoc.LICENSE",
    },
}
CDN = {
    "swagger-ui-bundle.js": "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js",
    "swagger-ui.css": "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css",
    "redoc.standalone.js": "https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js",
    "favicon.png": "https://fastapi.tiangolo.com/img/favicon.png",
}


def available() -> bool:
    """True when every asset file is present in the installed package."""
    return all((STATIC_DIR / name).is_file() for files in FILES.values() for name in files.values())


def fetch(dest: Path = STATIC_DIR) -> None:
    """Download the pinned npm packages with ``npm pack`` and unpack the served files into ``dest``."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed to fetch the docs assets (swagger-ui-dist, redoc); install Node.js")
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        specs = [f"{name}@{version}" for name, version in PACKAGES.items()]
        subprocess.run([npm, "pack", *specs, "--silent", "--pack-destination", tmp], check=True,
                       stdout=subprocess.DEVNULL, timeout=600)  # fmt: skip
        for name, version in PACKAGES.items():
            with tarfile.open(Path(tmp) / f"{name}-{version}.tgz") as archive:
                for member, target in FILES[name].items():
                    source = archive.extractfile(member)
                    if source is None:
                        raise RuntimeError(f"{member} missing from {name}@{version}")
                    (dest / target).write_bytes(source.read())


def main() -> int:
    if available() and "--force" not in sys.argv:
        print(f"docs assets present in {STATIC_DIR}")
        return 0
    fetch()
    print(f"docs assets fetched into {STATIC_DIR}")
    return 0
