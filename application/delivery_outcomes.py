"""Recording what came of deliveries: the outcomes of concurrent senders share one transaction.

Each write transaction pays a fixed price (SQLite's writer lock and WAL sync,
PostgreSQL's commit flush); paying it once per delivery was most of the
sender's own work. An outcome is queued; the first sender to find no write
under way writes every queued outcome in one save, and goes on writing what
queued meanwhile until nothing is left. A background sender does not wait
for its outcome's commit: it is told when it is stored (its outbox stays
under way until then, so the outbox's next change still waits), and sends
its next head meanwhile. The outbox a sender loaded to send its head is the
one the outcome is applied to: no second read when nothing changed meanwhile.

When the follower queued a change on one of those outboxes meanwhile, the
save conflicts as a whole; then each outcome is recorded alone, on its outbox
read again, so no outcome is lost and none is recorded twice. Order per
resource and party, and at-least-once delivery, are unchanged.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from setu_planning.domain.outbox import NotTheHead, Outbox, delivery_id

from .delivery_share import SendingShare
from .delivery_transport import MAX_DELAY, Backoff, Outcome


class Outboxes(Protocol):
    """Where outboxes are read and saved (the delivery application)."""

    def get(self, outbox_id: UUID) -> Outbox: ...

    def save(self, *outboxes: Outbox) -> object: ...


Stored = Callable[[BaseException | None], None]
"""Told once an outcome is stored (None), or could not be (its error)."""


@dataclass
class Settled:
    """One delivery's outcome waiting to be stored, then whether that failed."""

    outbox: Outbox
    seq: int
    outcome: Outcome
    stored: Stored
    error: BaseException | None = None
    before: Mapping[str, Any] | None = None  # the entry as it was before this outcome
    retry_at: datetime | None = None


Report = Callable[[Outbox, int, Outcome, Mapping[str, Any], "datetime | None"], None]
"""Told of each stored outcome (outbox, seq, outcome, the entry before it, the next attempt): logs, metrics."""


