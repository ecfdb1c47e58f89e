"""Running the REST API: worker processes under gunicorn, secure by default.

What runs in each worker is built by the function given to :func:`run`: the
node (``interface/node.py``) assembles it after the fork.

``setu-planning serve`` runs as many worker processes as the machine has
cores, under gunicorn (the ecosystem's usual pre-fork server on POSIX), each
with threads and its **own** application and store connections, opened after
the fork. Everything that holds with one process holds with several, because
it is the store that arbitrates: optimistic concurrency on aggregate versions,
unique document claims, one delivery worker per store (every worker process
runs one; the store's delivery lock lets exactly one of them deliver, and
another takes over when its holder dies).
Each worker reads requests in an event loop and hands a thread only a request
read whole (:mod:`.buffered_server`), so slow clients cost sockets, not threads.
Where gunicorn cannot run (Windows), the same loop serves in one process.

Without a parties file the service is open: anyone who reaches it may read
and write everything. That is allowed only on a loopback address, and said
loudly on start.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..parties import PartyDirectory
from .buffered_server import ServerLimits, gunicorn_worker, serve_one_process

LOOPBACK_NAMES = {"localhost", "ip6-localhost", "ip6-loopback"}


class ServeRefused(Exception):
    """The service must not start as asked; the message says why and what to do."""


@dataclass(frozen=True)
class ServeOptions:
    host: str
    port: int
    database: str
    parties_file: str | None
    workers: int
    threads: int
    server: str  # "gunicorn" | "waitress"
    limits: ServerLimits = ServerLimits()
    log_format: str = "text"
    access_log: bool = False


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable only from this machine (127.0.0.0/8, ::1, localhost)."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, parties: PartyDirectory | None) -> None:
    """Refuse open mode anywhere but on loopback."""
    if parties is None and not is_loopback(host):
        raise ServeRefused(
            f"refusing to serve on {host} without a parties file: anyone who can reach it could read "
            "and write every planning message. Give --parties FILE (or $SETU_PLANNING_PARTIES) to "
            "require authenticated counterparties, or listen on 127.0.0.1 for development."
        )


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def gunicorn_available() -> bool:
    if sys.platform == "win32":
        return False
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        return False
    return True


def run(options: ServeOptions, build: Callable[[], Any]) -> None:
    """Serve the WSGI app ``build`` makes until stopped (SIGTERM/SIGINT).

    Under gunicorn every worker process calls ``build`` after the fork, so each
    opens its own store; waitress calls it once, in its one process.
    """
    if options.server == "gunicorn" and gunicorn_available():
        _run_gunicorn(options, build)
    else:
        _run_waitress(options, build)


def _gunicorn_logger(log_format: str) -> type:
    """gunicorn's logger with its lines in our format (one JSON object per line with ``json``)."""
    from gunicorn.glogging import Logger

    from ..logs import OncePerInterval, formatter

    class SetuPlanningLogger(Logger):  # type: ignore[misc]
        def setup(self, cfg: Any) -> None:
            super().setup(cfg)
            for handler in self.error_log.handlers:
                handler.setFormatter(formatter(log_format))
                handler.addFilter(OncePerInterval())

    return SetuPlanningLogger


def _worker_started(worker: Any) -> None:
    import logging

    from ..logs import event

    event(logging.getLogger("setu_planning.server"), logging.INFO, "worker.start", pid=worker.pid)


def _worker_exited(server: Any, worker: Any) -> None:
    import logging

    from ..logs import event
    from ..metrics import worker_exited

    worker_exited(worker.pid)
    event(logging.getLogger("setu_planning.server"), logging.INFO, "worker.stop", pid=worker.pid)


def _run_gunicorn(options: ServeOptions, build: Callable[[], Any]) -> None:
    from gunicorn.app.base import BaseApplication

    class SetuPlanningServer(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            settings = {
                "bind": [
                    f"[{options.host}]:{options.port}" if ":" in options.host else f"{options.host}:{options.port}"
                ],
                "workers": options.workers,
                "worker_class": gunicorn_worker(options.limits),  # reads requests whole before a thread takes them
                "threads": options.threads,
                "preload_app": False,  # each worker opens its own store after the fork
                "proc_name": "setu-planning",
                "accesslog": None,  # the app logs requests (http.request) with route templates, not paths
                "errorlog": "-",
                "loglevel": "info",  # its start, worker and stop lines, in our format
                "logger_class": _gunicorn_logger(options.log_format),
                "control_socket_disable": True,  # one control socket per user would clash between instances
                "post_worker_init": _worker_started,
                "child_exit": _worker_exited,
                "graceful_timeout": 10,
                # No client-supplied header changes routing or scheme: gunicorn trusts loopback's
                # SCRIPT_NAME, PATH_INFO and X-Forwarded-* by default; here nobody is trusted.
                "forwarded_allow_ips": "",
                "proxy_allow_ips": "",
                "forwarder_headers": "",
                "secure_scheme_headers": {},
            }
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return build()

    SetuPlanningServer().run()


def _run_waitress(options: ServeOptions, build: Callable[[], Any]) -> None:
    serve_one_process(build(), options.host, options.port, options.threads, options.limits)
