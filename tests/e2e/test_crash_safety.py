"""Crash safety: ``setu-planning serve`` SIGKILLed under concurrent load, then restarted.

Several client threads, each on its own keep-alive connection, submit
requests and constraints, add single lines, replace whole requests and
replace lines, against a server with two gunicorn worker processes, while the
test kills the server's whole process group with SIGKILL (no cleanup, no
graceful exit, transactions cut off wherever they were). The server is then
started again on the same store, without any repair, and the store must hold:

- every change that was acknowledged (2xx), exactly once in the history;
- every change that was not acknowledged (in flight at the kill) wholly or
  not at all;
- read models that agree with the events: the current-state row is the fold
  of the events at the last version, one timestamp row per event (so as-of
  queries find every version), one document claim per resource pointing at
  it, the look-ups of the constraints' workers and nothing else.

Run with ``-s`` to see the counts of each run.
"""

from __future__ import annotations

import json
import random
import sqlite3
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.client import HTTPConnection, HTTPException
from typing import TYPE_CHECKING, Any
from uuid import UUID

import pytest
from samples import constraints, single_planning_line
from samples import request as planning_request
from support import eventually

from setu_planning.application import PlanningApplication
from setu_planning.application.planning_index import ever_worker_key
from setu_planning.application.readmodels import holding_worker_key, worker_key
from setu_planning.domain.messages import MessageKind
from setu_planning.domain.personal_data import workers_named

if TYPE_CHECKING:  # the server machinery lives in this folder's conftest.py, reached through fixtures
    from servers import ServerProcess

pytestmark = pytest.mark.e2e

CLIENTS = 6
KILL_AFTER_ACKNOWLEDGED = 500
LOAD_TIMEOUT = 90.0
"""Generous: the clients reach KILL_AFTER_ACKNOWLEDGED in one or two seconds on two cores."""
CLIENT_TIMEOUT = 30.0
SERVER_ARGS = ["--workers", "2", "--threads", "4"]
HEADERS = {"Content-Type": "application/json", "Accept": "application/json", "setuVersionId": "2.0"}
FIRST_DAY = date(2026, 1, 5)  # the sample request's positionPeriod: 2026-01-05 .. 2026-06-30


