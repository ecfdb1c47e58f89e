"""What the commands check before they touch anything, and how they speak.

A store URL that cannot work, a port that is taken, a missing extra: one
clear line and exit 2, before a store is created or a worker started, with a
database password never shown (:func:`mask_password`). :class:`Say` writes the
commands' own lines as plain text, or as events with ``--log-format json``.
"""

from __future__ import annotations

import argparse
import os
import sys


def add_log_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--log-format", choices=("text", "json"), default="text",
        help="text lines for a terminal, or one JSON object per line (ts, level, event, fields) for a collector",
    )  # fmt: skip


class Say:
    """The command's own lines: plain text as before, or events when the log format is JSON."""

    def __init__(self, log_format: str) -> None:
        import logging

        self.json = log_format == "json"
        self.log = logging.getLogger("setu_planning.cli")

    def info(self, name: str, text: str, *, stdout: bool = False, **fields: object) -> None:
        self._say(20, name, text, stdout, fields)

    def warning(self, name: str, text: str, **fields: object) -> None:
        self._say(30, name, text, False, fields)

    def refuse(self, text: str) -> None:
        self._say(40, "service.refused", f"setu-planning: {text}", False, {})

    def _say(self, level: int, name: str, text: str, stdout: bool, fields: dict) -> None:
        if self.json:
            from ..logs import event

            event(self.log, level, name, message=text.removeprefix("setu-planning: "), **fields)
        else:
            print(text, file=sys.stdout if stdout else sys.stderr, flush=True)


def metrics_directory(multiprocess: bool):
    """A PROMETHEUS_MULTIPROC_DIR of this instance for gunicorn's workers (unless one is set), removed after."""
    import contextlib
    import shutil
    import tempfile

    from ..metrics import MULTIPROC_VARIABLE

    @contextlib.contextmanager
    def scope():
        if not multiprocess or os.environ.get(MULTIPROC_VARIABLE):
            yield
            return
        folder, owner = tempfile.mkdtemp(prefix="setu-planning-metrics-"), os.getpid()
        os.environ[MULTIPROC_VARIABLE] = folder
        try:
            yield
        finally:
            if os.getpid() == owner:  # not when a worker process exits: the others still count there
                shutil.rmtree(folder, ignore_errors=True)

    return scope()


def mask_password(url: str) -> str:
    """``url`` with its password (if any) shown as ***."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        netloc = parts.netloc.rsplit("@", 1)
        user = netloc[0].split(":", 1)[0]
        return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))
    except ValueError:
        return "<unreadable database URL>"


def store_url_problem(url: str) -> str | None:
    """Why ``url`` cannot name a store (said with its password masked), or None."""
    import importlib.util

    from setu_planning.application.persistence import persistence_env

    masked = mask_password(url)
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "sqlite" and not url.startswith("sqlite:///"):
        return f"cannot open {masked}: write sqlite:///relative/file.sqlite3 or sqlite:////absolute/file.sqlite3"
    try:
        persistence_env(url, {})
    except ValueError as error:
        return f"cannot open {masked}: {str(error).replace(url, masked)}"
    if scheme in {"postgres", "postgresql"} and importlib.util.find_spec("psycopg") is None:
        return f"cannot open {masked}: PostgreSQL needs the postgres extra: pip install 'setu-planning[postgres]'"
    return None


def port_problem(host: str, port: int) -> str | None:
    """Why the service cannot listen on ``host:port`` (in use, not an address here), or None."""
    import socket

    if port == 0:
        return None
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        return f"cannot listen on {host}:{port}: {error.strerror}"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            return f"cannot listen on {host}:{port}: {error.strerror}"
    return None
