"""The ``genever`` command.

    genever run module:app [--host H] [--port P] [--workers N] [--reload]
    genever routes module:app

``run`` serves the app on Granian through RSGI (the fast path); ``routes``
prints the route table. A target that cannot be imported, or is not a
genever app, is reported in one line, with exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._analysis import flat_body_params, flat_params
from .applications import Genever
from .exceptions import GeneverError
from .routing import APIRoute


class TargetError(Exception):
    """The ``module:app`` target cannot be loaded; the message is one line for the user."""


def load_app(target: str) -> Genever:
    """Import ``module:attribute`` and check that it is a genever app."""
    module_name, sep, attr = target.partition(":")
    if not sep or not module_name or not attr:
        raise TargetError(f"target {target!r} must look like 'module:app' (e.g. 'examples.hello:app')")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise TargetError(f"cannot import module {module_name!r}: no such module") from None
        raise TargetError(f"importing {module_name!r} failed: {type(exc).__name__}: {exc}") from None
    except GeneverError as exc:
        raise TargetError(f"{module_name}: {exc}") from None
    except Exception as exc:
        raise TargetError(f"importing {module_name!r} failed: {type(exc).__name__}: {exc}") from None
    app: Any = module
    for part in attr.split("."):
        try:
            app = getattr(app, part)
        except AttributeError:
            raise TargetError(f"module {module_name!r} has no attribute {attr!r}") from None
    if not isinstance(app, Genever):
        raise TargetError(f"{target} is a {type(app).__name__}, not a genever app (genever.Genever)")
    try:
        app.freeze()
    except GeneverError as exc:
        raise TargetError(str(exc)) from None
    return app


def route_table(app: Genever) -> list[tuple[str, str, str, str]]:
    """(methods, path, handler, parameters) for every route, in declaration order."""
    rows = []
    for route in app.routes:
        if not isinstance(route, APIRoute):
            rows.append(("*", getattr(route, "path", "?"), type(route).__name__, ""))
            continue
        handler = f"{route.endpoint.__module__}.{getattr(route.endpoint, '__qualname__', route.name)}"
        parts = [f"{spec.source}:{spec.alias}" for spec in flat_params(route.dependant)]
        parts += [f"body:{spec.alias}" for spec in flat_body_params(route.dependant)]
        rows.append((",".join(sorted(route.methods)), route.path, handler, " ".join(parts)))
    return rows


def _print_routes(app: Genever) -> None:
    rows = [("METHODS", "PATH", "HANDLER", "PARAMETERS"), *route_table(app)]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}".rstrip())


def _serve(args: argparse.Namespace) -> None:
    from granian.constants import Interfaces
    from granian.server import Server

    server = Server(
        target=args.target,
        address=args.host,
        port=args.port,
        interface=Interfaces.RSGI,
        workers=args.workers,
        reload=args.reload,
        websockets=True,
        log_access=args.access_log,
        working_dir=Path.cwd(),
    )
    server.serve()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="genever", description="Serve and inspect genever apps.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="serve module:app on Granian (RSGI)")
    run.add_argument("target", help="the app, as module:attribute")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--workers", type=int, default=1)
    run.add_argument("--reload", action="store_true", help="restart when a source file changes")
    run.add_argument("--access-log", action="store_true")
    routes = commands.add_parser("routes", help="print the route table of module:app")
    routes.add_argument("target", help="the app, as module:attribute")
    args = parser.parse_args(argv)
    try:
        app = load_app(args.target)
    except TargetError as exc:
        print(f"genever: error: {exc}", file=sys.stderr)
        return 2
    if args.command == "routes":
        _print_routes(app)
        return 0
    _serve(args)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
