"""The radix-style route tree (pure data structure, stdlib only)."""

from .tree import Match, RouteConflictError, Tree

__all__ = ["Match", "RouteConflictError", "Tree"]
