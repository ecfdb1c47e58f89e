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

import copy
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.application import ProcessingEvent
from eventsourcing.persistence import EventStore, IntegrityError, Tracking
from eventsourcing.projection import EventSourcedProjection
from eventsourcing.utils import resolve_topic

from setu_planning.domain.aggregates import PlanningResource
from setu_planning.domain.errors import SetuError
from setu_planning.domain.messages import LineKind, MessageKind
from setu_planning.domain.outbox import FINISHED, Change, NotTheHead, Outbox, Status, outbound_change
from setu_planning.domain.parties import Party, parties_named
from setu_planning.domain.visibility import owed_change, sight

from .app import PlanningApplication
from .delivery_due import DueHeads
from .delivery_outcomes import OutcomeBook, report_outcome
from .delivery_rows import delivery_rows
from .delivery_share import SendingShare, held_back_note
from .delivery_transport import Backoff, OutboundChange, Outcome, ProcessExiting, Transport
from .delivery_worker import DeliveryLock, DeliveryWorker
from .readmodels import RESOURCE_TOPICS
from .stores.contract import DeliveryRecorder, DeliveryRow, DueHead, PlanningStore, store_of

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

SENDERS = 32
"""Outboxes sent at once, each on its own: a slow counterparty holds only the threads sending to it.

Twice a party's default concurrency: one party sending at its share leaves
as much again for the others, and for outcomes still being recorded.
"""

FOLLOW_EVERY = 0.1
"""Seconds between looks at the planning log while sending (sooner while a backlog is being read).

Every finished send wakes the sender loop; reading the log on each of those
wakes cost two queries per delivery and slowed refilling the senders.
"""

YIELD_EVERY = 5
"""Notifications of a page read between two moments the follower lets the senders have the interpreter.

Reading a page of the log is long work for one thread; without these moments
an answer waited up to the interpreter's switch interval (5 ms) each time a
sender needed it, and a backlog's first seconds delivered a fifth as fast.
"""

