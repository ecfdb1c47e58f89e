"""Personal data at rest: with a cipher key, no worker name or id is readable in the database file."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from samples import assignment, constraints, request

from setu_planning.application import PlanningApplication
from setu_planning.application.encryption import create_key
from setu_planning.domain.errors import ResourceNotFound

NAME = "Jansen-Vermeulen, Annemarie"
WORKER = "W-7420-SECRET"


def personal(**overrides) -> dict:
    """A worker's availability: the worker's id is personal data."""
    return constraints(worker={"workerId": [{"value": WORKER, "schemeAgencyId": "Supplier"}]}, **overrides)


def named_assignment() -> dict:
    """An assignment naming the worker: name and id."""
    message = assignment()
    message["assignedWorker"] = {
        "assignedStatus": True,
        "workerId": {"value": WORKER, "schemeAgencyId": "Supplier"},
        "person": {"name": {"formattedName": NAME}},
    }
    return message


def stored_bytes(folder: Path) -> bytes:
    """Everything SQLite wrote: the database file and its write-ahead log."""
    return b"".join(path.read_bytes() for path in sorted(folder.glob("store.sqlite3*")) if path.is_file())


def use_everything(app: PlanningApplication) -> None:
    """Write personal data through every path: submit, lines, replace, history, as-of, look-ups."""
    before = datetime.now(UTC)
    resource_id = app.constraints.submit(personal(), actor="clerk").state.id
    changed = personal()
    changed["periodicAvailabilityLine"][0]["endTime"] = "17:00:00Z"
    app.constraints.replace(resource_id, changed, actor="clerk")
    assert [s.id for s in app.constraints.of_worker(WORKER)] == [resource_id]
    assert app.constraints.find_by_document("Supplier:OTTO", "CON-1", "Supplier").id == resource_id
    assert [e.type for e in app.constraints.history(resource_id)] == ["Submitted", "Replaced"]
    assert app.constraints.as_of(resource_id, datetime.now(UTC)).message == changed
    with pytest.raises(ResourceNotFound):
        app.constraints.as_of(resource_id, before)
    request_id = app.requests.submit(request()).state.id
    assignment_id = app.assignments.submit(named_assignment(), actor="planner").state.id
    assert [s.id for s in app.requests.assignments(request_id)] == [assignment_id]
    assert app.assignments.at_version(assignment_id, 1).message["assignedWorker"]["person"]["name"] == {
        "formattedName": NAME
    }


def test_without_a_key_the_file_holds_the_worker_in_clear(tmp_path):
    """The control: the check below can fail."""
    app = PlanningApplication(f"sqlite:///{tmp_path}/store.sqlite3", env={"SETU_PLANNING_CIPHER_KEY": ""})
    use_everything(app)
    app.close()
    data = stored_bytes(tmp_path)
    assert NAME.encode() in data and WORKER.encode() in data


def test_with_a_key_no_worker_name_or_id_is_in_the_file_and_everything_works(tmp_path):
    key = create_key()
    app = PlanningApplication(f"sqlite:///{tmp_path}/store.sqlite3", env={"SETU_PLANNING_CIPHER_KEY": key})
    use_everything(app)
    app.close()
    data = stored_bytes(tmp_path)
    assert NAME.encode() not in data
    assert WORKER.encode() not in data
    again = PlanningApplication(f"sqlite:///{tmp_path}/store.sqlite3", env={"SETU_PLANNING_CIPHER_KEY": key})
    assert again.constraints.of_worker(WORKER)[0].message["worker"]["workerId"][0]["value"] == WORKER
    again.close()


def test_the_wrong_key_reads_nothing(tmp_path):
    url = f"sqlite:///{tmp_path}/store.sqlite3"
    app = PlanningApplication(url, env={"SETU_PLANNING_CIPHER_KEY": create_key()})
    resource_id = app.constraints.submit(personal()).state.id
    app.close()
    with pytest.raises(ValueError):
        PlanningApplication(url, env={"SETU_PLANNING_CIPHER_KEY": create_key()}).constraints.get(resource_id)


def test_key_rotation_keeps_everything_readable_and_rekey_retires_the_old_key(tmp_path):
    url = f"sqlite:///{tmp_path}/store.sqlite3"
    old, new = create_key(), create_key()
    app = PlanningApplication(url, env={"SETU_PLANNING_CIPHER_KEY": old})
    first = app.constraints.submit(personal()).state.id
    app.assignments.submit(named_assignment())
    app.close()

    rotating = {"SETU_PLANNING_CIPHER_KEY": new, "SETU_PLANNING_CIPHER_OLD_KEYS": old}
    app = PlanningApplication(url, env=rotating)
    second = app.constraints.submit(personal(documentId={"value": "CON-2", "schemeAgencyId": "Supplier"})).state.id
    assert {s.id for s in app.constraints.of_worker(WORKER)} == {first, second}
    app.close()

    done = subprocess.run(
        [sys.executable, "-m", "setu_planning.interface.cli", "rekey", "--db", url],
        capture_output=True,
        text=True,
        timeout=60,
        env={**__import__("os").environ, **rotating},
    )
    assert done.returncode == 0, done.stderr
    assert "re-encrypted" in done.stdout

    only_new = PlanningApplication(url, env={"SETU_PLANNING_CIPHER_KEY": new})
    assert {s.id for s in only_new.constraints.of_worker(WORKER)} == {first, second}
    assert len(only_new.constraints.history(first)) == 1
    only_new.close()
    assert NAME.encode() not in stored_bytes(tmp_path)


def test_rekey_encrypts_a_store_written_in_clear(tmp_path):
    url = f"sqlite:///{tmp_path}/store.sqlite3"
    app = PlanningApplication(url, env={"SETU_PLANNING_CIPHER_KEY": ""})
    resource_id = app.constraints.submit(personal()).state.id
    app.assignments.submit(named_assignment())
    app.close()
    assert NAME.encode() in stored_bytes(tmp_path)
    key = {"SETU_PLANNING_CIPHER_KEY": create_key()}
    done = subprocess.run(
        [sys.executable, "-m", "setu_planning.interface.cli", "rekey", "--db", url],
        capture_output=True,
        text=True,
        timeout=60,
        env={**__import__("os").environ, **key},
    )
    assert done.returncode == 0, done.stderr
    app = PlanningApplication(url, env=key)
    assert app.constraints.get(resource_id).message == personal()
    assert [s.id for s in app.constraints.of_worker(WORKER)] == [resource_id]
    app.close()
    data = stored_bytes(tmp_path)
    assert NAME.encode() not in data and WORKER.encode() not in data