class OutcomeBook:
    """Stores outcomes of concurrent sends together; :meth:`record` returns once its own is stored."""

    def __init__(self, outboxes: Outboxes, backoff: Backoff, share: SendingShare, report: Report | None = None):
        self._outboxes = outboxes
        self._report = report
        self._backoff = backoff
        self._share = share
        self._lock = threading.Lock()
        self._queued: list[Settled] = []
        self._writing = False

    def record(self, outbox: Outbox, seq: int, outcome: Outcome) -> None:
        """Store the outcome of sending ``outbox``'s entry ``seq`` (with whatever else is queued); wait for it."""
        stored = threading.Event()
        errors: list[BaseException | None] = []

        def told(error: BaseException | None) -> None:
            errors.append(error)
            stored.set()

        self.queue(outbox, seq, outcome, told)
        stored.wait()
        if errors[0] is not None:
            raise errors[0]

    def queue(self, outbox: Outbox, seq: int, outcome: Outcome, stored: Stored) -> None:
        """Have the outcome stored; ``stored`` is told once it is, by whichever thread wrote it.

        The calling thread writes it, with everything queued, when no write is
        under way, and then what queued meanwhile; otherwise it returns at once.
        """
        with self._lock:
            self._queued.append(Settled(outbox, seq, outcome, stored))
            if self._writing:
                return
            self._writing = True
        while True:
            with self._lock:
                group, self._queued = self._queued, []
                if not group:
                    self._writing = False
                    return
            try:
                self._write(group)  # records each member's own error
            except BaseException as error:  # a bug, or the thread is exiting: no member may wait for ever
                for member in group:
                    member.error = member.error or error
                with self._lock:
                    self._writing = False
                _tell(group)
                raise
            _tell(group)

    def _write(self, group: list[Settled]) -> None:
        for fresh in (False, True):  # as sent; then, after a conflict, every outbox read again
            try:
                applied = []
                for member in group:
                    outbox = self._outboxes.get(member.outbox.id) if fresh else member.outbox
                    if self._apply(outbox, member):
                        applied.append((outbox, member))
                if applied:
                    self._outboxes.save(*(outbox for outbox, _ in applied))
                for outbox, member in applied:
                    self._reported(outbox, member)
                return
            except IntegrityError:
                continue  # the follower queued on one of them meanwhile
            except Exception:  # noqa: BLE001 - each alone, so only the failing one sees its error
                break
        for member in group:
            try:
                self._record_alone(member)
            except Exception as error:  # noqa: BLE001 - raised by that delivery's own sender
                member.error = error

    def _record_alone(self, member: Settled) -> None:
        for _ in range(30):
            outbox = self._outboxes.get(member.outbox.id)
            if not self._apply(outbox, member):
                return
            try:
                self._outboxes.save(outbox)
            except IntegrityError:
                time.sleep(random.uniform(0, 0.01))
                continue
            self._reported(outbox, member)
            return
        raise RuntimeError(f"could not record the outcome of delivery {member.seq} of outbox {member.outbox.id}")

    def _reported(self, outbox: Outbox, member: Settled) -> None:
        if self._report is not None:
            self._report(outbox, member.seq, member.outcome, member.before or {}, member.retry_at)

    def _apply(self, outbox: Outbox, member: Settled) -> bool:
        """The outcome as an event of ``outbox``; False when an operator skipped that entry meanwhile."""
        seq, outcome = member.seq, member.outcome
        now = datetime.now(UTC)
        member.before = next((dict(e) for e in outbox.entries if e["seq"] == seq), {})
        member.retry_at = None
        try:
            if outcome.delivered:
                outbox.record_delivered(
                    seq, remote_id=outcome.remote_id, status=outcome.status, at=now, warning=outcome.warning
                )
            elif outcome.retryable:
                attempts = outbox.head["attempts"] + 1 if outbox.head else 1
                wait = self._backoff.delay(attempts, outcome.retry_after)
                held_until = self._share.held_until(outbox.party, now.timestamp())
                if held_until is not None:
                    wait = max(wait, held_until - now.timestamp())
                retry_at = member.retry_at = now + timedelta(seconds=min(wait, MAX_DELAY))
                outbox.record_attempt_failed(seq, error=outcome.error or "", retry_at=retry_at, at=now)
            else:
                outbox.record_refused(seq, status=outcome.status, error=outcome.error or "", at=now)
        except NotTheHead:
            return False
        return True


log = logging.getLogger("setu_planning.delivery")


def _tell(group: list[Settled]) -> None:
    for member in group:
        try:
            member.stored(member.error)
        except Exception:  # noqa: BLE001 - one sender's bookkeeping must not stop the others'
            log.exception("delivery outcome bookkeeping failed")


def report_outcome(
    listeners: list[Callable[[str, str], None]],
    outbox: Outbox,
    seq: int,
    outcome: Outcome,
    entry: Mapping[str, Any],
    retry_at: datetime | None,
) -> None:
    """One ``delivery.outcome`` line per attempt (names and statuses only), and the listeners."""
    name = "delivered" if outcome.delivered else "retrying" if outcome.retryable else "failed"
    fields = {
        "party": outbox.party, "delivery": str(delivery_id(outbox.id, seq)), "kind": outbox.kind,
        "change": entry.get("change"), "outcome": name, "status": outcome.status,
        "attempt": int(entry.get("attempts") or 0) + 1,
        "next_attempt": retry_at.isoformat() if retry_at is not None else None,
        "error": outcome.error, "warning": outcome.warning,
    }  # fmt: skip
    level = logging.INFO if outcome.delivered and not outcome.warning else logging.WARNING
    extra = {"setu_event": "delivery.outcome", "setu_fields": {k: v for k, v in fields.items() if v is not None}}
    log.log(level, "delivery.outcome", extra=extra)
    for listener in listeners:
        try:
            listener(outbox.party, name)
        except Exception:  # noqa: BLE001 - a listener must not undo a recorded outcome
            log.exception("delivery outcome listener failed")
