"""A throwaway PostgreSQL cluster for the benchmark: on 127.0.0.1, fsync on, removed afterwards.

Like ``tests/postgres_cluster.py`` (``initdb``/``pg_ctl`` from PATH, run as
the ``postgres`` OS user when we are root), but durable as in production:
``fsync``, ``synchronous_commit`` and ``full_page_writes`` on. Everything
else is PostgreSQL's default configuration.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _why(error: BaseException) -> str:
    return f"{error}: {getattr(error, 'stderr', '') or ''}".strip()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresCluster:
    def __init__(self, parent: str | os.PathLike[str] | None = None) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="setu-bench-pg-", dir=parent))
        self.data = self.folder / "data"
        self.port = _free_port()
        self._as_postgres = os.geteuid() == 0
        self.started = False

    @staticmethod
    def available() -> bool:
        return all(shutil.which(tool) for tool in ("initdb", "pg_ctl", "createdb"))

    def _run(self, *command: str, timeout: float = 120) -> str:
        prefix = ["runuser", "-u", "postgres", "--"] if self._as_postgres else []
        done = subprocess.run([*prefix, *command], check=True, capture_output=True, text=True, timeout=timeout)
        return done.stdout

    def start(self) -> None:
        if self._as_postgres:
            shutil.chown(self.folder, user="postgres")
        # --no-sync only skips initdb's own flush of the template files; the server runs with fsync on.
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
        )
        self.started = True
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "start")

    def settings(self) -> dict[str, str]:
        """The durability settings the server actually runs with (read back from it)."""
        names = ("fsync", "synchronous_commit", "full_page_writes", "wal_sync_method", "shared_buffers")
        listed = ", ".join(f"'{n}'" for n in names)
        query = f"SELECT name, current_setting(name) FROM pg_settings WHERE name IN ({listed}) ORDER BY name"
        out = self._run(
            "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-At", "-F", "=", "-c", query
        )
        return dict(line.split("=", 1) for line in out.split())

    def version(self) -> str:
        out = self._run(
            "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-At", "-c", "SHOW server_version"
        )
        return out.strip()

    def stop(self) -> None:
        """Stop the server (if it runs) and remove the cluster's folder; safe to call twice.

        ``pg_ctl stop`` (fast, then immediate); should both fail, the
        postmaster named in ``postmaster.pid`` (checked to be this cluster's)
        gets SIGQUIT, then SIGKILL, so no server outlives the benchmark.
        """
        postmaster = self._postmaster()
        try:
            if self.started and postmaster is not None:
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop", timeout=60)
        except (subprocess.SubprocessError, OSError) as error:
            print(f"pg: fast stop failed ({_why(error)}); stopping immediately", file=sys.stderr, flush=True)
            try:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=30)
            except (subprocess.SubprocessError, OSError) as again:
                print(f"pg: immediate stop failed too ({_why(again)})", file=sys.stderr, flush=True)
        finally:
            if postmaster is not None and self._is_ours(postmaster):
                for signum, wait in ((signal.SIGQUIT, 10.0), (signal.SIGKILL, 5.0)):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(postmaster, signum)
                    deadline = time.monotonic() + wait
                    while self._is_ours(postmaster) and time.monotonic() < deadline:
                        time.sleep(0.1)
                    if not self._is_ours(postmaster):
                        break
            self.started = False
            shutil.rmtree(self.folder, ignore_errors=True)

    def _postmaster(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def _is_ours(self, pid: int) -> bool:
        """Whether ``pid`` still runs as this cluster's postmaster (not a zombie, not a reused pid)."""
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError):
            return False
        return state != "Z" and str(self.data).encode() in command

    def new_database(self, name: str) -> str:
        """A fresh, empty database; returns its URL."""
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"
