"""Real ``setu-planning serve`` processes on 127.0.0.1, and a plain HTTP client for them.

The server runs as a subprocess (the console script's module, under the same
interpreter) on a free port and a SQLite file in the test's tmp_path; it is
ready when ``GET /health`` answers 200. Only the standard library speaks HTTP
here (``http.client``: no proxies, no redirects, no exception on 4xx).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import Message
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

import pytest

HOST = "127.0.0.1"
STARTUP_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
REQUEST_TIMEOUT = 15.0


def setu_planning(*args: str) -> list[str]:
    """The ``setu-planning`` command run by this interpreter (the venv the tests run in)."""
    return [sys.executable, "-m", "setu_planning.interface.cli", *args]


def free_port() -> int:
    """A port free on 127.0.0.1 right now (for a server whose URL must be known before it starts)."""
    return _free_port()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Reply:
    """One HTTP answer: status, headers (case-insensitive), raw body."""

    status: int
    headers: Message
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def media_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";", 1)[0].strip()

    def __str__(self) -> str:  # for assertion messages
        return f"{self.status} {self.body[:2000]!r}"


class Http:
    """Requests against one base URL with ``http.client``."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.base_url = f"http://{host}:{port}"

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        connection = HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=dict(headers or {}))
            response = connection.getresponse()
            return Reply(response.status, response.headers, response.read())
        finally:
            connection.close()


class ServerProcess:
    """``setu-planning serve`` on a SQLite file: start, wait for /health, stop."""

    def __init__(
        self,
        db_file: Path | None,
        log_dir: Path,
        *,
        args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        db_url: str | None = None,
        port: int | None = None,
    ):
        self.port = port  # fixed, so a counterparty's endpoint stays right across restarts
        self.db_file = db_file
        self.db_url = db_url or f"sqlite:///{db_file}"
        self.log_dir = log_dir
        self.args = list(args)
        self.env = dict(env or {})
        self.process: subprocess.Popen[bytes] | None = None
        self.http: Http | None = None
        self.starts = 0

    @property
    def base_url(self) -> str:
        assert self.http is not None, "server not started"
        return self.http.base_url

    def start(self) -> Http:
        assert self.process is None, "server already running"
        self.starts += 1
        port = self.port or _free_port()
        self.stdout_path = self.log_dir / f"server-{self.starts}.out"
        self.stderr_path = self.log_dir / f"server-{self.starts}.err"
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.process = subprocess.Popen(
                setu_planning("serve", "--host", HOST, "--port", str(port), "--db", self.db_url, *self.args),
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
                cwd=self.log_dir,
                env={**os.environ, "PYTHONUNBUFFERED": "1", **self.env},
                start_new_session=True,  # its own process group: kill() reaches every worker
            )
        self.http = Http(HOST, port)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if self.process.poll() is not None:
                code = self.process.returncode
                self.process = None
                pytest.fail(f"setu-planning serve exited with {code} before answering:\n{self.stderr()}")
            try:
                if self.http.request("GET", "/health").status == 200:
                    return self.http
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(
                    f"setu-planning serve did not answer GET /health within {STARTUP_TIMEOUT:.0f} s:\n{self.stderr()}"
                )
            time.sleep(0.05)

    def stop(self) -> None:
        """Terminate (SIGTERM), wait; kill only if it will not go."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_TIMEOUT)

    def kill(self) -> None:
        """SIGKILL the server and every worker process it started: no chance to clean up."""
        process, self.process = self.process, None
        if process is None:
            return
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT)

    def stderr(self) -> str:
        """Everything every run of this server wrote to stderr."""
        parts = []
        for number in range(1, self.starts + 1):
            path = self.log_dir / f"server-{number}.err"
            if path.exists():
                parts.append(path.read_text(errors="replace"))
        return "".join(parts)
