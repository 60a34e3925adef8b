"""Security helpers: the ``SecurityScopes`` mechanism and the scheme base class."""

from .base import SecurityBase, SecurityScopes

__all__ = ["SecurityBase", "SecurityScopes"]