OUTBOX_CACHE = 5000
"""Outboxes kept in memory as last saved here: a head the deliveries table agrees on is sent without a read."""


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
        concurrency: Mapping[str, int] | None = None,
    ):
        """Outboxes for ``planning``'s store; ``targets`` are the parties with an endpoint.

        ``concurrency`` caps the deliveries under way at once per party
        (default :data:`PARTY_CONCURRENCY`).
        """
        self.planning = planning
        self.targets = list(targets)
        self.backoff = backoff or Backoff()
        self.share = SendingShare(self.backoff, concurrency)
        env = {k: v for k, v in planning.env.items() if not k.startswith("APPLICATION_RECORDER")}
        # The library's aggregate cache, fast-forwarded on every read: what another process
        # (an operator's retry or skip, a node that delivered meanwhile) saved is read on top.
        env.setdefault(self.AGGREGATE_CACHE_MAXSIZE, str(OUTBOX_CACHE))
        env[self.AGGREGATE_CACHE_FASTFORWARD] = "y"
        super().__init__(env)
        self.recorder: DeliveryRecorder
        self._wake = threading.Event()
        self._picking = threading.Lock()
        self._closing = False  # set by close(): sender threads stop taking heads
        self._followed_at = -FOLLOW_EVERY  # monotonic time of the last look at the log by run_once(wait=False)
        self._backlog = False  # the last look read a whole page: look again at once
        self._senders = ThreadPoolExecutor(SENDERS, thread_name_prefix="setu-deliver")
        self.outcome_listeners: list[Callable[[str, str], None]] = []
        """Called with (party, outcome name) after each recorded attempt: metrics, run summaries."""
        self._outcomes = OutcomeBook(self, self.backoff, self.share, report=self._report_outcome)
        self._due = DueHeads(self.recorder, self.share, (party.name for party in self.targets), keep=SENDERS)

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

    def save(self, *outboxes: Any, **kwargs: Any) -> Any:
        """As the library's ``save``, collecting outboxes without its per-object protocol checks."""
        processing = OutboxEvents()
        processing.collect_events(*outboxes, **kwargs)
        recordings = self._record(processing)
        self._take_snapshots(processing)
        self._notify(recordings)
        return recordings

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
                rows.extend(delivery_rows(outbox, touched.get(outbox.id, set())))
        recorded = super()._record(processing_event)
        if self.repository.cache:  # as saved, for the next read (the library caches on save only without fast-forward)
            for outbox_id, outbox in processing_event.aggregates.items():
                self.repository.cache.put(outbox_id, outbox)
        return recorded

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
        processing = OutboxEvents(Tracking(self.planning.name, notifications[-1].id))
        outboxes: dict[UUID, Outbox] = {}
        for number, notification in enumerate(notifications, 1):
            if number % YIELD_EVERY == 0:
                time.sleep(0)  # the senders' turn: their answers wait for the interpreter while a page is read
            if not notification.topic.startswith(RESOURCE_TOPICS):  # filtered before decoding
                continue
            # As stored: owing a change reads its parties and lines, never a worker's sealed data.
            self._owe(self.planning.mapper.to_sealed_event(notification), outboxes)
        processing.collect_events(*outboxes.values())
        self._record(processing)
        self._take_snapshots(processing)
        if processing.events:
            self._wake.set()
        return len(notifications)

    def _owe(self, event: PlanningResource.Event, outboxes: dict[UUID, Outbox]) -> None:
        """The outbox entries one resource change leads to, by what that version is to each party.

        The rule is the one reads follow (:func:`~setu_planning.domain.visibility.sight`):
        a party the change names anew is sent the resource as it now is; a party
        it removes, the cancellation of its copy, never the new content; what was
        queued for a party while it was named is delivered first, in order.
        """
        first = event.originator_version == 1
        resource: PlanningResource | _Created = (
            _Created.of(event) if first else self._resource_at(event.originator_id, event.originator_version)
        )
        change, line_kind, line_id = outbound_change(event)
        before: Mapping[str, Any] | None = None if event.originator_version == 1 else resource.message
        if change is Change.REPLACE and event.originator_version > 1:  # only a replacement changes the parties
            before = self._resource_at(event.originator_id, event.originator_version - 1).message
        named = set(parties_named(resource.message, self.targets))
        if before is not None:
            named |= set(parties_named(before, self.targets))
        excluded = {getattr(event, "party", None), resource.origin}
        for party in sorted(named, key=lambda p: p.name):
            if party.name in excluded:
                continue
            outbox = (None if first else outboxes.get(_outbox_key(resource.id, party.name))) or self._outbox(
                resource, party.name, first
            )
            owed = owed_change(sight(party, resource.message, before), change, created_there=outbox.created_remotely)
            if owed is None:
                continue
            outboxes[outbox.id] = outbox
            details = (line_kind, line_id) if owed is change else (None, None)
            outbox.queue(
                owed, event.originator_version, actor=getattr(event, "actor", None),
                line_kind=details[0], line_id=details[1],
            )  # fmt: skip

    def _outbox(self, resource: PlanningResource | _Created, party: str, first: bool) -> Outbox:
        """The outbox of ``resource`` to ``party``; a resource's first version has none yet (no read)."""
        if first:  # outboxes are made only here, in the transaction that tracks their resource's events
            return Outbox(resource_id=resource.id, kind=resource.kind.value, party=party)
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
        silent counterparty holds only the threads sending to it, and never
        more than its share (its concurrency); a party that keeps failing is
        held back as a whole, one probe at a time. With ``wait=False`` this
        returns at once (the background worker); a finished send wakes it.
        """
        with self._picking:  # senders refilling their places and the loop: one picks at a time
            room = min(limit, SENDERS - self.share.under_way())
            if room <= 0:
                return 0
            due = self._due.pick(room, time.time())
        try:
            futures = [self._senders.submit(self._send_and_release, head, transport, not wait) for head in due]
        except RuntimeError:  # the process is exiting: its thread pools take no more work
            for head in due:
                self.share.release(head.outbox_id, head.party)
            raise ProcessExiting from None
        if wait:  # what was sent: a head the table named but its outbox no longer has due is no work done
            return sum(future.result() for future in futures)
        return len(due)

    def get(self, outbox_id: UUID) -> Outbox:
        """An outbox as stored now."""
        outbox: Outbox = self.repository.get(outbox_id)
        return outbox

    def held_back(self) -> dict[str, str]:
        """The parties held back now, and why (for operators).

        This process's senders know it first hand; any other process (the
        ``deliveries`` command beside ``serve``) reads it from the deliveries
        table: a pending head whose last error carries the held-back note and
        whose next attempt is still to come.
        """
        now = time.time()
        found: dict[str, str] = {}
        for row in self.recorder.select_deliveries(status="pending", limit=100_000):
            note = held_back_note(row.last_error)
            if row.head and note and (row.due_at or 0) > now:
                found.setdefault(row.party, f"{note}; last: {(row.last_error or '').split(' [party ')[0][:200]}")
        found.update(self.share.held_back(now))
        return found

    def _send_and_release(self, head: DueHead, transport: Transport, lane: bool = False) -> int:
        """Send ``head``: 1 when it was sent (or its sending failed), 0 when it was not due after all.

        In the background (``lane``) the thread then goes on with the next due
        head it can take, and the outcome is stored by whichever sender writes
        next: handing each delivery to a fresh thread, and waiting for each
        outcome's commit before sending again, cost thread hand-overs that were
        a large part of the sender's own work.
        """
        done = 0
        next_head: DueHead | None = head
        while next_head is not None:
            done += self._send_one(next_head, transport, lane)
            next_head = self._next_head() if lane and not self._closing else None
        return done

    def _send_one(self, head: DueHead, transport: Transport, lane: bool) -> int:
        try:
            attempted = self._attempt(head.outbox_id, transport, head.seq)
        except Exception as error:  # noqa: BLE001 - even reading the outbox failed: hold it back a while
            self._settled(head, transport, lane, error)
            return 1
        if attempted is None:
            self._settled(head, transport, lane)
            return 0
        outbox, seq, outcome = attempted
        if lane:
            self._outcomes.queue(outbox, seq, outcome, lambda error: self._settled(head, transport, lane, error))
            return 1
        try:
            self._outcomes.record(outbox, seq, outcome)
        except Exception as error:  # noqa: BLE001 - recording failed: hold this outbox back a while
            self._settled(head, transport, lane, error)
        else:
            self._settled(head, transport, lane)
        return 1

    def _next_head(self) -> DueHead | None:
        """The next due head for a sender thread that has just sent one, if the pool and a party have room."""
        try:
            with self._picking:
                if SENDERS - self.share.under_way() <= 0:
                    return None
                due = self._due.pick(1, time.time())
        except Exception:  # noqa: BLE001 - the loop picks again on its next look
            self._wake.set()
            return None
        return due[0] if due else None

    def _settled(self, head: DueHead, transport: Transport, lane: bool, error: BaseException | None = None) -> None:
        """The head's outcome is stored, or could not be (then the outbox is left alone a while)."""
        if error is not None:
            self.share.cool(head.outbox_id, head.party, error)
        self.share.release(head.outbox_id, head.party)
        self._freed(transport, lane)

    def _freed(self, transport: Transport, lane: bool) -> None:
        """An outbox and a place in the pool are free again: fill it from this thread.

        Waking the sender loop to do it cost two thread hand-overs per delivery,
        and while the loop was reading a page of the log no place was filled at
        all. The loop is still woken when the log is due for a look.
        """
        if lane and not self._closing:
            try:
                self.deliver_due(transport, wait=False)
            except Exception:  # noqa: BLE001 - the loop picks again on its next look
                self._wake.set()
                return
        if not lane or time.monotonic() - self._followed_at >= FOLLOW_EVERY:
            self._nudge()

    def _as_saved_here(self, outbox_id: UUID, seq: int | None) -> Outbox | None:
        """The outbox as this process last saved it, if that agrees with the deliveries table on the due head.

        The table is written in the transaction of every outbox event, by any
        process, so it is what is due now. When the copy kept here has that same
        entry as its head, it is used without reading newer events; should
        another process have added any meanwhile, recording the outcome
        conflicts and is done again on the outbox read afresh.
        """
        cache = self.repository.cache
        if not cache or seq is None:
            return None
        try:
            kept = cache.get(outbox_id)
        except KeyError:
            return None
        if not isinstance(kept, Outbox):
            return None
        head = kept.head
        if head is None or head["seq"] != seq or kept.due(datetime.now(UTC)) is None:
            return None  # another head, or this one retried or tried meanwhile: read it as stored
        return copy.deepcopy(kept)

    def _attempt(
        self, outbox_id: UUID, transport: Transport, seq: int | None = None
    ) -> tuple[Outbox, int, Outcome] | None:
        """Send the outbox's due head; its outcome, to be recorded (None when it was not due after all)."""
        outbox: Outbox = self._as_saved_here(outbox_id, seq) or self.repository.get(outbox_id)
        now = datetime.now(UTC)
        entry = outbox.due(now)
        if entry is None:
            return None
        try:
            change = self._outbound(outbox, entry)
        except SetuError as error:
            outcome = Outcome.refused(f"cannot build the change: {error}")
        except Exception as error:  # noqa: BLE001 - recorded as a failed attempt, retried with backoff
            outcome = Outcome.retry(f"cannot build the change: {type(error).__name__}: {error}")
        else:
            try:
                outcome = transport.send(change)
            except Exception as error:  # noqa: BLE001 - a transport bug must not stop delivery of others
                self.share.log_once(outbox.party, f"delivery to {outbox.party} failed unexpectedly: "
                               f"{type(error).__name__}: {error}", exc_info=True)  # fmt: skip
                outcome = Outcome.retry(f"unexpected error: {type(error).__name__}: {error}")
        outcome = self.share.through_circuit(outbox.party, outcome)
        self.share.answered(outbox_id, outbox.party)  # the party's next request need not wait for this commit
        return outbox, entry["seq"], outcome

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

    def _report_outcome(
        self, outbox: Outbox, seq: int, outcome: Outcome, entry: Mapping[str, Any], retry_at: datetime | None
    ) -> None:
        report_outcome(self.outcome_listeners, outbox, seq, outcome, entry, retry_at)

    # ------------------------------------------------------- run & operate
    def run_once(self, transport: Transport, *, wait: bool = True) -> int:
        """Follow the log to its end, then send everything due; returns the work started.

        With ``wait=False`` (the background worker, which calls again while
        there is work, and on every finished send) it follows one page, then
        sends what is due: a long backlog in the log is sent while it is still
        being read, not after. It looks at the log at most every
        :data:`FOLLOW_EVERY` seconds unless the last look found a whole page.
        """
        if not wait:
            read, now = 0, time.monotonic()
            if self._backlog or now - self._followed_at >= FOLLOW_EVERY:
                read = self.follow()
                self._followed_at, self._backlog = now, read >= PAGE
            return read + self.deliver_due(transport, wait=False)
        work = 0
        while read := self.follow():
            work += read
        return work + self.deliver_due(transport, wait=wait)

    def close(self) -> None:
        # Also called by the garbage collector, possibly on a sender thread, which cannot wait for itself.
        on_sender = threading.current_thread().name.startswith("setu-deliver")
        self._closing = True
        self._senders.shutdown(wait=not on_sender)
        super().close()

    def wake(self) -> None:
        """Something changed locally: look now rather than at the next poll."""
        self._wake.set()

    def _nudge(self) -> None:
        """Wake the sender loop, unless it is awake already (it reads the state after clearing the flag)."""
        if not self._wake.is_set():
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

    def _operate(self, delivery_id_: UUID | str, command: Callable[[Outbox, int], None]) -> DeliveryRow:
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


