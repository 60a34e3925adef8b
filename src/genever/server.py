"""Serving an app on Granian: what ``genever run`` starts.

Two shapes, both built on Granian's own worker code (the same code path as
``python -m granian --interface rsgi``):

- **one worker: one process.** The worker runs in the process that loaded the
  app, so no parent holds a second copy of it (Granian's process manager
  would add one). Restarting a crashed process is the supervisor's job
  (Kubernetes, systemd, Docker's restart policy), as for any single-process
  server.
- **N workers: a parent that forks them.** The parent imports and compiles
  the app once and moves it out of the cyclic GC's reach (``gc.freeze()``)
  before forking, so the workers share those pages copy-on-write instead of
  each building, and then dirtying, its own copy. A worker that dies is forked
  again from the parent at once (``respawn_failed_workers``).

SIGTERM drains: the listener stops accepting, in-flight requests finish, the
lifespan shutdown runs; ``graceful_timeout`` bounds how long that may take.
"""

from __future__ import annotations

import asyncio
import gc
import importlib.util
import logging
import multiprocessing
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._accesslog import logging_config

if TYPE_CHECKING:
    from .applications import Genever

logger = logging.getLogger("genever.server")

HTTP_MODES = ("auto", "1", "2")
LOOPS = ("auto", "asyncio", "uvloop", "rloop")
TASK_IMPLS = ("asyncio", "rust")
RUNTIME_MODES = ("auto", "st", "mt")


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """How ``genever run`` serves an app; every field has a ``--flag`` and a ``GENEVER_*`` variable."""

    target: str
    host: str = "127.0.0.1"
    port: int = 8000
    uds: Path | None = None
    workers: int = 1
    http: str = "auto"
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None
    ssl_keyfile_password: str | None = None
    graceful_timeout: float | None = 30.0
    timeout_keep_alive: float = 5.0
    backlog: int = 1024
    backpressure: int | None = None
    # defaults chosen by benchmarks/run.sh rounds (README, Deployment): uvloop, asyncio tasks, single-threaded
    # runtime (auto), Granian's backpressure (backlog / workers)
    loop: str = "auto"
    task_impl: str = "asyncio"
    runtime_mode: str = "auto"  # Granian: st for RSGI, mt for HTTP/2 only
    access_log: bool = False
    log_level: str = "info"
    reload: bool = False  # development only (cli: serve_reloading)

    @property
    def http_mode(self) -> str:
        """``auto`` means HTTP/1.1 only on plain TCP (no upgrade sniffing per connection), both with TLS (ALPN)."""
        if self.http != "auto":
            return self.http
        return "auto" if self.ssl_certfile else "1"


def serve(app: Genever, config: ServerConfig) -> None:
    """Serve ``app`` (already loaded, configured and frozen from ``config.target``) until SIGTERM/SIGINT."""
    from granian.server import MPServer

    in_process = config.workers == 1
    if not in_process and sys.platform == "linux" and multiprocessing.get_start_method(allow_none=True) != "fork":
        # the workers must be forked from the parent that holds the compiled app (shared pages);
        # Python 3.14 defaults to forkserver, with which Granian would fall back to spawn
        multiprocessing.set_start_method("fork", force=True)
    server_class = _make_in_process_server() if in_process else MPServer
    server = server_class(**_granian_options(config, in_process=in_process))
    _freeze_before_fork()
    # the workers serve the app loaded here: they must not import their own
    server.serve(target_loader=lambda *_: app, wrap_loader=False)


def serve_reloading(config: ServerConfig, factory: str) -> None:
    """Development: Granian's reloader, whose workers build the app by calling ``factory`` ("module:function")."""
    from granian.server import MPServer

    try:
        import watchfiles  # noqa: F401
    except ImportError:
        print("genever: error: --reload needs the reload extra: pip install 'genever[reload]'", file=sys.stderr)
        raise SystemExit(2) from None
    options = _granian_options(config, in_process=False)
    options.update(target=factory, factory=True, reload=True, respawn_failed_workers=False)
    MPServer(**options).serve()


