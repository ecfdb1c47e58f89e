"""The setu-planning command line: clear words instead of tracebacks."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

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
    assert lines[0].split() == ["version", "timestamp", "(UTC)", "event", "actor", "party", "on", "behalf", "of",
                                "SETU", "changes"]  # fmt: skip
    assert lines[1].split()[3:9] == ["Submitted", "backoffice", "-", "-", "2.0", "documentId"]
    assert lines[2].split()[3:8] == ["Cancelled", "backoffice", "-", "-", "-"]


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


def _parties_with_endpoint(tmp_path, port: int = 9) -> Path:
    parties = tmp_path / "parties.toml"
    parties.write_text(
        '[parties.otto]\nidentifiers = [{ value = "OTTO", schemeAgencyId = "Customer" }]\n'
        f'endpoint = "http://127.0.0.1:{port}"\nendpoint_token_env = "OTTO_TOKEN_FOR_TEST"\n'
    )
    return parties


def test_deliver_once_says_what_this_run_did_and_fails_on_a_missing_token(tmp_path):
    url = f"sqlite:///{tmp_path}/planning.sqlite3"
    PlanningApplication(url).close()
    parties = _parties_with_endpoint(tmp_path)
    env = {"OTTO_TOKEN_FOR_TEST": ""}
    for _ in range(2):  # the same answer each run: nothing was due, not the store's totals
        done = run_cli("deliver", "--once", "--db", url, "--parties", str(parties), env=env)
        assert done.stdout.strip() == "nothing was due: sent 0"
        assert done.returncode == 1 and "OTTO_TOKEN_FOR_TEST is not set" in done.stderr
    done = run_cli("deliver", "--once", "--db", url, "--parties", str(parties), env={"OTTO_TOKEN_FOR_TEST": "t" * 43})
    assert (done.returncode, done.stdout.strip()) == (0, "nothing was due: sent 0")


def test_deliver_once_on_a_missing_store_is_one_line_and_exit_2(tmp_path):
    done = run_cli("deliver", "--once", "--db", f"sqlite:///{tmp_path}/none.sqlite3",
                   "--parties", str(_parties_with_endpoint(tmp_path)))  # fmt: skip
    assert done.returncode == 2 and "no such file" in done.stderr and "Traceback" not in done.stderr


def test_a_postgres_password_is_never_printed(tmp_path):
    done = run_cli(
        "history",
        "requests",
        "x",
        "--db",
        "postgresql://clerk:s3cret-pw@127.0.0.1:1/planning",
        env={"POSTGRES_CONNECT_TIMEOUT": "2", "POSTGRES_POOL_TIMEOUT": "2"},
    )  # unreachable: fail fast
    assert done.returncode == 2 and "s3cret-pw" not in done.stderr and "clerk:***@" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_version_and_help_on_every_option():
    done = run_cli("--version")
    assert done.returncode == 0 and done.stdout.startswith("setu-planning ")
    from setu_planning.interface.cli import _parser

    def walk(parser):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    yield from walk(sub)
            elif action.dest not in ("help", "version"):
                yield parser.prog, action

    missing = [f"{prog} {action.dest}" for prog, action in walk(_parser()) if not action.help]
    assert missing == []


def _unreadable_parties(tmp_path: Path, how: str) -> tuple[Path, str]:
    """A parties file that cannot be used, and what the one line says about it."""
    if how == "a directory":
        folder = tmp_path / "parties.toml"
        folder.mkdir()
        return folder, "cannot read: Is a directory"
    if how == "missing":
        return tmp_path / "parties.toml", "no such file"
    broken = tmp_path / "parties.toml"
    broken.write_text("[parties.otto\nidentifiers = 1\n")
    return broken, "not valid TOML"


@pytest.mark.parametrize("command", ["serve", "deliver"])
@pytest.mark.parametrize("how", ["a directory", "missing", "invalid TOML"])
def test_an_unreadable_parties_file_is_one_line_exit_2_and_creates_nothing(tmp_path, command, how):
    parties, says = _unreadable_parties(tmp_path, how)
    store = tmp_path / "planning.sqlite3"
    extra = ("--port", "0") if command == "serve" else ("--once",)
    done = run_cli(command, *extra, "--parties", str(parties), "--db", f"sqlite:///{store}")
    assert done.returncode == 2, done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"setu-planning: {parties}: ") and says in line, line
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == (["parties.toml"] if how != "missing" else [])


def _without_postgres_extra(*args: str) -> subprocess.CompletedProcess[str]:
    """The command in a real process where the PostgreSQL driver is not installed (cannot be imported)."""
    code = (
        "import sys; sys.modules['psycopg'] = None; sys.modules['psycopg_pool'] = None\n"
        "from setu_planning.interface.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )


@pytest.mark.parametrize("command", ["serve", "deliver", "deliveries", "history"])
def test_a_postgres_url_without_the_postgres_extra_names_the_install_and_never_the_password(tmp_path, command):
    url = "postgresql://u:secret@127.0.0.1/x"
    extra = {
        "serve": ("--port", "0"),
        "deliver": ("--once", "--parties", str(_parties_with_endpoint(tmp_path))),
        "deliveries": (),
        "history": ("requests", "x"),
    }[command]
    done = _without_postgres_extra(command, *extra, "--db", url)
    assert done.returncode == 2, done.stderr
    [line] = done.stderr.strip().splitlines()
    assert "pip install 'setu-planning[postgres]'" in line and "u:***@127.0.0.1/x" in line, line
    assert "secret" not in done.stderr + done.stdout and "Traceback" not in done.stderr
    assert "PERSISTENCE_MODULE" not in line
