"""The setu-planning command line: clear words instead of tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from samples import constraints

from setu_planning.application import Caller, PlanningApplication
from setu_planning.interface.cli import main
from setu_planning.interface.server import is_loopback


def test_history_of_a_missing_database_file_says_so_and_creates_nothing(tmp_path, capsys):
    missing = tmp_path / "typo.sqlite3"
    assert main(["history", "requests", "x", "--db", f"sqlite:///{missing}"]) == 2
    assert "no such file" in capsys.readouterr().err
    assert not missing.exists()


def test_serve_on_an_unopenable_database_says_so(tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/no/such/folder/db.sqlite3"
    assert main(["serve", "--port", "0", "--db", url]) == 2
    assert "cannot open" in capsys.readouterr().err


def test_history_prints_a_table_of_the_events(tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/planning.sqlite3"
    app = PlanningApplication(url)
    resource_id = app.constraints.submit(constraints(), by=Caller.local("backoffice", setu_version="2.0")).state.id
    app.constraints.cancel(resource_id, by=Caller.local("backoffice"))
    app.close()
    assert main(["history", "constraints", str(resource_id), "--db", url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["version", "timestamp", "(UTC)", "event", "actor", "SETU", "changes"]
    assert lines[1].split()[3:7] == ["Submitted", "backoffice", "2.0", "documentId"]
    assert lines[2].split()[3:6] == ["Cancelled", "backoffice", "-"]


def run_cli(*args: str, env: dict | None = None, timeout: float = 30):
    """The real command in a subprocess, so exit codes and stderr are what a user sees."""
    return subprocess.run(
        [sys.executable, "-m", "setu_planning.interface.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "planning.example"])
def test_serve_refuses_open_mode_off_loopback(tmp_path, host):
    done = run_cli("serve", "--host", host, "--port", "0", "--db", f"sqlite:///{tmp_path}/db.sqlite3")
    assert done.returncode == 2
    assert f"refusing to serve on {host} without a parties file" in done.stderr
    assert "--parties" in done.stderr
    assert not (tmp_path / "db.sqlite3").exists()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_addresses_allow_open_mode(host):
    assert is_loopback(host)


def test_serve_refuses_a_broken_parties_file_naming_the_problem(tmp_path):
    parties = tmp_path / "parties.toml"
    parties.write_text('[parties.otto]\nidentifiers = [{ value = "OTTO" }]\n')
    done = run_cli("serve", "--port", "0", "--parties", str(parties), "--db", f"sqlite:///{tmp_path}/db.sqlite3")
    assert done.returncode == 2
    assert "parties.toml" in done.stderr and "otto" in done.stderr and "schemeAgencyId" in done.stderr


def test_serve_reads_the_parties_file_from_the_environment(tmp_path):
    parties = tmp_path / "parties.toml"
    parties.write_text("not toml at all [")
    done = run_cli(
        "serve",
        "--host",
        "0.0.0.0",
        "--port",
        "0",
        "--db",
        f"sqlite:///{tmp_path}/db.sqlite3",
        env={"SETU_PLANNING_PARTIES": str(parties)},
    )
    assert done.returncode == 2
    assert "parties.toml" in done.stderr and "refusing" not in done.stderr
