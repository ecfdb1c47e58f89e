"""The setu-planning command line: clear words instead of tracebacks."""

from __future__ import annotations

from samples import constraints
from setu_planning.application import PlanningApplication
from setu_planning.interface.cli import main


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
    resource_id = app.constraints.submit(constraints(), actor="backoffice", setu_version="2.0").state.id
    app.constraints.cancel(resource_id, actor="backoffice")
    app.close()
    assert main(["history", "constraints", str(resource_id), "--db", url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["version", "timestamp", "(UTC)", "event", "actor", "SETU", "changes"]
    assert lines[1].split()[3:7] == ["Submitted", "backoffice", "2.0", "documentId"]
    assert lines[2].split()[3:6] == ["Cancelled", "backoffice", "-"]