def _granian_options(config: ServerConfig, *, in_process: bool) -> dict[str, Any]:
    from granian.constants import HTTPModes, Interfaces, Loops, RuntimeModes, SSLProtocols, TaskImpl
    from granian.http import HTTP1Settings
    from granian.log import LogLevels

    loop = config.loop
    if loop == "auto":  # Granian's auto would take rloop whenever it is installed; uvloop measured better
        loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    # hyper's header-read timeout also runs while a keep-alive connection waits for its next request
    http1 = HTTP1Settings(header_read_timeout=max(1, min(60_000, round(config.timeout_keep_alive * 1000))))
    kill_timeout = None if config.graceful_timeout is None else max(1, round(config.graceful_timeout))
    return {
        "target": config.target,
        "address": config.host,
        "port": config.port,
        "uds": config.uds,
        "interface": Interfaces.RSGI,
        "workers": config.workers,
        "http": HTTPModes(config.http_mode),
        "websockets": config.http_mode != "2",
        "loop": _graceful_loop(loop, config.graceful_timeout) if in_process else Loops(loop),
        "task_impl": TaskImpl(config.task_impl),
        "runtime_mode": RuntimeModes(config.runtime_mode),
        "backlog": config.backlog,
        "backpressure": config.backpressure,
        "http1_settings": http1,
        "log_level": LogLevels(config.log_level),
        "log_dictconfig": logging_config(),
        "log_access": config.access_log,
        "log_access_format": _ACCESS_FORMAT,
        "ssl_cert": config.ssl_certfile,
        "ssl_key": config.ssl_keyfile,
        "ssl_key_password": config.ssl_keyfile_password,
        "ssl_protocol_min": SSLProtocols.tls12,  # load balancers and older clients still speak 1.2
        "respawn_failed_workers": not in_process,
        "workers_kill_timeout": kill_timeout,
        "working_dir": Path.cwd(),
    }


# Granian hands the access-log format the record's fields; _accesslog's formatter writes them as JSON.
_ACCESS_FORMAT = "%(method)s %(path)s %(status)d"


def _freeze_before_fork() -> None:
    """Collect once, then keep everything that exists now (the app, its plans, the modules) out of
    every later collection: a collection writes to the header of each object it visits, which
    would copy each shared page into every forked worker."""
    gc.collect()
    gc.freeze()


def _graceful_loop(impl: str, timeout: float | None) -> str:
    """The name of a Granian loop builder that wraps ``impl``: when the worker's SIGTERM/SIGINT
    handler fires (the start of the drain), a timer ends the process after ``timeout`` seconds.

    With one in-process worker there is no parent to kill a worker that does not finish
    its drain; this is that parent's timer, armed by the worker's own signal handler.
    """
    from granian._loops import loops

    name = f"genever-{impl}-{timeout}"
    if name in loops:
        return name

    def build(**_: Any) -> asyncio.AbstractEventLoop:
        loop = loops.get(impl)
        add_signal_handler = loop.add_signal_handler

        def add_with_deadline(sig: int, callback: Any, *args: Any) -> None:
            def handler(*handler_args: Any) -> None:
                if timeout is not None:
                    _arm_deadline(timeout)
                callback(*handler_args)

            add_signal_handler(sig, handler, *args)

        loop.add_signal_handler = add_with_deadline  # type: ignore[method-assign,assignment]
        return loop

    loops.register(name)(build)
    return name


_deadline_armed = False


def _arm_deadline(timeout: float) -> None:
    global _deadline_armed
    if _deadline_armed:
        return
    _deadline_armed = True

    def expire() -> None:
        logger.warning("graceful shutdown did not finish in %ss; exiting with requests in flight", timeout)
        logging.shutdown()
        os._exit(1)

    timer = threading.Timer(timeout, expire)
    timer.daemon = True
    timer.start()


def _make_in_process_server() -> type:
    from granian.server import MPServer

    class InProcessServer(MPServer):
        """Granian's process manager with its one worker run in this process, not a child."""

        def _spawn_worker(self, idx: Any, target: Any, callback_loader: Any, *args: Any) -> Any:
            return _InProcessWorker(super()._spawn_worker(idx, target, callback_loader, *args), self)

        def _drop_shared_socket(self) -> None:
            # a Unix socket's descriptor was handed to the worker, which closed it when it stopped
            if self._sso is not None:
                self._sso.detach()
                self._sso = None

    return InProcessServer


class _InProcessWorker:
    """Runs a Granian worker (a not-yet-started ``multiprocessing.Process``) in the calling process.

    ``start()`` serves until the worker's signal handler stops it and the drain is over; the
    process manager's loop then finds the interrupt flag set and shuts down without workers.
    """

    def __init__(self, worker: Any, server: Any) -> None:
        self.worker = worker
        self.server = server
        self.idx = worker.idx

    def start(self) -> None:
        try:
            self.worker.inner.run()
        finally:
            self.server.interrupt_signal = True
            self.server.main_loop_interrupt.set()

    def is_alive(self) -> bool:
        return False

    def terminate(self) -> None:
        pass

    def kill(self) -> None:
        pass

    def join(self, timeout: float | None = None) -> None:
        pass

