"""A worker erased while the service runs: two serving processes, a live counterparty, raw bytes scanned.

The supplier's store (SQLite or PostgreSQL) is served by ``setu-planning serve
--workers 2 --parties FILE``; its parties file names the customer, itself a
second ``serve`` on a store of its own, with an endpoint and tokens both ways.
A worker's constraints and assignment are delivered to the customer; then
``setu-planning erase`` runs beside the servers. The customer is sent the
cancellations, both serving processes stop showing the worker within the
keys' cache time, and the worker's id, name and comment are nowhere in the
supplier's store: not in the SQLite file and its ``-wal``, not in ``pg_dump``'s
output, not in PostgreSQL's data files after a ``CHECKPOINT`` and ``VACUUM``.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from samples import assignment, constraints
from servers import free_port, setu_planning
from support import eventually

from setu_planning.application import Caller, PlanningApplication
from setu_planning.application.erasure import is_erased
from setu_planning.interface.exchange import Exchange
from setu_planning.interface.parties import load_parties, token_hash

pytestmark = pytest.mark.e2e

WORKER, OTHER = "W-ERASE-LIVE-4711", "W-KEEP-LIVE-0815"
NAME = "Pietersen-Oudshoorn, Marieke"
COMMENT = "Hospital appointment, back Thursday"
SECRETS = (WORKER.encode(), NAME.encode(), COMMENT.encode())
TOKENS = {name: f"{name}-{uuid.uuid4().hex}{uuid.uuid4().hex}" for name in ("otto", "acme")}
READS = 12  # GETs in a row: with two worker processes, every one of them answers some


def ids(value: str) -> str:
    return (
        f'[{{ value = "{value}", schemeAgencyId = "Customer" }}, {{ value = "{value}", schemeAgencyId = "Supplier" }}]'
    )


def availability(worker: str, document: str) -> dict:
    message = constraints(
        worker={"workerId": [{"value": worker, "schemeAgencyId": "Supplier"}]},
        documentId={"value": document, "schemeAgencyId": "Supplier"},
    )
    message["periodicAvailabilityLine"][0]["availabilityComment"] = COMMENT if worker == WORKER else "Prefers mornings"
    return message


def planned(worker: str, name: str) -> dict:
    return assignment(
        documentId={"value": "ASG-W" if worker == WORKER else "ASG-O", "schemeAgencyId": "Customer"},
        assignedWorker={
            "assignedStatus": True,
            "workerId": {"value": worker, "schemeAgencyId": "Supplier"},
            "person": {"name": {"formattedName": name}},
        },
    )


class Supplier:
    """The erasing side's store in raw bytes, and the commands run on it as its database does them."""

    def __init__(self, kind: str, tmp_path: Path, cluster=None):
        self.kind, self.cluster = kind, cluster
        self.file = tmp_path / "otto" / "store.sqlite3"
        self.url = f"sqlite:///{self.file}" if kind == "sqlite" else cluster.new_database()

    def raw(self) -> bytes:
        """Every byte the store's files hold (SQLite: the database and its -wal; PostgreSQL: pg_dump)."""
        if self.kind == "sqlite":
            return b"".join(p.read_bytes() for p in sorted(self.file.parent.glob("store.sqlite3*")) if p.is_file())
        return self._postgres("pg_dump", "--no-owner", self._database())

    def data_files(self) -> dict[str, bytes]:
        """PostgreSQL's files of the database ("tables") and its write-ahead log ("wal"), after VACUUM and CHECKPOINT."""
        self._postgres("psql", "-d", self._database(), "-c", "VACUUM", "-c", "CHECKPOINT")
        oid = self._postgres(
            "psql", "-d", self._database(), "-Atc", "SELECT oid FROM pg_database WHERE datname = current_database()"
        )
        data = self.cluster.data
        tables, wal = sorted((data / "base" / oid.decode().strip()).iterdir()), sorted((data / "pg_wal").glob("0*"))
        return {"tables": _bytes_of(tables), "wal": _bytes_of(wal)}

    def keys(self) -> set[bytes]:
        """The wrapped data keys in the store's key table."""
        if self.kind == "sqlite":
            with sqlite3.connect(self.file) as connection:
                return {bytes(r[0]) for r in connection.execute("SELECT wrapped FROM stored_events_worker_keys")}
        with psycopg.connect(self.url) as connection:
            (table,) = connection.execute(
                "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables "
                "WHERE table_name LIKE '%worker_keys'"
            ).fetchone()
            return {bytes(r[0]) for r in connection.execute(f"SELECT wrapped FROM {table}")}

    def _database(self) -> str:
        return self.url.rsplit("/", 1)[1]

    def _postgres(self, command: str, *args: str) -> bytes:
        prefix = ["runuser", "-u", "postgres", "--"] if self.cluster._as_postgres else []  # noqa: SLF001
        where = ["-h", "127.0.0.1", "-p", str(self.cluster.port), "-U", "postgres"]
        return subprocess.run([*prefix, command, *where, *args], check=True, capture_output=True, timeout=120).stdout