# ------------------------------------------------------------------ the load
@dataclass
class Sent:
    """One request a client sent, and what became of it."""

    client: int
    op: str  # submit | constraints | add_line | put | put_line
    method: str
    path: str
    key: str  # the unique value it writes: documentId, worker, lineId, positionTitle or planningLineName
    resource: str | None = None  # target id; for a POST, the id of its Location (once answered)
    line: str | None = None  # put_line: the line it replaces
    status: int | None = None  # None: no answer (the connection broke)
    error: str | None = None
    body: bytes = b""

    @property
    def acknowledged(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def stored_key(self) -> Any:
        """How the store shows what this wrote: a documentId or worker, (request, lineId),
        (request, positionTitle) or (request, lineId, planningLineName)."""
        if self.op in ("submit", "constraints"):
            return self.key
        if self.op == "put_line":
            return (self.resource, self.line, self.key)
        return (self.resource, self.key)

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"


@dataclass
class Load:
    """What all clients share: the log of what was sent, and the resources acknowledged so far."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    log: list[Sent] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (request id, documentId)
    lines: list[tuple[str, str]] = field(default_factory=list)  # (request id, lineId)
    acknowledged: int = 0
    killing: threading.Event = field(default_factory=threading.Event)
    errors_before_kill: list[str] = field(default_factory=list)

    def sending(self, sent: Sent) -> None:
        with self.lock:
            self.log.append(sent)

    def answered(self, sent: Sent, reply_headers: Any) -> None:
        with self.lock:
            if not sent.acknowledged:
                return
            self.acknowledged += 1
            if sent.op in ("submit", "constraints"):
                sent.resource = reply_headers.get("Location", "").rsplit("/", 1)[-1]
                if sent.op == "submit":
                    self.requests.append((sent.resource, sent.key))
            elif sent.op == "add_line":
                self.lines.append((sent.resource, sent.key))

    def targets(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        with self.lock:
            return list(self.requests), list(self.lines)


class Client(threading.Thread):
    """Sends a seeded random mix of writes on its own connection until the server is killed.

    The targets of lines and PUTs are drawn from everything acknowledged so
    far, by any client: several clients, in both worker processes, write to
    the same resources at once.
    """

    def __init__(self, number: int, host: str, port: int, load: Load):
        super().__init__(name=f"crash-client-{number}", daemon=True)
        self.number, self.host, self.port, self.load = number, host, port, load
        self.rng = random.Random(number)
        self.count = 0

    def next_request(self) -> tuple[Sent, dict[str, Any]]:
        requests, lines = self.load.targets()
        roll = self.rng.random()
        self.count += 1
        n = f"{self.number}x{self.count}"
        day = (FIRST_DAY + timedelta(days=self.count % 170)).isoformat()
        if not requests or roll < 0.25:
            document = f"CRASH-{n}"
            body = planning_request(documentId={"value": document, "schemeAgencyId": "Customer"})
            return Sent(self.number, "submit", "POST", "/planning/requests", document), body
        if roll < 0.33:
            worker = f"W-{n}"
            body = constraints(
                documentId={"value": f"CON-{n}", "schemeAgencyId": "Supplier"},
                worker={"workerId": [{"value": worker, "schemeAgencyId": "Supplier"}]},
            )
            return Sent(self.number, "constraints", "POST", "/planning/constraints", worker), body
        if roll < 0.63 or (roll >= 0.83 and not lines):
            resource, _ = self.rng.choice(requests)
            line_id = f"L{n}"
            path = f"/planning/requests/{resource}/single-lines"
            return Sent(self.number, "add_line", "POST", path, line_id, resource), single_planning_line(line_id, day)
        if roll < 0.83:
            resource, document = self.rng.choice(requests)
            title = f"Title {n}"
            body = planning_request(documentId={"value": document, "schemeAgencyId": "Customer"})
            del body["periodicPlanningLine"]  # a PUT keeps what it omits: the lines stay
            body["positionProfile"]["positionTitle"] = title
            return Sent(self.number, "put", "PUT", f"/planning/requests/{resource}", title, resource), body
        resource, line_id = self.rng.choice(lines)
        name = f"Name {n}"
        body = single_planning_line(line_id, day)
        body["planningLineName"] = name
        path = f"/planning/requests/{resource}/lines/{line_id}"
        return Sent(self.number, "put_line", "PUT", path, name, resource, line_id), body

    def run(self) -> None:
        connection = HTTPConnection(self.host, self.port, timeout=CLIENT_TIMEOUT)
        headers = {**HEADERS, "X-SETU-Actor": f"client-{self.number}"}
        try:
            while not self.load.killing.is_set():
                sent, body = self.next_request()
                self.load.sending(sent)
                try:
                    connection.request(sent.method, sent.path, json.dumps(body).encode(), headers)
                    response = connection.getresponse()
                    sent.body = response.read()
                    sent.status = response.status
                except (OSError, HTTPException) as error:
                    sent.error = f"{type(error).__name__}: {error}"
                    if not self.load.killing.is_set():  # the server failed on its own: the test fails
                        self.load.errors_before_kill.append(f"{sent}: {sent.error}")
                    return  # the server is gone: stop
                self.load.answered(sent, response.headers)
        finally:
            connection.close()


# ---------------------------------------------------------------- the store
def raw_rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    """The rows of one SELECT, read straight from the store (no application code in between)."""
    if url.startswith("sqlite:"):
        connection = sqlite3.connect(url.split("://", 1)[1][1:])
        try:
            return connection.execute(sql).fetchall()
        finally:
            connection.close()
    import psycopg

    with psycopg.connect(url) as connection:
        return [tuple(row) for row in connection.execute(sql).fetchall()]


def as_utc(value: Any) -> datetime:
    """A timestamp as the store gives it back (SQLite text, PostgreSQL timestamptz), in UTC."""
    if isinstance(value, str):
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return value.astimezone(UTC)


def all_events(app: PlanningApplication) -> dict[UUID, list[Any]]:
    """Every stored event, grouped by resource, in version order (straight from the event log)."""
    grouped: dict[UUID, list[Any]] = defaultdict(list)
    after = None
    while page := app.recorder.select_events_in_originator_order(after, 500):
        for notification in page:
            grouped[notification.originator_id].append(notification)
        after = (page[-1].originator_id, page[-1].originator_version)
    return grouped


def all_current_ids(app: PlanningApplication) -> list[UUID]:
    ids: list[UUID] = []
    while page := app.recorder.select_resource_ids(ids[-1] if ids else None, 500):
        ids += page
    return ids


# ------------------------------------------------------------------- checks
def check_store(app: PlanningApplication, url: str, load: Load) -> dict[str, int]:
    """Everything the store holds agrees with itself, and with what the clients were told."""
    problems: list[str] = []
    events = all_events(app)
    current_ids = all_current_ids(app)
    assert set(events) == set(current_ids), (
        "resources with events but no current-state row, or the reverse: "
        f"{sorted(map(str, set(events) ^ set(current_ids)))}"
    )

    table = app.recorder.events_table_name
    timestamps: dict[UUID, dict[int, datetime]] = defaultdict(dict)
    for originator, version, moment in raw_rows(
        url, f"SELECT originator_id, originator_version, timestamp FROM {table}_timestamps"
    ):
        timestamps[UUID(str(originator))][version] = as_utc(moment)
    assert set(timestamps) == set(current_ids), "timestamp rows of resources that are not stored, or none"
    documents = raw_rows(url, f"SELECT key, resource_id FROM {table}_documents")
    assert Counter(UUID(str(r)) for _, r in documents) == Counter(current_ids), (
        "document claims are not exactly one per resource"
    )
    lookups = {(k, UUID(str(r))) for k, r in raw_rows(url, f"SELECT key, resource_id FROM {table}_lookups")}

    stored: dict[str, Counter[Any]] = {op: Counter() for op in ("submit", "add_line", "put", "put_line")}
    stored["constraints"] = stored["submit"]  # documentIds CRASH-… and workers W-… never collide
    expected_lookups: set[tuple[str, UUID]] = set()

    for resource_id in current_ids:
        row = app.recorder.select_current(resource_id)
        resource = app.resource_from_row(row)
        service = app.service(resource.kind)
        where = f"{resource.kind} {resource_id}"
        versions = [e.originator_version for e in events[resource_id]]
        if versions != list(range(1, len(versions) + 1)):
            problems.append(f"{where}: event versions {versions}")
        if row.originator_version != len(versions):
            problems.append(f"{where}: current-state row at version {row.originator_version}, {len(versions)} events")
        folded = app.repository.get(resource_id)
        if (folded.version, folded.message) != (resource.version, resource.message):
            problems.append(f"{where}: its current-state row differs from the fold of its events")

        history = service.history(resource_id)
        if timestamps[resource_id] != {e.version: e.timestamp.astimezone(UTC) for e in history}:
            problems.append(f"{where}: timestamp rows {timestamps[resource_id]} do not match its events")
        for entry in history:
            expected = max(e.version for e in history if e.timestamp <= entry.timestamp)
            got = service.as_of(resource_id, entry.timestamp).version
            if got != expected:
                problems.append(f"{where}: as of {entry.timestamp} gives version {got}, not {expected}")

        claim = app.recorder.select_document(app.document_key(resource.kind, None, resource.message))
        if claim != resource_id:
            problems.append(f"{where}: its document claim points at {claim}")
        submissions = sum(e.type == "Submitted" for e in history)
        for named in workers_named(resource.kind, resource.message):  # erasure's: every worker it holds data of
            expected_lookups.add((app.digest(holding_worker_key(named.value)), resource_id))

        if resource.kind is MessageKind.CONSTRAINTS:
            worker = resource.message["worker"]["workerId"][0]["value"]
            stored["constraints"][worker] += submissions
            expected_lookups.add((app.digest(worker_key(worker)), resource_id))
            expected_lookups.add((app.digest(ever_worker_key(worker)), resource_id))  # planning's, kept for as-of
            if [s.id for s in app.constraints.of_worker(worker)] != [resource_id]:
                problems.append(f"{where}: of_worker({worker!r}) does not find exactly it")
            continue

        rid = str(resource_id)
        stored["submit"][resource.message["documentId"]["value"]] += submissions
        added = [e.changes["lineId"] for e in history if e.type == "LineAdded"]
        stored["add_line"].update((rid, line) for line in added)
        present = [line["lineId"]["value"] for line in resource.message.get("singlePlanningLine", [])]
        if sorted(present) != sorted(added):
            problems.append(f"{where}: lines {sorted(present)} in its current state, {sorted(added)} added")
        for entry in history:
            for change in entry.changes.get("diff", []):
                if entry.type == "Replaced" and change["element"] == "positionProfile/positionTitle":
                    stored["put"][(rid, change["new"])] += 1
                elif entry.type == "LineReplaced" and change["element"].endswith("/planningLineName"):
                    stored["put_line"][(rid, entry.changes["lineId"], change["new"])] += 1

    if lookups != expected_lookups:
        problems.append(
            f"look-ups {sorted(lookups - expected_lookups)} extra, {sorted(expected_lookups - lookups)} missing"
        )

    # What the clients sent, against what is stored: acknowledged exactly once, the rest at most once.
    sent_keys: dict[str, set[Any]] = defaultdict(set)
    for sent in load.log:
        key = sent.stored_key()
        sent_keys[sent.op].add(key)
        times = stored[sent.op][key]
        if sent.acknowledged and times != 1:
            problems.append(f"acknowledged {sent} is stored {times} times")
        elif not sent.acknowledged and times > 1:
            problems.append(f"unacknowledged {sent} is stored {times} times")
        if sent.acknowledged and sent.op in ("submit", "constraints") and UUID(sent.resource) not in events:
            problems.append(f"acknowledged {sent} answered {sent.resource}, which is not stored")
    for op in ("add_line", "put", "put_line"):
        if unknown := set(stored[op]) - sent_keys[op]:
            problems.append(f"stored {op} that nobody sent: {sorted(unknown)[:10]}")
    if unknown := set(stored["submit"]) - sent_keys["submit"] - sent_keys["constraints"]:
        problems.append(f"stored submissions that nobody sent: {sorted(unknown)[:10]}")

    assert not problems, f"{len(problems)} problems after the SIGKILL:\n" + "\n".join(problems[:50])
    unacknowledged = [s for s in load.log if s.status is None]
    return {
        "resources": len(current_ids),
        "events": sum(map(len, events.values())),
        "unacknowledged_stored": sum(1 for s in unacknowledged if stored[s.op][s.stored_key()]),
    }


def check_over_http(server: ServerProcess, load: Load) -> None:
    """The restarted server shows every acknowledged request with its lines, its history and its past."""
    http = server.http
    acknowledged = [s for s in load.log if s.acknowledged]
    lines: dict[str, set[str]] = defaultdict(set)
    for sent in acknowledged:
        if sent.op == "add_line":
            lines[sent.resource].add(sent.key)
    for sent in acknowledged:
        if sent.op != "submit":
            continue
        current = http.request("GET", f"/planning/requests/{sent.resource}")
        assert current.status == 200, f"GET of acknowledged {sent}: {current}"
        present = {line["lineId"]["value"] for line in current.json().get("singlePlanningLine", [])}
        assert lines[sent.resource] <= present, f"{sent} lacks acknowledged lines {lines[sent.resource] - present}"
        history = http.request("GET", f"/planning/requests/{sent.resource}/history")
        assert history.status == 200, f"history of {sent}: {history}"
        entries = history.json()["events"]
        assert current.headers["ETag"] == f'"{len(entries)}"', f"{sent}: ETag {current.headers['ETag']}, {entries}"
        assert [e["type"] for e in entries].count("Submitted") == 1, f"{sent}: {entries}"
        moments = [datetime.fromisoformat(e["timestamp"]) for e in entries]
        for entry, moment in zip(entries, moments, strict=True):
            expected = max(e["version"] for e, m in zip(entries, moments, strict=True) if m <= moment)
            past = http.request("GET", f"/planning/requests/{sent.resource}?asOf={entry['timestamp']}")
            assert past.status == 200 and past.headers["ETag"] == f'"{expected}"', (
                f"{sent} as of {entry['timestamp']}: {past}; expected version {expected}"
            )


def summary(store: str, log: list[Sent], seconds: float) -> str:
    acknowledged = Counter(s.op for s in log if s.acknowledged)
    in_flight = Counter(s.op for s in log if s.status is None)
    return (
        f"[{store}] {len(log)} requests sent in {seconds:.1f} s before the kill; acknowledged: "
        f"{acknowledged['submit']} request POSTs, {acknowledged['constraints']} constraints POSTs, "
        f"{acknowledged['add_line']} line POSTs, {acknowledged['put']} request PUTs, "
        f"{acknowledged['put_line']} line PUTs; unacknowledged (in flight at the kill): "
        f"{sum(in_flight.values())} ({', '.join(f'{op} {n}' for op, n in sorted(in_flight.items()))})"
    )


# --------------------------------------------------------------------- test
@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_sigkill_under_load_loses_no_acknowledged_change_and_leaves_nothing_half_written(
    store, start_server, tmp_path, request
):
    if store == "sqlite":
        url = f"sqlite:///{tmp_path / 'crash.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_cluster").new_database()
    server = start_server(db_url=url, args=SERVER_ARGS)
    load = Load()
    clients = [Client(n, server.http.host, server.http.port, load) for n in range(1, CLIENTS + 1)]
    started = time.monotonic()
    for client in clients:
        client.start()
    try:
        eventually(
            lambda: (
                load.acknowledged >= KILL_AFTER_ACKNOWLEDGED
                or load.errors_before_kill
                or not all(c.is_alive() for c in clients)
            ),
            f"{KILL_AFTER_ACKNOWLEDGED} acknowledged requests",
            LOAD_TIMEOUT,
        )
    finally:
        load.killing.set()
        server.kill()  # SIGKILL to gunicorn's whole process group, in the middle of the load
        for client in clients:
            client.join(CLIENT_TIMEOUT + 5)
    seconds = time.monotonic() - started
    assert not any(c.is_alive() for c in clients), "a client did not stop after the kill"

    with load.lock:
        log = list(load.log)
    said = summary(store, log, seconds)
    print("\n" + said)
    refused = [f"{s} -> {s.status} {s.body[:300]!r}" for s in log if s.status is not None and not s.acknowledged]
    assert not refused, f"{said}\nanswers other than 2xx before the kill:\n" + "\n".join(refused[:20])
    assert not load.errors_before_kill, f"{said}\nthe server failed before the kill: {load.errors_before_kill[:10]}"
    assert load.acknowledged >= KILL_AFTER_ACKNOWLEDGED, f"{said}\nthe clients stopped before the kill"

    server.start()  # the same store, no repair in between
    check_over_http(server, load)
    app = PlanningApplication(url)
    try:
        found = check_store(app, url, load)
        print(
            f"[{store}] after the restart: {found['resources']} resources, {found['events']} events; "
            f"{found['unacknowledged_stored']} of the unacknowledged are stored (wholly), the others not at all"
        )

        # The restarted server works as usual.
        body = json.dumps(planning_request()).encode()
        created = server.http.request("POST", "/planning/requests", body, HEADERS)
        assert created.status == 201, str(created)
        again = server.http.request("GET", created.headers["Location"])
        assert again.status == 200 and again.json()["documentId"]["value"] == "REQ-1", str(again)
        assert app.requests.get(created.headers["Location"].rsplit("/", 1)[-1]).version == 1
    finally:
        app.close()
    server.stop()
    assert "Traceback" not in server.stderr(), server.stderr()  # the fixture checks it too, at teardown