class OutboxEvents(ProcessingEvent[UUID]):
    """The events of one save; an outbox is collected without ``isinstance`` against runtime protocols.

    The library tells aggregates from events by checking each object against
    ``runtime_checkable`` protocols, which on Python 3.11 walks the protocol's
    members every time: a noticeable part of recording a delivery.
    """

    def collect_events(self, *objs: Any, **kwargs: Any) -> None:
        others = []
        for obj in objs:
            if type(obj) is Outbox:
                self.events.extend(obj.collect_events())
                self.aggregates[obj.id] = obj
            else:
                others.append(obj)
        super().collect_events(*others, **kwargs)


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


class _Created(NamedTuple):
    """What owing a resource's first version needs of it, read off its first event.

    Making the resource itself (as ``event.mutate`` does) also fingerprints
    its whole message, which nothing here uses: that was a tenth of following.
    The message is as stored: a worker's data in it is still sealed, and only
    the parties it names are read.
    """

    id: UUID
    kind: MessageKind
    message: dict[str, Any]
    origin: str | None

    @classmethod
    def of(cls, event: PlanningResource.Event) -> _Created:
        made: type[PlanningResource] = resolve_topic(event.originator_topic)  # type: ignore[attr-defined]
        return cls(event.originator_id, made.kind, event.message, event.party)  # type: ignore[attr-defined]


def _outbox_key(resource_id: UUID, party: str) -> UUID:
    return Outbox.create_id(resource_id, "", party)
