"""The static directory the path tests serve: files, a subdirectory, symlinks in and out."""

from __future__ import annotations

from pathlib import Path


def make_tree(base: Path) -> Path:
    """``base/site`` (served) with a file, a subdirectory, a symlink inside pointing inside, one
    pointing outside (to ``base/secret.txt``); returns ``base/site``."""
    site = base / "site"
    (site / "inner").mkdir(parents=True)
    (site / "hello.txt").write_text("hello")
    (site / "inner" / "page.txt").write_text("page")
    (site / "back\\slash.txt").write_text("backslash")
    (base / "secret.txt").write_text("secret")
    (site / "link-in.txt").symlink_to(site / "inner" / "page.txt")
    (site / "link-out.txt").symlink_to(base / "secret.txt")
    (site / "dir-out").symlink_to(base, target_is_directory=True)
    return site
