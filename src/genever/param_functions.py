"""FastAPI's ``fastapi.param_functions``: the parameter declarations, by the module name FastAPI uses.

In genever the declarations are classes (``genever.params``) that are called
the same way as FastAPI's functions; this module gives them FastAPI's import path.
"""

from .params import Body, Cookie, Depends, File, Form, Header, Path, Query, Security

__all__ = ["Body", "Cookie", "Depends", "File", "Form", "Header", "Path", "Query", "Security"]
