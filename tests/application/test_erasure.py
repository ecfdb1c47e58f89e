"""A worker's right to erasure: crypto-shredding one worker, everything else untouched."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from samples import assignment, constraints, request

from setu_planning.application import PlanningApplication
from setu_planning.application.encryption import create_key
from setu_planning.application.erasure import is_erased
from setu_planning.domain.errors import ResourceNotFound

WORKER, OTHER = "W-ERASE-4711", "W-KEEP-0815"
NAME, OTHER_NAME = "Pietersen-Oudshoorn, Marieke", "Bakker, Johannes"
COMMENT = "Hospital appointment, back Thursday"


def worker_id(value: str) -> dict:
    return {"value": value, "schemeAgencyId": "Supplier"}


def availability(value: str, document: str) -> dict:
    message = constraints(
        worker={"workerId": [worker_id(value)]}, documentId={"value": document, "schemeAgencyId": "Supplier"}
    )
    message["periodicAvailabilityLine"][0]["availabilityComment"] = COMMENT if value == WORKER else "Prefers mornings"
    return message


def planned(value: str, name: str, document: str) -> dict:
    return assignment(
        documentId={"value": document, "schemeAgencyId": "Customer"},
        assignedWorker={
            "assignedStatus": True,
            "workerId": worker_id(value),
            "person": {"name": {"formattedName": name}},
        },
    )


def asking_for_both() -> dict:
    message = request()
    message["positionProfile"]["requestedWorker"] = [
        {"workerId": worker_id(WORKER), "person": {"name": {"formattedName": NAME}}},
        {"workerId": worker_id(OTHER), "person": {"name": {"formattedName": OTHER_NAME}}},
    ]
    return message


def populate(app: PlanningApplication) -> dict:
    ids = {
        "constraints": app.constraints.submit(availability(WORKER, "CON-W")).state.id,
        "other_constraints": app.constraints.submit(availability(OTHER, "CON-O")).state.id,
        "request": app.requests.submit(asking_for_both()).state.id,
        "assignment": app.assignments.submit(planned(WORKER, NAME, "ASG-W")).state.id,
        "other_assignment": app.assignments.submit(planned(OTHER, OTHER_NAME, "ASG-O")).state.id,
    }
    line = {
        **availability(WORKER, "x")["periodicAvailabilityLine"][0],
        "lineId": {"value": "A2", "schemeAgencyId": "Supplier"},
    }
    app.constraints.add_line(ids["constraints"], "periodic", line)
    return ids


def test_erasing_a_worker_cancels_their_resources_and_leaves_every_history_replayable():
    app = PlanningApplication("memory://")
    ids = populate(app)
    report = app.erase_worker(WORKER, actor="dpo@supplier")

    assert sorted(str(k) for k, _ in report.cancelled) == ["PlanningAssignment", "PlanningConstraints"]
    assert report.requests_changed == [ids["request"]] and report.keys_destroyed == 1
    for service, key in ((app.constraints, "constraints"), (app.assignments, "assignment")):
        with pytest.raises(ResourceNotFound):
            service.get(ids[key])
    history = app.constraints.history(ids["constraints"])
    assert [e.type for e in history] == ["Submitted", "LineAdded", "Cancelled"]
    first = app.constraints.at_version(ids["constraints"], 1).message
    assert is_erased(first["worker"]) and is_erased(first["periodicAvailabilityLine"][0]["availabilityComment"])
    assert first["periodicAvailabilityLine"][0]["startTime"] == "08:00:00Z"  # what is not personal stays
    assert app.constraints.as_of(ids["constraints"], history[1].timestamp).line("A2")["availabilityComment"] == "erased"
    assert is_erased(app.assignments.at_version(ids["assignment"], 1).message["assignedWorker"])
    requested = app.requests.get(ids["request"]).message["positionProfile"]["requestedWorker"]
    assert requested == [{"workerId": worker_id(OTHER), "person": {"name": {"formattedName": OTHER_NAME}}}]
    assert is_erased(app.requests.at_version(ids["request"], 1).message["positionProfile"]["requestedWorker"][0])

    assert app.constraints.get(ids["other_constraints"]).message == availability(OTHER, "CON-O")
    assert app.assignments.get(ids["other_assignment"]).message == planned(OTHER, OTHER_NAME, "ASG-O")
    assert [s.id for s in app.constraints.of_worker(OTHER)] == [ids["other_constraints"]]
    assert app.rebuild_read_models() > 0
    assert app.constraints.of_worker(WORKER) == []


def test_erasing_again_changes_nothing_and_says_so():
    app = PlanningApplication("memory://")
    populate(app)
    app.erase_worker(WORKER, actor="dpo@supplier")
    events = app.recorder.max_notification_id()
    again = app.erase_worker(WORKER, actor="dpo@supplier")
    assert not again.changed_anything
    assert app.recorder.max_notification_id() == events
    assert "nothing to erase" in again.lines()[0] and "dpo@supplier" in again.lines()[0]


def test_erasing_in_another_scheme_leaves_the_worker_alone():
    app = PlanningApplication("memory://")
    ids = populate(app)
    report = app.erase_worker(WORKER, "Customer", actor="dpo")
    assert not report.changed_anything
    assert app.constraints.get(ids["constraints"]).message["worker"] == {"workerId": [worker_id(WORKER)]}


def store_files(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.glob("store.sqlite3*")) if p.is_file())


def wrapped_keys(path: Path) -> list[bytes]:
    import sqlite3

    with sqlite3.connect(path) as connection:
        return [bytes(r[0]) for r in connection.execute("SELECT wrapped FROM stored_events_worker_keys")]


@pytest.mark.parametrize("store_key", ["", create_key()], ids=["without-store-key", "with-store-key"])
def test_after_erasure_the_worker_and_their_key_are_nowhere_in_the_files(tmp_path, store_key):
    url = f"sqlite:///{tmp_path}/store.sqlite3"
    env = {"SETU_PLANNING_CIPHER_KEY": store_key}
    app = PlanningApplication(url, env=env)
    ids = populate(app)
    app.close()
    keys_before = wrapped_keys(tmp_path / "store.sqlite3")
    assert len(keys_before) == 2

    environ = {**os.environ, **env}
    done = subprocess.run(
        [sys.executable, "-m", "setu_planning.interface.cli", "erase", "--db", url, "--worker", WORKER, "--yes"],
        capture_output=True, text=True, timeout=60, env=environ,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "cancelled PlanningConstraints" in done.stdout and "destroyed 1 data key" in done.stdout
    assert WORKER not in done.stdout

    data = store_files(tmp_path)
    for secret in (WORKER.encode(), NAME.encode(), COMMENT.encode()):
        assert secret not in data
    remaining = wrapped_keys(tmp_path / "store.sqlite3")
    assert len(remaining) == 1
    (erased_key,) = set(keys_before) - set(remaining)
    assert erased_key not in data

    app = PlanningApplication(url, env=env)  # after a restart
    assert is_erased(app.constraints.at_version(ids["constraints"], 1).message["worker"])
    assert [e.type for e in app.constraints.history(ids["constraints"])] == ["Submitted", "LineAdded", "Cancelled"]
    assert app.constraints.get(ids["other_constraints"]).message == availability(OTHER, "CON-O")
    assert (
        app.constraints.as_of(ids["other_constraints"], datetime.now(UTC)).message["worker"]["workerId"][0]["value"]
        == OTHER
    )
    app.close()

    again = subprocess.run(
        [sys.executable, "-m", "setu_planning.interface.cli", "erase", "--db", url, "--worker", WORKER, "--yes"],
        capture_output=True, text=True, timeout=60, env=environ,
    )  # fmt: skip
    assert again.returncode == 0 and "nothing to erase" in again.stdout


def test_erase_asks_before_it_destroys_anything(tmp_path):
    url = f"sqlite:///{tmp_path}/store.sqlite3"
    app = PlanningApplication(url)
    populate(app)
    app.close()
    done = subprocess.run(
        [sys.executable, "-m", "setu_planning.interface.cli", "erase", "--db", url, "--worker", WORKER],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 2 and "--yes" in done.stderr
    assert len(wrapped_keys(tmp_path / "store.sqlite3")) == 2
