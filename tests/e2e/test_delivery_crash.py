"""Delivery survives SIGKILL: nothing lost, nothing applied twice, nothing out of order.

The receiver is a real ``setu-planning serve --parties FILE`` (OTTO's planning
system, its own SQLite store) whose parties file names the sender (ACME's
back office) by the hash of the token it presents. The sender is a SQLite
store changed through the embedding API in this process: many requests,
each with lines added, a line replaced, a whole PUT, some with a line removed,
some cancelled; more are made while no deliverer runs, and more while
deliverers run and die. ``setu-planning deliver --db URL --parties FILE``
runs as a subprocess in its own process group and is SIGKILLed several
times while it delivers, then started again on the same store without any
repair.

Each kill is aimed at the window where redelivery happens: the receiver's
store already holds a change whose delivery the sender has not yet recorded.
After each kill (nothing moves then) the test measures, per resource, how far
the receiver is ahead of what the sender recorded: never behind (nothing
recorded as delivered without being there), never more than one change ahead
(the head alone is ever sent). The restarted deliverer sends those changes
again; the receiver must not apply them twice.

At the end every sender resource exists exactly once on the receiver (by
documentId), with the same current message (or both cancelled) and a history
of the same events, and every delivery is ``delivered`` with the receiver's
id as its remote id. Run with ``-s`` to see how often each kill landed in the
redelivery window.
"""

from __future__ import annotations

import copy
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from samples import request, single_planning_line
from support import eventually as wait_for

from setu_planning.application import Caller, PlanningApplication
from setu_planning.interface.exchange import Exchange
from setu_planning.interface.parties import load_parties, token_hash

pytestmark = pytest.mark.e2e

REQUESTS = 40
LIVE_REQUESTS = 12
"""Requests made (with all their changes) while the deliverer runs and is killed, from the second run on."""
KILL_AT = (0.1, 0.3, 0.5, 0.7, 0.85, 0.95)
"""A SIGKILL of the deliverer once it has recorded each share of the changes owed, aimed at the
redelivery window. Outboxes advance in step, so the late shares catch line removals and cancellations."""
WINDOW_WAIT = 5.0
"""How long a kill waits for the redelivery window before it lands wherever the deliverer is."""
TIMEOUT = 30.0


def _identifiers(*pairs: tuple[str, str]) -> str:
    return "[" + ", ".join(f'{{ value = "{v}", schemeAgencyId = "{s}" }}' for v, s in pairs) + "]"


def _token(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex}{uuid.uuid4().hex}"


# ------------------------------------------------------------------ the deliverer
class Deliverer:
    """``setu-planning deliver`` as a subprocess in its own process group."""

    def __init__(self, db_url: str, parties: Path, env: dict[str, str], log_dir: Path):
        self.db_url, self.parties, self.env, self.log_dir = db_url, parties, env, log_dir
        self.process: subprocess.Popen[bytes] | None = None
        self.runs = 0

    def start(self) -> None:
        assert self.process is None
        self.runs += 1
        with (
            (self.log_dir / f"deliver-{self.runs}.out").open("wb") as out,
            (self.log_dir / f"deliver-{self.runs}.err").open("wb") as err,
        ):
            self.process = subprocess.Popen(
                [sys.executable, "-m", "setu_planning.interface.cli", "deliver",
                 "--db", self.db_url, "--parties", str(self.parties)],
                stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=self.log_dir,
                env={**os.environ, "PYTHONUNBUFFERED": "1", **self.env},
                start_new_session=True,  # its own process group: the kill reaches all of it
            )  # fmt: skip

    def kill(self) -> None:
        """SIGKILL the whole process group: no cleanup, transactions cut wherever they were."""
        process, self.process = self.process, None
        assert process is not None
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> int:
        """SIGTERM, as an operator stops it; its exit code."""
        process, self.process = self.process, None
        if process is None:
            return 0
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        return process.returncode

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def stderr(self, run: int | None = None) -> str:
        runs = [run] if run else range(1, self.runs + 1)
        return "".join(
            (self.log_dir / f"deliver-{n}.err").read_text(errors="replace")
            for n in runs
            if (self.log_dir / f"deliver-{n}.err").exists()
        )


