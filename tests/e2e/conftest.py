"""Fixtures for end-to-end tests: real ``setu-planning serve`` processes (see servers.py)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from servers import Http, ServerProcess, setu_planning


@pytest.fixture
def start_server(tmp_path) -> Iterator[Any]:
    """start_server(db_file=None, args=(), env=None, db_url=None, port=None) -> a started ServerProcess.

    All are stopped at teardown.

    A server that logged a traceback fails the test at teardown, so an
    unexpected server error cannot hide behind a status the test accepted.
    """
    servers: list[ServerProcess] = []

    def start(
        db_file: Path | None = None,
        *,
        args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        db_url: str | None = None,
        port: int | None = None,
    ) -> ServerProcess:
        log_dir = tmp_path / f"server{len(servers) + 1}"
        log_dir.mkdir()
        server = ServerProcess(
            db_file or tmp_path / "e2e.sqlite3", log_dir, args=args, env=env, db_url=db_url, port=port
        )
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()
    logged = "".join(server.stderr() for server in servers)
    if logged.strip():
        print("server stderr:\n" + logged)
    if "Traceback" in logged:
        pytest.fail("the server logged an unexpected error:\n" + logged)


@pytest.fixture
def server(start_server) -> ServerProcess:
    """One running server on ``tmp_path/e2e.sqlite3``."""
    return start_server()


@pytest.fixture
def http(server) -> Http:
    """A client for the running server."""
    assert server.http is not None
    return server.http


@pytest.fixture
def cli_command():
    """cli_command(*args) -> the argv that runs ``setu-planning *args`` under this interpreter."""
    return setu_planning
