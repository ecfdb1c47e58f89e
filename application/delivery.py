"""Outbound delivery: every local change reaches the counterparties it names, reliably and in order.

:class:`DeliveryApplication` is an eventsourcing ``EventSourcedProjection``:
it follows the planning application's notification log from a tracked
position and turns each resource change into entries of the outboxes
(:mod:`setu_planning.domain.outbox`) of the counterparties the message names
and that have an endpoint, except the party that made the change and the
party the resource came from. The outbox events are saved in one transaction
with the tracking position, so a restart resumes exactly where it stopped,
and changes written by any process on the same store are delivered.

Sending works off what is due: the head of each outbox, built from the
resource as it was at that version, handed to a :class:`Transport` (the
interface layer's SETU client). The outcome is recorded as an event: delivered
(with the remote id from the answer's ``Location``), an attempt failed (retried
with exponential backoff and jitter, ``Retry-After`` honoured), or refused (a
4xx: later changes of that resource to that party wait for an operator's
``retry`` or ``skip``). Delivery is at least once; the transport makes
redelivery safe.

Exactly one process of a store delivers at a time: the one holding the
store's delivery lock (:mod:`.delivery_worker`). What the transport gets and
answers is in :mod:`.delivery_transport`; this module re-exports those names.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.application import ProcessingEvent
from eventsourcing.persistence import EventStore, IntegrityError, Tracking
from eventsourcing.projection import EventSourcedProjection

from setu_planning.domain.aggregates import PlanningResource
from setu_planning.domain.errors import SetuError
from setu_planning.domain.messages import LineKind
from setu_planning.domain.outbox import FINISHED, Change, NotTheHead, Outbox, Status, delivery_id, outbound_change
from setu_planning.domain.parties import Party, parties_named

from .app import PlanningApplication
from .delivery_transport import Backoff, OutboundChange, Outcome, ProcessExiting, Transport
from .delivery_worker import DeliveryLock, DeliveryWorker
from .readmodels import RESOURCE_TOPICS
from .stores.contract import DeliveryRecorder, DeliveryRow, PlanningStore, store_of

__all__ = [  # the transport's types and the worker have modules of their own; importable from here as before
    "PAGE",
    "SENDERS",
    "Backoff",
    "DeliveryApplication",
    "DeliveryLock",
    "DeliveryNotFound",
    "DeliveryNotOpen",
    "DeliveryWorker",
    "OutboundChange",
    "Outcome",
    "ProcessExiting",
    "Transport",
]

log = logging.getLogger("setu_planning.delivery")

PAGE = 500
"""Notifications of the planning log processed per transaction."""

SENDERS = 8
"""Outboxes sent at once, each on its own: a slow counterparty holds only the threads sending to it."""


class DeliveryApplication(EventSourcedProjection[UUID]):
    """The outbox of a planning store: follows its log, owes changes, records what was sent."""

    name = "SetuDelivery"
    snapshotting_intervals = {Outbox: 50}

    def __init__(
        self,
        planning: PlanningApplication,
        targets: Iterable[Party] = (),
        *,
        backoff: Backoff | None = None,
    ):
        """Outboxes for ``planning``'s store; ``targets`` are the parties with an endpoint."""
        self.planning = planning
        self.targets = list(targets)
        self.backoff = backoff or Backoff()
        env = {k: v for k, v in planning.env.items() if not k.startswith("APPLICATION_RECORDER")}
        super().__init__(env)
        self.recorder: DeliveryRecorder
        self._wake = threading.Event()
        self._senders = ThreadPoolExecutor(SENDERS, thread_name_prefix="setu-deliver")
        self.outcome_listeners: list[Callable[[str, str], None]] = []
        """Called with (party, outcome name) after each recorded attempt: metrics, run summaries."""
        self._in_flight: set[UUID] = set()
        self._in_flight_lock = threading.Lock()

    # ------------------------------------------------------------- storage
    @property
    def store(self) -> PlanningStore:
        """The store the outbox is kept in: the planning application's."""
        return store_of(self.factory)

    def construct_recorder(self) -> DeliveryRecorder:
        return store_of(self.factory).delivery_recorder()

    def construct_snapshot_store(self) -> EventStore[UUID]:
        recorder = store_of(self.factory).delivery_snapshots()
        return self.factory.event_store(mapper=self.mapper, recorder=recorder)

    def _record(self, processing_event: ProcessingEvent[UUID]) -> Any:
        rows = processing_event.saved_kwargs.setdefault("delivery_rows", [])
        touched: dict[UUID, set[int]] = {}
        for event in processing_event.events:
            seq = getattr(event, "seq", None)
            touched.setdefault(event.originator_id, set())
            if seq is not None:
                touched[event.originator_id].add(seq)
        for outbox in processing_event.aggregates.values():
            if isinstance(outbox, Outbox):
                rows.extend(self._rows(outbox, touched.get(outbox.id, set())))
        return super()._record(processing_event)

    @staticmethod
    def _rows(outbox: Outbox, seqs: set[int]) -> list[DeliveryRow]:
        head = outbox.head
        wanted = set(seqs) | ({head["seq"]} if head else set())
        rows = []
        for seq in sorted(wanted):
            entry = outbox.entry(seq)
            if entry is None:
                continue
            due = entry["due_at"]
            updated = entry["updated_at"]
            rows.append(
                DeliveryRow(
                    id=delivery_id(outbox.id, seq),
                    outbox_id=outbox.id,
                    resource_id=outbox.resource_id,
                    kind=outbox.kind,
                    party=outbox.party,
                    seq=seq,
                    version=entry["version"],
                    change=entry["change"],
                    line_id=entry["line_id"],
                    status=entry["status"],
                    attempts=entry["attempts"],
                    remote_id=outbox.remote_id,
                    last_error=(entry["last_error"] or None) and entry["last_error"][:500],
                    due_at=due.timestamp() if due else None,
                    updated_at=updated.timestamp() if updated else None,
                    head=head is not None and head["seq"] == seq,
                )
            )
        return rows

    # --------------------------------------------------------------- follow
    def follow(self) -> int:
        """Turn the planning log's next page of changes into outbox entries; returns how many were read.

        A sender recording an outcome on an outbox of the page meanwhile makes
        the save conflict; the page is then read and decided again.
        """
        for _ in range(30):
            try:
                return self._follow_page()
            except IntegrityError:
                time.sleep(random.uniform(0, 0.01))
        return self._follow_page()

    def _follow_page(self) -> int:
        start = self.recorder.max_tracking_id(self.planning.name) or 0
        notifications = self.planning.recorder.select_notifications(start, PAGE, inclusive_of_start=False)
        if not notifications:
            return 0
        processing = ProcessingEvent[UUID](Tracking(self.planning.name, notifications[-1].id))
        outboxes: dict[UUID, Outbox] = {}
        for notification in notifications:
            if not notification.topic.startswith(RESOURCE_TOPICS):  # filtered before decoding
                continue
            event = self.planning.mapper.to_domain_event(notification)
            self._owe(event, outboxes)  # type: ignore[arg-type]
        processing.collect_events(*outboxes.values())
        self._record(processing)
        self._take_snapshots(processing)
        if processing.events:
            self._wake.set()
        return len(notifications)

    def _owe(self, event: PlanningResource.Event, outboxes: dict[UUID, Outbox]) -> None:
        """The outbox entries one resource change leads to."""
        resource = self._resource_at(event.originator_id, event.originator_version)
        change, line_kind, line_id = outbound_change(event)
        named = set(parties_named(resource.message, self.targets))
        if change is Change.REPLACE and event.originator_version > 1:
            before = self._resource_at(event.originator_id, event.originator_version - 1)
            named |= set(parties_named(before.message, self.targets))
        excluded = {getattr(event, "party", None), resource.origin}
        for party in sorted(named, key=lambda p: p.name):
            if party.name in excluded:
                continue
            outbox = outboxes.get(_outbox_key(resource.id, party.name)) or self._outbox(resource, party.name)
            outboxes[outbox.id] = outbox
            if not outbox.created_remotely:
                if change is Change.CANCEL:
                    continue  # never told of it: nothing to cancel there
                change_here, kind_here, id_here = Change.CREATE, None, None  # the first news is the whole resource
            else:
                change_here, kind_here, id_here = change, line_kind, line_id
            outbox.queue(
                change_here, event.originator_version, actor=getattr(event, "actor", None),
                line_kind=kind_here, line_id=id_here,
            )  # fmt: skip

    def _outbox(self, resource: PlanningResource, party: str) -> Outbox:
        try:
            return self.repository.get(_outbox_key(resource.id, party))
        except Exception:  # noqa: BLE001 - AggregateNotFound: the first change owed to this party
            return Outbox(resource_id=resource.id, kind=resource.kind.value, party=party)

    def _resource_at(self, resource_id: UUID, version: int) -> PlanningResource:
        row = self.planning.recorder.select_current(resource_id)
        if row is not None and row.originator_version == version:
            return self.planning.resource_from_row(row)
        return self.planning.repository.get(resource_id, version=version)

    # ----------------------------------------------------------------- send
    def deliver_due(self, transport: Transport, *, limit: int = 100, wait: bool = True) -> int:
        """Send the head of every outbox that is due and not already being sent; returns how many.

        Each outbox is sent on its own, by a pool of sender threads: a slow or
        silent counterparty holds only the threads sending to it, and those
        heads come back only after their backoff. With ``wait=False`` this
        returns at once (the background worker); a finished send wakes it.
        """
        with self._in_flight_lock:
            due = [o for o in self.recorder.select_due(time.time(), limit) if o not in self._in_flight]
            self._in_flight.update(due)
        try:
            futures = [self._senders.submit(self._send_and_release, outbox, transport) for outbox in due]
        except RuntimeError:  # the process is exiting: its thread pools take no more work
            with self._in_flight_lock:
                self._in_flight.difference_update(due)
            raise ProcessExiting from None
        if wait:
            for future in futures:
                future.result()
        return len(due)

    def _send_and_release(self, outbox_id: UUID, transport: Transport) -> None:
        try:
            self._deliver_head(outbox_id, transport)
        except Exception:  # noqa: BLE001 - recorded nowhere else: log, and the head stays due
            log.exception("delivery of outbox %s failed", outbox_id)
        finally:
            with self._in_flight_lock:
                self._in_flight.discard(outbox_id)
            self._wake.set()

    def _deliver_head(self, outbox_id: UUID, transport: Transport) -> int:
        outbox: Outbox = self.repository.get(outbox_id)
        now = datetime.now(UTC)
        entry = outbox.due(now)
        if entry is None:
            return 0
        try:
            change = self._outbound(outbox, entry)
        except SetuError as error:
            outcome = Outcome.refused(f"cannot build the change: {error}")
        else:
            try:
                outcome = transport.send(change)
            except Exception as error:  # noqa: BLE001 - a transport bug must not stop delivery of others
                log.exception("delivery %s to %s failed unexpectedly", entry["seq"], outbox.party)
                outcome = Outcome.retry(f"unexpected error: {type(error).__name__}: {error}")
        self._record_outcome(outbox_id, entry["seq"], outcome)
        return 1

    def _outbound(self, outbox: Outbox, entry: Mapping[str, Any]) -> OutboundChange:
        resource = self._resource_at(outbox.resource_id, entry["version"])
        line_kind = line = None
        if entry["change"] in (Change.ADD_LINE, Change.REPLACE_LINE):
            kind, _, line = resource.find_line(entry["line_id"])
            line_kind = kind
        elif entry["line_kind"]:
            line_kind = LineKind(entry["line_kind"])
        return OutboundChange(
            party=outbox.party,
            kind=outbox.kind,
            change=Change(entry["change"]),
            remote_id=outbox.remote_id,
            message=resource.message,
            line_kind=line_kind,
            line_id=entry["line_id"],
            line=line,
            actor=entry["actor"],
        )

    def _record_outcome(self, outbox_id: UUID, seq: int, outcome: Outcome) -> None:
        """Save what came of an attempt; the follower may have queued meanwhile, so reload on conflict."""
        for _ in range(30):
            outbox: Outbox = self.repository.get(outbox_id)
            now = datetime.now(UTC)
            before = next((dict(e) for e in outbox.entries if e["seq"] == seq), {})
            retry_at = None
            try:
                if outcome.delivered:
                    outbox.record_delivered(seq, remote_id=outcome.remote_id, status=outcome.status, at=now)
                elif outcome.retryable:
                    attempts = outbox.head["attempts"] + 1 if outbox.head else 1
                    retry_at = now + timedelta(seconds=self.backoff.delay(attempts, outcome.retry_after))
                    outbox.record_attempt_failed(seq, error=outcome.error or "", retry_at=retry_at, at=now)
                else:
                    outbox.record_refused(seq, status=outcome.status, error=outcome.error or "", at=now)
            except NotTheHead:
                return  # an operator skipped it meanwhile
            try:
                self.save(outbox)
                self._report_outcome(outbox, seq, outcome, before, retry_at)
                return
            except IntegrityError:
                time.sleep(random.uniform(0, 0.01))
        raise RuntimeError(f"could not record the outcome of delivery {seq} of outbox {outbox_id}")

    def _report_outcome(
        self, outbox: Outbox, seq: int, outcome: Outcome, entry: Mapping[str, Any], retry_at: datetime | None
    ) -> None:
        """One ``delivery.outcome`` line per attempt (names and statuses only), and the listeners."""
        name = "delivered" if outcome.delivered else "retrying" if outcome.retryable else "failed"
        fields = {
            "party": outbox.party, "delivery": str(delivery_id(outbox.id, seq)), "kind": outbox.kind,
            "change": entry.get("change"), "outcome": name, "status": outcome.status,
            "attempt": int(entry.get("attempts") or 0) + 1,
            "next_attempt": retry_at.isoformat() if retry_at is not None else None,
            "error": outcome.error,
        }  # fmt: skip
        level = logging.INFO if outcome.delivered else logging.WARNING
        extra = {"setu_event": "delivery.outcome", "setu_fields": {k: v for k, v in fields.items() if v is not None}}
        log.log(level, "delivery.outcome", extra=extra)
        for listener in self.outcome_listeners:
            try:
                listener(outbox.party, name)
            except Exception:  # noqa: BLE001 - a listener must not undo a recorded outcome
                log.exception("delivery outcome listener failed")

    # ------------------------------------------------------- run & operate
    def run_once(self, transport: Transport, *, wait: bool = True) -> int:
        """Follow the log to its end, then send everything due; returns the work started."""
        work = 0
        while read := self.follow():
            work += read
        return work + self.deliver_due(transport, wait=wait)

    def close(self) -> None:
        # Also called by the garbage collector, possibly on a sender thread, which cannot wait for itself.
        on_sender = threading.current_thread().name.startswith("setu-deliver")
        self._senders.shutdown(wait=not on_sender)
        super().close()

    def wake(self) -> None:
        """Something changed locally: look now rather than at the next poll."""
        self._wake.set()

    def wait(self, seconds: float) -> None:
        self._wake.wait(seconds)
        self._wake.clear()

    def deliveries(
        self, *, resource_id: UUID | None = None, party: str | None = None, failed: bool = False, limit: int = 1000
    ) -> list[DeliveryRow]:
        """Deliveries, optionally of one resource, to one party, or only the failed ones."""
        return self.recorder.select_deliveries(
            resource_id=resource_id, party=party, status=Status.FAILED.value if failed else None, limit=limit
        )

    def delivery(self, delivery_id_: UUID | str) -> DeliveryRow:
        row = self.recorder.select_delivery(_as_uuid(delivery_id_))
        if row is None:
            raise DeliveryNotFound(f"no delivery with id {delivery_id_}")
        return row

    def retry(self, delivery_id_: UUID | str, *, by: str | None = None) -> DeliveryRow:
        """An operator sends a failed delivery again now; the changes behind it follow."""
        return self._operate(delivery_id_, lambda outbox, seq: outbox.retry(seq, by=by))

    def skip(self, delivery_id_: UUID | str, *, by: str | None = None) -> DeliveryRow:
        """An operator gives up on a delivery; the changes behind it get their turn."""
        return self._operate(delivery_id_, lambda outbox, seq: outbox.skip(seq, by=by))

    def _operate(self, delivery_id_: UUID | str, command: Any) -> DeliveryRow:
        row = self.delivery(delivery_id_)
        if row.status in {s.value for s in FINISHED}:
            raise DeliveryNotOpen(f"delivery {row.id} is already {row.status}")
        outbox: Outbox = self.repository.get(row.outbox_id)
        try:
            command(outbox, row.seq)
        except NotTheHead as error:
            raise DeliveryNotOpen(
                f"delivery {row.id} ({row.change} of {row.kind} {row.resource_id} to {row.party}): {error}"
            ) from None
        self.save(outbox)
        self.wake()
        return self.delivery(row.id)


class DeliveryNotFound(SetuError):
    code = "SETU-NOT-FOUND"


class DeliveryNotOpen(SetuError):
    """Only the next delivery of an outbox can be retried or skipped, and not once it is done."""

    code = "SETU-DELIVERY-NOT-OPEN"


def _as_uuid(value: UUID | str) -> UUID:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(value)
    except ValueError:
        raise DeliveryNotFound(f"no delivery with id {value!r}") from None


def _outbox_key(resource_id: UUID, party: str) -> UUID:
    return Outbox.create_id(resource_id, "", party)
