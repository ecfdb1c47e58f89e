"""Old path kept for users: the worker processes now live in :mod:`setu_planning.interface.http.server`,
what each of them runs in :mod:`setu_planning.interface.node`.

:func:`run` serves what this module's ``app_factory`` builds, looked up when
it is called, so replacing ``app_factory`` here still swaps the application.
"""

from .http.server import (
    LOOPBACK_NAMES,
    ServeOptions,
    ServeRefused,
    check_exposure,
    default_workers,
    gunicorn_available,
    is_loopback,
)
from .http.server import run as run_server
from .node import app_factory, load_directory

__all__ = [
    "LOOPBACK_NAMES",
    "ServeOptions",
    "ServeRefused",
    "app_factory",
    "check_exposure",
    "default_workers",
    "gunicorn_available",
    "is_loopback",
    "load_directory",
    "run",
]


def run(options: ServeOptions) -> None:
    """Serve until stopped (SIGTERM/SIGINT), each worker process building its app with ``app_factory``."""
    run_server(options, app_factory(options))