def _bytes_of(files: list[Path]) -> bytes:
    return b"".join(p.read_bytes() for p in files if p.is_file())


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def supplier(request, tmp_path) -> Supplier:
    (tmp_path / "otto").mkdir()
    (tmp_path / "acme").mkdir()
    cluster = request.getfixturevalue("postgres_cluster") if request.param == "postgres" else None
    return Supplier(request.param, tmp_path, cluster)


def erase(url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        setu_planning("erase", "--db", url, "--worker", WORKER, "--yes"), capture_output=True, text=True, timeout=120
    )


def reads(http, path: str) -> list:
    headers = {"Authorization": f"Bearer {TOKENS['acme']}", "setuVersionId": "2.0"}
    return [http.request("GET", path, headers=headers) for _ in range(READS)]


def test_a_worker_erased_while_two_processes_serve_is_gone_from_the_store_and_cancelled_at_the_counterparty(
    start_server, supplier, tmp_path, monkeypatch
):
    ports = {"otto": free_port(), "acme": free_port()}
    otto_parties, acme_parties = tmp_path / "otto" / "parties.toml", tmp_path / "acme" / "parties.toml"
    otto_parties.write_text(
        f'[parties.acme]\nidentifiers = {ids("ACME")}\ntokens = ["{token_hash(TOKENS["acme"])}"]\n'
        f'endpoint = "http://127.0.0.1:{ports["acme"]}"\nendpoint_token_env = "ACME_TOKEN"\n'
    )
    acme_parties.write_text(f'[parties.otto]\nidentifiers = {ids("OTTO")}\ntokens = ["{token_hash(TOKENS["otto"])}"]\n')
    acme = start_server(tmp_path / "acme" / "store.sqlite3", args=["--parties", str(acme_parties)], port=ports["acme"])
    otto = start_server(
        db_url=supplier.url,
        args=["--parties", str(otto_parties), "--workers", "2"],
        env={"ACME_TOKEN": TOKENS["otto"]},
        port=ports["otto"],
    )
    monkeypatch.setenv("ACME_TOKEN", TOKENS["otto"])

    app = PlanningApplication(supplier.url)
    exchange = Exchange(app, load_parties(otto_parties))
    mine = {
        "constraints": app.constraints.submit(availability(WORKER, "CON-W"), by=Caller.local("clerk")).state.id,
        "assignment": app.assignments.submit(planned(WORKER, NAME), by=Caller.local("planner")).state.id,
        "other": app.constraints.submit(availability(OTHER, "CON-O"), by=Caller.local("clerk")).state.id,
    }
    first_event = app.constraints.history(mine["constraints"])[0].timestamp

    def delivered(resource_id, versions: int):
        rows = exchange.deliveries(resource_id=resource_id)
        if len(rows) >= versions and all(r.status == "delivered" for r in rows):
            return rows[-1].remote_id
        return None

    remote = {
        key: uuid.UUID(eventually(lambda r=resource_id: delivered(r, 1), f"{key} delivered to acme"))
        for key, resource_id in mine.items()
    }
    counterparty = PlanningApplication(acme.db_url)
    assert counterparty.constraints.get(remote["constraints"]).message["worker"]["workerId"][0]["value"] == WORKER

    paths = {
        "constraints": f"/planning/constraints/{mine['constraints']}",
        "assignment": f"/planning/assignments/{mine['assignment']}",
    }
    for path in paths.values():  # both processes have read (and cached) the worker's resources
        assert all(r.status == 200 and WORKER in r.body.decode() for r in reads(otto.http, path))
    assert all(WORKER in r.body.decode() for r in reads(otto.http, f"{paths['constraints']}?version=1"))
    before = supplier.raw()
    assert not [secret for secret in SECRETS if secret in before], "sealed before the erasure too"

    keys_before = supplier.keys()
    assert len(keys_before) == 2
    done = erase(supplier.url)
    assert done.returncode == 0, done.stderr
    assert "cancelled PlanningConstraints" in done.stdout and "cancelled PlanningAssignment" in done.stdout
    assert "destroyed 1 data key" in done.stdout and WORKER not in done.stdout

    # The counterparty is sent the cancellations (DELETE of its copies).
    for key, kind in (("constraints", counterparty.constraints), ("assignment", counterparty.assignments)):
        eventually(lambda r=mine[key]: delivered(r, 2), f"the cancellation of the {key} delivered to acme")
        assert [e.type for e in kind.history(remote[key])][-1] == "Cancelled"

    # Both serving processes stop showing the worker, current state and past versions alike.
    for path in paths.values():
        eventually(lambda p=path: all(r.status == 404 for r in reads(otto.http, p)), f"{path} gone from every process")
    eventually(
        lambda: all(r.status == 200 and WORKER not in r.body.decode() for r in reads(otto.http, f"{paths['constraints']}?version=1")),
        "version 1 read without the worker by every process",
    )  # fmt: skip
    old = reads(otto.http, f"{paths['constraints']}?version=1")[0].json()
    assert is_erased(old["worker"]) and is_erased(old["periodicAvailabilityLine"][0]["availabilityComment"])
    assert old["periodicAvailabilityLine"][0]["startTime"] == "08:00:00Z"
    history = reads(otto.http, f"{paths['constraints']}/history")[0]
    assert [e["type"] for e in history.json()["events"]] == ["Submitted", "Cancelled"]
    assert not any(secret in history.body for secret in SECRETS)
    as_of = reads(otto.http, f"{paths['constraints']}?asOf={first_event.isoformat().replace('+00:00', 'Z')}")[0]
    assert as_of.status == 200 and is_erased(as_of.json()["worker"]), as_of
    other = reads(otto.http, f"/planning/constraints/{mine['other']}")
    assert all(r.status == 200 and r.json() == availability(OTHER, "CON-O") for r in other)
    listed = reads(otto.http, f"/planning/constraints?hrId={WORKER}")
    assert all(r.status == 200 and WORKER not in r.body.decode() for r in listed), listed[0]

    # Nowhere in the store's bytes, while the servers still run.
    data = supplier.raw()
    assert not [secret for secret in SECRETS if secret in data]
    (erased_key,) = keys_before - supplier.keys()
    assert erased_key not in data, "the destroyed key is gone from the store's files"
    if supplier.kind == "postgres":
        files = supplier.data_files()
        assert not [(f, s) for f, found in files.items() for s in SECRETS if s in found]
        # The destroyed key itself is still in the write-ahead log (see docs/security.md): not asserted either way.

    exchange.close()
    app.close()
    otto.stop()
    rebuilt = subprocess.run(
        setu_planning("rebuild", "--db", supplier.url), capture_output=True, text=True, timeout=120
    )
    assert rebuilt.returncode == 0, rebuilt.stderr
    app = PlanningApplication(supplier.url)  # after a restart and a rebuild
    try:
        assert app.constraints.of_worker(WORKER) == []
        assert [s.id for s in app.constraints.of_worker(OTHER)] == [mine["other"]]
        assert [e.type for e in app.assignments.history(mine["assignment"])] == ["Submitted", "Cancelled"]
        assert is_erased(app.assignments.at_version(mine["assignment"], 1).message["assignedWorker"])
        now = app.constraints.as_of(mine["other"], datetime.now(UTC)).message
        assert json.dumps(now) == json.dumps(availability(OTHER, "CON-O"))
    finally:
        app.close()
        counterparty.close()

    again = erase(supplier.url)
    assert again.returncode == 0 and "nothing to erase" in again.stdout, again.stdout + again.stderr