# ------------------------------------------------------------------ the stores
class Counts:
    """Cheap counts read straight from the two SQLite files, for aiming the kill."""

    def __init__(self, sender_file: Path, receiver_file: Path):
        self._sender = sqlite3.connect(f"file:{sender_file}?mode=ro", uri=True, timeout=10)
        self._receiver = sqlite3.connect(f"file:{receiver_file}?mode=ro", uri=True, timeout=10)

    def applied(self) -> int:
        """Changes the receiver has stored (every event there came from the sender)."""
        return self._receiver.execute("SELECT count(*) FROM stored_events").fetchone()[0]

    def recorded(self) -> int:
        """Deliveries the sender has recorded as delivered."""
        try:
            return self._sender.execute(
                "SELECT count(*) FROM setudelivery_deliveries WHERE status = 'delivered'"
            ).fetchone()[0]
        except sqlite3.OperationalError:  # the deliverer has not created its tables yet
            return 0

    def close(self) -> None:
        self._sender.close()
        self._receiver.close()


@dataclass
class Kill:
    """What one SIGKILL caught: resources the receiver had changed beyond what the sender recorded."""

    recorded: int
    ahead: dict[tuple[str, int], str] = field(
        default_factory=dict
    )  # (documentId, seq) -> the change applied, not recorded
    aimed: bool = False  # the window was seen open just before the kill

    @property
    def in_window(self) -> bool:
        return bool(self.ahead)


def receiver_resources(receiver: PlanningApplication) -> dict[str, list[uuid.UUID]]:
    """documentId -> the receiver's request ids created for it (cancelled ones too), from its event log."""
    found: dict[str, list[uuid.UUID]] = {}
    for notification in receiver.recorder.select_notifications(start=1, limit=1_000_000):
        if notification.originator_version == 1:
            first = receiver.repository.get(notification.originator_id, version=1)
            found.setdefault(first.message["documentId"]["value"], []).append(first.id)
    return found


