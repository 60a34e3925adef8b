"""``python -m genever.openapi.assets``: fetch the docs pages' assets into the package (see ``_static``)."""

from __future__ import annotations

import sys

from ._static import CDN, FILES, PACKAGES, STATIC_DIR, available, fetch, main

__all__ = ["CDN", "FILES", "PACKAGES", "STATIC_DIR", "available", "fetch", "main"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
