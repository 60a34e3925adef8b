"""The ``genever`` command.

    genever run module:app [--host H] [--port P] [--workers N] [options; genever run --help]
    genever routes module:app

``run`` serves the app on Granian through RSGI (the fast path; see
``server.py``), every option also settable as ``GENEVER_<OPTION>`` in the
environment; ``routes`` prints the route table. A target that cannot be imported, or is not a
genever app, is reported in one line, with exit status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import multiprocessing
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from . import _observe
from ._analysis import flat_body_params, flat_params
from .applications import Genever
from .exceptions import GeneverError
from .metrics import ENV_DIR, Metrics
from .middleware.concurrency import ConcurrencyLimitMiddleware
from .middleware.proxy_headers import ProxyHeadersMiddleware
from .middleware.timeout import RequestTimeoutMiddleware
from .routing import APIRoute
from .server import HTTP_MODES, LOOPS, RUNTIME_MODES, TASK_IMPLS, ServerConfig, serve, serve_reloading


class TargetError(Exception):
    """The ``module:app`` target cannot be loaded; the message is one line for the user."""


def load_app(target: str, *, freeze: bool = True) -> Genever:
    """Import ``module:attribute`` and check that it is a genever app (and compile it, unless ``freeze=False``)."""
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
    if freeze:
        _freeze(app)
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


def _default_workers(cpu_max: Path = Path("/sys/fs/cgroup/cpu.max")) -> int:
    """One worker per core this process may run on: its CPU affinity (a cpuset), capped by the
    cgroup's CPU quota rounded up (a container's CPU limit, which the affinity does not show)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    try:
        quota, period = cpu_max.read_text().split()[:2]
        if quota != "max":
            cores = min(cores, max(1, -(-int(quota) // int(period))))
    except (OSError, ValueError):
        pass
    return cores


def _env(name: str, default: Any, kind: Callable[[str], Any] = str) -> Any:
    """``GENEVER_<NAME>`` from the environment, converted by ``kind``, else ``default``."""
    value = os.environ.get("GENEVER_" + name.upper().replace("-", "_"))
    if value is None or value == "":
        return default
    try:
        return kind(value)
    except ValueError:
        raise TargetError(f"GENEVER_{name.upper().replace('-', '_')}={value!r} is not valid") from None


def _flag(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(value)


def _add_run_options(run: argparse.ArgumentParser) -> None:
    """Every option also reads ``GENEVER_<OPTION>`` (``--graceful-timeout`` ← ``GENEVER_GRACEFUL_TIMEOUT``)."""
    def option(name: str, kind: Callable[[str], Any], default: Any, help: str, **kw: Any) -> None:
        run.add_argument(name, type=kind, default=_env(name[2:], default, kind), help=help, **kw)

    def switch(name: str, help: str) -> None:
        run.add_argument(name, action="store_true", default=_env(name[2:], False, _flag), help=help)

    option("--host", str, "127.0.0.1", "address to bind (0.0.0.0 in a container)")
    option("--port", int, 8000, "TCP port")
    option("--uds", Path, None, "bind a Unix domain socket at this path instead of host:port")
    option("--workers", int, None, "worker processes (default: one per core); 1 runs in this process")
    option("--http", str, "auto", "HTTP version; auto: HTTP/1.1 on plain TCP, HTTP/1.1 and 2 (ALPN) with TLS",
           choices=HTTP_MODES)
    option("--ssl-certfile", Path, None, "TLS certificate (PEM)")
    option("--ssl-keyfile", Path, None, "TLS private key (PEM, PKCS#8)")
    option("--ssl-keyfile-password", str, None, "password of the TLS key")
    option("--graceful-timeout", float, 30.0, "seconds a SIGTERM drain may take before workers are killed")
    option("--timeout-keep-alive", float, 5.0, "seconds an idle keep-alive connection stays open")
    option("--request-timeout", float, None, "seconds a request may run before it is answered 504 and cancelled")
    option("--limit-concurrency", int, None, "requests per worker in flight at once; beyond it, 503 at once")
    option("--backpressure", int, None, "requests per worker Granian accepts at once; beyond it, they queue")
    option("--backlog", int, 1024, "the listening socket's backlog")
    option("--root-path", str, None, "the path prefix a proxy serves the app under (for URLs and OpenAPI)")
    option("--forwarded-allow-ips", str, None,
           "comma-separated proxies (IPs, networks, or *) whose Forwarded/X-Forwarded-* headers are believed")
    option("--loop", str, "auto", "event loop (auto: uvloop if installed)", choices=LOOPS)
    option("--task-impl", str, "asyncio", "Granian's task implementation", choices=TASK_IMPLS)
    option("--runtime-mode", str, "auto", "Granian's runtime (auto: st, mt for --http 2)", choices=RUNTIME_MODES)
    option("--log-level", str, "info", "server log level",
           choices=("critical", "error", "warning", "info", "debug"))
    switch("--access-log", "log every request as one JSON object per line")
    switch("--reload", "development only: restart when a source file changes (needs genever[reload])")


def configure_app(app: Genever, args: argparse.Namespace) -> None:
    """Apply the options that live in the app (before it is frozen): root path, proxies, limits."""
    if args.root_path is not None:
        app.root_path = args.root_path.rstrip("/")
    # add_middleware puts the last added outermost: the proxy's view first, then the cap, then the deadline
    if args.request_timeout is not None:
        app.add_middleware(RequestTimeoutMiddleware, args.request_timeout)
    if args.limit_concurrency is not None:
        app.add_middleware(ConcurrencyLimitMiddleware, args.limit_concurrency)
    if args.forwarded_allow_ips:
        app.add_middleware(ProxyHeadersMiddleware, args.forwarded_allow_ips)


def _server_config(args: argparse.Namespace) -> ServerConfig:
    if bool(args.ssl_certfile) != bool(args.ssl_keyfile):
        raise TargetError("--ssl-certfile and --ssl-keyfile go together")
    workers = args.workers if args.workers is not None else _default_workers()
    if workers < 1:
        raise TargetError(f"--workers must be at least 1, not {workers}")
    return ServerConfig(
        target=args.target,
        host=args.host,
        port=args.port,
        uds=args.uds,
        workers=workers,
        http=args.http,
        ssl_certfile=args.ssl_certfile,
        ssl_keyfile=args.ssl_keyfile,
        ssl_keyfile_password=args.ssl_keyfile_password,
        graceful_timeout=args.graceful_timeout,
        timeout_keep_alive=args.timeout_keep_alive,
        backlog=args.backlog,
        backpressure=args.backpressure,
        loop=args.loop,
        task_impl=args.task_impl,
        runtime_mode=args.runtime_mode,
        access_log=args.access_log,
        log_level=args.log_level,
        reload=args.reload,
    )


@contextlib.contextmanager
def _metrics_directory(app: Genever, workers: int) -> Iterator[None]:
    """Several workers of an app with metrics share a fresh directory for them (removed at exit)."""
    if workers < 2 or os.environ.get(ENV_DIR) or not _observe.has(app, Metrics):
        yield
        return
    with tempfile.TemporaryDirectory(prefix="genever-metrics-") as directory:
        os.environ[ENV_DIR] = directory
        try:
            yield
        finally:
            del os.environ[ENV_DIR]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="genever", description="Serve and inspect genever apps.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="serve module:app on Granian (RSGI)")
    run.add_argument("target", help="the app, as module:attribute")
    routes = commands.add_parser("routes", help="print the route table of module:app")
    routes.add_argument("target", help="the app, as module:attribute")
    try:
        _add_run_options(run)
        args = parser.parse_args(argv)
        if args.command == "routes":
            _print_routes(load_app(args.target))
            return 0
        config = _server_config(args)
        if config.reload:
            return _serve_with_reload(args, config)
        app = load_app(args.target, freeze=False)
        configure_app(app, args)
        _freeze(app)
    except TargetError as exc:
        print(f"genever: error: {exc}", file=sys.stderr)
        return 2
    with _metrics_directory(app, config.workers):
        serve(app, config)
    return 0


def _serve_with_reload(args: argparse.Namespace, config: ServerConfig) -> int:
    """Development: the reloader's workers are new processes that import the app afresh on every
    change (nothing loaded here would see the change), configured from the same arguments."""
    load_app(args.target)  # one-line errors here, before the reloader starts
    print("genever: --reload is for development; it watches the working directory", file=sys.stderr)
    os.environ[_RELOAD_ARGS] = json.dumps({k: v for k, v in vars(args).items() if isinstance(v, str | int | float)
                                           or v is None})
    multiprocessing.set_start_method("spawn", force=True)
    serve_reloading(config, "genever.cli:_reloaded_app")
    return 0


_RELOAD_ARGS = "GENEVER__RELOAD_ARGS"


def _reloaded_app() -> Genever:
    """The factory a reloader's worker calls: the target app, configured like ``genever run`` did."""
    values = json.loads(os.environ[_RELOAD_ARGS])
    args = argparse.Namespace(**values)
    app = load_app(args.target, freeze=False)
    configure_app(app, args)
    _freeze(app)
    return app


def _freeze(app: Genever) -> None:
    try:
        app.freeze()
    except GeneverError as exc:
        raise TargetError(str(exc)) from None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
