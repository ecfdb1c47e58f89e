"""The outbox: what this system owes one counterparty about one resource, in order.

Every change to a resource that names a counterparty with an endpoint becomes
an entry in that pair's outbox: create (POST), replace (PUT), a line added,
replaced or removed, cancel (DELETE). Entries go out strictly in order: the
**head** (oldest unfinished entry) is the only one ever sent. A head that the
counterparty refused (a 4xx) blocks the entries behind it until an operator
retries or skips it; one that could not be sent (connection error, timeout,
5xx, 429) is retried later. Outboxes of other resources never wait for it.

The remote id the counterparty assigned on the first POST (its ``Location``)
is kept here, because every later PUT, line change and DELETE goes to it.
Each step is an event, so the outbox is also the audit of what was sent.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from .aggregates import Cancelled, LineAdded, LineRemoved, LineReplaced, PlanningResource, Replaced, Submitted

_NAMESPACE = uuid5(NAMESPACE_URL, "https://setu-planning.invalid/outbox")


class Change(StrEnum):
    """What an entry asks the counterparty to do."""

    CREATE = "create"
    REPLACE = "replace"
    ADD_LINE = "add-line"
    REPLACE_LINE = "replace-line"
    REMOVE_LINE = "remove-line"
    CANCEL = "cancel"


class Status(StrEnum):
    PENDING = "pending"  # waiting for its turn or its next attempt
    DELIVERED = "delivered"
    FAILED = "failed"  # refused by the counterparty: waits for an operator
    SKIPPED = "skipped"  # an operator gave up on it


FINISHED = (Status.DELIVERED, Status.SKIPPED)


class NotTheHead(Exception):
    """Only the head of an outbox may be sent, retried or skipped."""


def outbox_id(resource_id: UUID, party: str) -> UUID:
    return uuid5(_NAMESPACE, f"{resource_id}:{party}")


@lru_cache(maxsize=4096)
def delivery_id(outbox: UUID, seq: int) -> UUID:
    """The id of one entry (a delivery), as listed and as operators name it.

    Kept a while: a delivery's id is named in its row when it is queued, again
    when its outcome is recorded and in that outcome's log line; each a hash.
    """
    return uuid5(outbox, str(seq))


class Outbox(Aggregate):
    """The ordered changes of one resource owed to one counterparty."""

    @staticmethod
    def create_id(resource_id: UUID, kind: str, party: str) -> UUID:
        return outbox_id(resource_id, party)

    @event("Opened")
    def __init__(self, resource_id: UUID, kind: str, party: str):
        self.resource_id = resource_id
        self.kind = kind
        self.party = party
        self.remote_id: str | None = None
        self.next_seq = 1
        self.created_remotely = False  # a create is queued or sent: later changes may follow it
        # Unfinished entries, oldest first. A list, not a dict by seq: the state
        # goes through JSON in snapshots, where object keys become strings.
        self.entries: list[dict[str, Any]] = []
        self.last_finished: dict[str, Any] | None = None

    def __deepcopy__(self, memo: dict[int, Any]) -> Outbox:
        """An independent copy, as the library's aggregate cache hands out on every read.

        Entries are flat dicts of immutable values (str, int, None, datetimes,
        UUIDs), so copying each dict is a deep copy; the generic one walked every
        value and was the largest part of reading an outbox from the cache.
        """
        copied = object.__new__(type(self))
        copied.__dict__.update(self.__dict__)
        copied._pending_events = list(self._pending_events)
        copied.entries = [dict(entry) for entry in self.entries]
        copied.last_finished = dict(self.last_finished) if self.last_finished is not None else None
        memo[id(self)] = copied
        return copied

    # -------------------------------------------------------------- queries
    @property
    def head(self) -> dict[str, Any] | None:
        """The oldest unfinished entry: the only one that may be sent."""
        return self.entries[0] if self.entries else None

    def entry(self, seq: int) -> dict[str, Any] | None:
        for entry in self.entries:
            if entry["seq"] == seq:
                return entry
        if self.last_finished is not None and self.last_finished["seq"] == seq:
            return self.last_finished
        return None

    def due(self, now: datetime) -> dict[str, Any] | None:
        """The head, if it is pending and its next attempt is due."""
        head = self.head
        if head is None or head["status"] != Status.PENDING:
            return None
        return head if head["due_at"] is None or head["due_at"] <= now else None

    # ------------------------------------------------------------- commands
    def queue(
        self,
        change: Change,
        version: int,
        *,
        actor: str | None = None,
        line_kind: str | None = None,
        line_id: str | None = None,
    ) -> None:
        """Owe the counterparty one more change (the resource at ``version``)."""
        if change is not Change.CREATE and not self.created_remotely:
            raise ValueError("the first change owed to a counterparty is the creation")
        self._queued(
            seq=self.next_seq, change=change.value, version=version, actor=actor, line_kind=line_kind, line_id=line_id
        )

    def record_delivered(
        self, seq: int, *, remote_id: str | None, status: int | None, at: datetime, warning: str | None = None
    ) -> None:
        """Sent and accepted; ``warning`` says what the counterparty's rendering could not carry, if anything."""
        self._check_head(seq)
        self._delivered(seq=seq, remote_id=remote_id or self.remote_id, http_status=status, at=at, warning=warning)

    def record_attempt_failed(self, seq: int, *, error: str, retry_at: datetime, at: datetime) -> None:
        self._check_head(seq)
        self._attempt_failed(seq=seq, error=error, retry_at=retry_at, at=at)

    def record_refused(self, seq: int, *, status: int | None, error: str, at: datetime) -> None:
        """The counterparty refused it for good (a 4xx): later changes wait for an operator."""
        self._check_head(seq)
        self._refused(seq=seq, http_status=status, error=error, at=at)

    def retry(self, seq: int, *, by: str | None = None) -> None:
        """An operator sends a failed head again, now."""
        self._check_head(seq, Status.FAILED)
        self._retry_requested(seq=seq, by=by)

    def skip(self, seq: int, *, by: str | None = None) -> None:
        """An operator gives up on the head (failed or pending); the next change gets its turn."""
        self._check_head(seq)
        self._skipped(seq=seq, by=by)

    def _check_head(self, seq: int, status: Status | None = None) -> None:
        head = self.head
        if head is None or head["seq"] != seq:
            raise NotTheHead(f"delivery {seq} of {self.party} is not the next one due for this resource")
        if status is not None and head["status"] != status:
            raise NotTheHead(f"delivery {seq} to {self.party} is {head['status']}, not {status}")

    # ------------------------------------------------------------- appliers
    # ``timestamp`` is the event's own (the library passes it to an applier that names it):
    # when a change was queued and an attempt recorded, in events stored before these
    # fields were read too.
    @event("ChangeQueued")
    def _queued(
        self,
        seq: int,
        change: str,
        version: int,
        actor: str | None,
        line_kind: str | None,
        line_id: str | None,
        timestamp: datetime | None = None,
    ) -> None:
        self.entries.append(
            {
                "seq": seq,
                "change": change,
                "version": version,
                "actor": actor,
                "line_kind": line_kind,
                "line_id": line_id,
                "status": Status.PENDING.value,
                "attempts": 0,
                "last_error": None,
                "due_at": None,
                "updated_at": None,
                "queued_at": timestamp,
                "last_attempt_at": None,
                "warning": None,
            }
        )
        self.next_seq = seq + 1
        self.created_remotely = True

    @event("Delivered")
    def _delivered(
        self,
        seq: int,
        remote_id: str | None,
        http_status: int | None,
        at: datetime,
        warning: str | None = None,
        timestamp: datetime | None = None,
    ) -> None:
        self.remote_id = remote_id
        self._unfinished(seq).update(last_attempt_at=timestamp, warning=warning)
        self._finish(seq, Status.DELIVERED, at, attempts=1)

    @event("AttemptFailed")
    def _attempt_failed(
        self, seq: int, error: str, retry_at: datetime, at: datetime, timestamp: datetime | None = None
    ) -> None:
        entry = self._unfinished(seq)
        entry.update(
            attempts=entry["attempts"] + 1, last_error=error, due_at=retry_at, updated_at=at, last_attempt_at=timestamp
        )

    @event("Refused")
    def _refused(
        self, seq: int, http_status: int | None, error: str, at: datetime, timestamp: datetime | None = None
    ) -> None:
        entry = self._unfinished(seq)
        entry.update(
            status=Status.FAILED.value, attempts=entry["attempts"] + 1, last_error=error, due_at=None, updated_at=at,
            last_attempt_at=timestamp,
        )  # fmt: skip

    @event("RetryRequested")
    def _retry_requested(self, seq: int, by: str | None) -> None:
        self._unfinished(seq).update(status=Status.PENDING.value, due_at=None)

    @event("Skipped")
    def _skipped(self, seq: int, by: str | None) -> None:
        self._finish(seq, Status.SKIPPED, None, attempts=0)

    def _unfinished(self, seq: int) -> dict[str, Any]:
        return next(entry for entry in self.entries if entry["seq"] == seq)

    def _finish(self, seq: int, status: Status, at: datetime | None, *, attempts: int) -> None:
        entry = self._unfinished(seq)
        self.entries.remove(entry)
        entry.update(status=status.value, attempts=entry["attempts"] + attempts, due_at=None)
        if at is not None:
            entry["updated_at"] = at
        self.last_finished = entry


_ChangeOf = Callable[[Any], tuple[Change, str | None, str | None]]

OUTBOUND_CHANGES: dict[type, _ChangeOf] = {  # by the event classes the aggregate's @event makes
    Submitted: lambda e: (Change.CREATE, None, None),
    Replaced: lambda e: (Change.REPLACE, None, None),
    LineAdded: lambda e: (Change.ADD_LINE, e.line_kind, e.line["lineId"]["value"]),
    LineReplaced: lambda e: (Change.REPLACE_LINE, None, e.line_id),
    LineRemoved: lambda e: (Change.REMOVE_LINE, None, e.line_id),
    Cancelled: lambda e: (Change.CANCEL, None, None),
}
"""The outbound change (and line kind and id) each event class of a resource leads to."""


def outbound_change(event: PlanningResource.Event) -> tuple[Change, str | None, str | None]:
    """The change to tell the counterparties of, by the class of the resource's event."""
    for event_class, change_of in OUTBOUND_CHANGES.items():
        if isinstance(event, event_class):
            return change_of(event)
    raise ValueError(f"no outbound change for {type(event).__name__}")
