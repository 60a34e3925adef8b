"""The radix-style route tree and the path template syntax (pure data structures, stdlib only)."""

from .paths import PARAM, param_names, path_format
from .tree import Match, RouteConflictError, Tree

__all__ = ["PARAM", "Match", "RouteConflictError", "Tree", "param_names", "path_format"]