def sender_documents(sender: PlanningApplication, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    return {i: sender.repository.get(i, version=1).message["documentId"]["value"] for i in ids}


def measure_after_kill(
    sender: PlanningApplication, exchange: Exchange, receiver: PlanningApplication, documents: dict[uuid.UUID, str]
) -> dict[tuple[str, int], str]:
    """Per resource: how many changes the receiver applied beyond those the sender recorded as delivered.

    Behind would be a lost change (recorded as delivered, never arrived);
    more than one ahead, a change sent before the one before it was recorded.
    Returns the resources exactly one ahead, with the delivery (its seq) and change in question.
    """
    remote = receiver_resources(receiver)
    ahead: dict[tuple[str, int], str] = {}
    rows_by_resource: dict[uuid.UUID, list] = {}
    for row in exchange.deliveries(limit=100_000):
        rows_by_resource.setdefault(row.resource_id, []).append(row)
    for local_id, document in documents.items():
        rows = sorted(rows_by_resource.get(local_id, []), key=lambda r: r.seq)
        delivered = [r for r in rows if r.status == "delivered"]
        assert [r.seq for r in delivered] == list(range(1, len(delivered) + 1)), "delivered in order, no gaps"
        there = remote.get(document, [])
        assert len(there) <= 1, f"{document} created {len(there)} times on the receiver"
        applied = len(receiver.requests.history(there[0])) if there else 0
        assert applied >= len(delivered), f"{document}: recorded as delivered but not on the receiver"
        assert applied <= len(delivered) + 1, f"{document}: a change was sent before the previous was recorded"
        if applied == len(delivered) + 1:
            ahead[(document, rows[len(delivered)].seq)] = rows[len(delivered)].change
    return ahead


# ------------------------------------------------------------------ the changes
def make_changes(app: PlanningApplication, numbers: range, actor: str) -> list[uuid.UUID]:
    """Requests with lines added, a line replaced, a whole PUT; some lose a line, some are cancelled."""
    service = app.requests
    made = []
    for n in numbers:
        message = request(documentId={"value": f"REQ-CRASH-{n:03d}", "schemeAgencyId": "Customer"})
        resource_id = service.submit(message, by=Caller.local(actor, setu_version="2.0")).state.id
        made.append(resource_id)
        service.add_line(resource_id, "single", single_planning_line(f"S{n}a", "2026-02-02"), by=Caller.local(actor))
        service.add_line(resource_id, "single", single_planning_line(f"S{n}b", "2026-02-03"), by=Caller.local(actor))
        monday = dict(message["periodicPlanningLine"][0], positionQuantity=3 + n % 5)
        service.replace_line(resource_id, "P1", monday, by=Caller.local(actor))
        whole = copy.deepcopy(service.get(resource_id).message)
        whole["positionProfile"]["positionTitle"] = f"Order picker {n}"
        service.replace(resource_id, whole, by=Caller.local(actor, setu_version="2.0"))
        if n % 3 == 0:
            service.remove_line(resource_id, f"S{n}b", by=Caller.local(actor))
        if n % 4 == 0:
            service.cancel(resource_id, by=Caller.local(actor))
    return made


def more_changes_while_down(app: PlanningApplication, ids: list[uuid.UUID], actor: str) -> None:
    """Changes made while no deliverer runs: owed all the same."""
    for n, resource_id in enumerate(ids):
        if n % 4 == 0:
            continue  # cancelled
        if n % 5 == 1:
            app.requests.add_line(
                resource_id, "single", single_planning_line(f"X{n}", "2026-03-02"), by=Caller.local(actor)
            )
        elif n % 5 == 2:
            app.requests.cancel(resource_id, by=Caller.local(actor))


def settled_after_refusal(exchange: Exchange) -> Counter[tuple[str, int]]:
    """(change, status) of deliveries the counterparty refused as already done (409 line, 404 DELETE),
    counted delivered after reading its state: redeliveries, read from the outboxes' own events."""
    delivery = exchange.delivery
    changes = {(row.outbox_id, row.seq): row.change for row in exchange.deliveries(limit=100_000)}
    found: Counter[tuple[str, int]] = Counter()
    for outbox_id in {outbox for outbox, _ in changes}:
        for stored in delivery.recorder.select_events(outbox_id):
            event = delivery.mapper.to_domain_event(stored)
            if type(event).__name__ == "Delivered" and event.http_status is not None:
                found[(changes[(outbox_id, event.seq)], event.http_status)] += 1
    return found


class LiveChanges(threading.Thread):
    """Makes requests, with all their changes, on the sender while deliverers run and die."""

    def __init__(self, app: PlanningApplication, ids: list[uuid.UUID], lock: threading.Lock):
        super().__init__(name="live-changes", daemon=True)
        self.app, self.ids, self.lock = app, ids, lock
        self.stopped = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for n in range(1000, 1000 + LIVE_REQUESTS):
                if self.stopped.is_set():
                    return
                made = make_changes(self.app, range(n, n + 1), actor="clerk")
                with self.lock:
                    self.ids.extend(made)
                self.stopped.wait(0.05)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            self.error = error

    def finish(self) -> None:
        self.join(timeout=TIMEOUT)
        assert not self.is_alive(), "the live changes did not finish"
        assert self.error is None, f"making changes failed: {self.error!r}"


def current_or_none(app: PlanningApplication, resource_id: uuid.UUID) -> dict[str, Any] | None:
    try:
        return app.requests.get(resource_id).message
    except Exception:  # noqa: BLE001 - cancelled
        return None


# ------------------------------------------------------------------ the test
def test_sigkilled_deliverer_loses_nothing_and_applies_nothing_twice(start_server, tmp_path):
    sender_token = _token("acme")
    receiver_folder = tmp_path / "receiver"
    receiver_folder.mkdir()
    receiver_parties = receiver_folder / "parties.toml"
    receiver_parties.write_text(
        f'[parties.acme]\nidentifiers = {_identifiers(("ACME", "Customer"))}\ntokens = ["{token_hash(sender_token)}"]\n'
    )
    receiver_server = start_server(
        receiver_folder / "store.sqlite3", args=["--parties", str(receiver_parties), "--workers", "2"]
    )

    sender_folder = tmp_path / "sender"
    sender_folder.mkdir()
    sender_file = sender_folder / "store.sqlite3"
    sender_url = f"sqlite:///{sender_file}"
    sender_parties = sender_folder / "parties.toml"
    sender_parties.write_text(
        "[parties.otto]\n"
        f"identifiers = {_identifiers(('OTTO', 'Customer'))}\n"
        f'endpoint = "{receiver_server.base_url}"\n'
        'endpoint_token_env = "OTTO_ENDPOINT_TOKEN"\n'
    )

    sender = PlanningApplication(sender_url)
    receiver = PlanningApplication(receiver_server.db_url)
    exchange = Exchange(sender, load_parties(sender_parties))
    deliverer = Deliverer(sender_url, sender_parties, {"OTTO_ENDPOINT_TOKEN": sender_token}, sender_folder)
    counts = Counts(sender_file, receiver_folder / "store.sqlite3")
    live: LiveChanges | None = None
    try:
        ids = make_changes(sender, range(REQUESTS), actor="clerk")
        ids_lock = threading.Lock()
        live = LiveChanges(sender, ids, ids_lock)

        def made() -> list[uuid.UUID]:
            with ids_lock:
                return list(ids)

        def owed() -> int:
            return sum(len(sender.requests.history(i)) for i in made())

        kills: list[Kill] = []
        for number, share in enumerate(KILL_AT, 1):
            total = owed()
            deliverer.start()
            # Aim: kill at a growing share of the work, the moment the receiver is ahead of the sender.
            floor = max(counts.recorded() + 1, int(total * share))
            wait_for(
                lambda floor=floor: counts.recorded() >= floor or deliverer.exited() is not None,
                f"the deliverer records {floor} deliveries",
                pause=0.002,
            )
            assert deliverer.exited() is None, f"the deliverer exited:\n{deliverer.stderr(deliverer.runs)}"
            aimed = False
            deadline = time.monotonic() + WINDOW_WAIT
            while time.monotonic() < deadline:
                applied = counts.applied()  # read first: the receiver only ever gains
                recorded = counts.recorded()
                if applied > recorded:  # a change is there that the sender has not recorded: kill now
                    aimed = True
                    break
                if recorded >= total:
                    break
            deliverer.kill()
            recorded = counts.recorded()
            if number == 1:
                assert 0 < recorded < total, "the first kill cuts the delivery short"
            documents = sender_documents(sender, made())  # complete requests; the newest may be half made
            kill = Kill(recorded, measure_after_kill(sender, exchange, receiver, documents), aimed)
            kills.append(kill)
            if number == 1:
                more_changes_while_down(sender, made(), actor="clerk")
                live.start()  # from now on, changes are made while the deliverer runs, and is killed

        deliverer.start()
        live.finish()
        total = owed()
        documents = sender_documents(sender, ids)
        wait_for(
            lambda: (
                (rows := exchange.deliveries(limit=100_000))
                and len(rows) == total
                and all(r.status == "delivered" for r in rows)
            ),
            f"all {total} changes delivered after the restarts",
        )
        assert deliverer.stop() == 0, deliverer.stderr()
        assert "Traceback" not in deliverer.stderr(), deliverer.stderr()

        # ------------------------------------------------------------ the receiver's store
        remote = receiver_resources(receiver)
        assert sorted(remote) == sorted(documents.values()), "every sender resource is on the receiver"
        assert all(len(created) == 1 for created in remote.values()), "each exactly once"
        rows = exchange.deliveries(limit=100_000)
        for local_id in ids:
            document = documents[local_id]
            remote_id = remote[document][0]
            here = sender.requests.history(local_id)
            there = receiver.requests.history(remote_id)
            assert [e.type for e in there] == [e.type for e in here], f"{document}: the same changes, once each"
            assert {e.party for e in there} == {"acme"}, "the receiver names the sender"
            assert [e.on_behalf_of for e in there] == [e.actor for e in here], "the local user travels along"
            assert current_or_none(receiver, remote_id) == current_or_none(sender, local_id)
            mine = [r for r in rows if r.resource_id == local_id]
            assert [r.seq for r in mine] == list(range(1, len(here) + 1))
            assert [r.version for r in mine] == [e.version for e in here]
            assert {(r.status, r.party, r.remote_id) for r in mine} == {("delivered", "otto", str(remote_id))}
        assert len(rows) == total == sum(len(receiver.requests.history(r[0])) for r in remote.values())

        # A delivery caught ahead by two kills in a row (sent again, killed again before its outcome
        # was recorded) is settled once: count each delivery once.
        caught = {delivery: change for kill in kills for delivery, change in kill.ahead.items()}
        redelivered = Counter(caught.values())
        settled = settled_after_refusal(exchange)
        lines_sent_again = redelivered["add-line"] + redelivered["remove-line"] + redelivered["cancel"]
        assert sum(settled.values()) == lines_sent_again, (
            f"every line add, line removal or cancellation sent again was answered 409/404 and settled: "
            f"{dict(settled)} for {dict(redelivered)}"
        )
        print(
            f"\n{total} changes of {len(ids)} requests delivered across {deliverer.runs} runs; "
            f"{len(kills)} SIGKILLs, {sum(k.aimed for k in kills)} aimed at an open window, "
            f"{sum(k.in_window for k in kills)} caught changes applied but not recorded "
            f"({sum(len(k.ahead) for k in kills)} changes sent again: {dict(redelivered)}); "
            f"settled after a 409/404: {dict(settled)}; recorded at each kill: {[k.recorded for k in kills]}"
        )
        assert any(kill.in_window for kill in kills), (
            "no kill landed between a send and its recording: the redelivery path was not exercised"
        )
    finally:
        if live is not None and live.is_alive():
            live.stopped.set()
            live.join(timeout=TIMEOUT)
        deliverer.stop()
        counts.close()
        exchange.close()
        receiver.close()
        sender.close()
