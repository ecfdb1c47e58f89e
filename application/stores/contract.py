"""What every store of setu-planning is: the recorder contracts and the store's own jobs.

A store is one backend (memory, SQLite, PostgreSQL), laid out as the
eventsourcing library lays out its persistence modules: this contract, then
one module per backend (:mod:`.memory`, :mod:`.sqlite`, :mod:`.postgres`),
each with its recorders and an infrastructure factory. The factory is the
store: it says which backend it is (:attr:`PlanningStore.backend`) and does
what differs between backends (the schema lock, the delivery recorder and
lock, rewriting encrypted values), so nothing above it asks what it is.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any, ClassVar, NamedTuple, Protocol
from uuid import UUID

from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    Notification,
    ProcessRecorder,
    StoredEvent,
)

from ..readmodels import ReadModelWrites
from .keys import KeyTable

_EARLIEST = datetime.min.replace(tzinfo=UTC)
_LATEST = datetime.max.replace(tzinfo=UTC)

DELIVERY_EVENTS_TABLE = "setudelivery_events"
DELIVERY_TRACKING_TABLE = "setudelivery_tracking"
DELIVERY_SNAPSHOTS_TABLE = "setudelivery_snapshots"
EVENT_KEYS = ("originator_id", "originator_version")
"""The primary key of a table of stored events."""


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC; moments beyond the calendar's ends (year 1 at +14:00) clamp to them."""
    if moment.tzinfo is None:
        raise ValueError("a moment must carry its UTC offset")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return _EARLIEST if moment.year == datetime.min.year else _LATEST


def positioned(writes: ReadModelWrites, ids: Sequence[int] | None) -> list[tuple[str, UUID, int]]:
    """Look-ups to add, with "this save" positions resolved to its last notification id."""
    last = max(ids) if ids else 0
    return [
        (key, resource_id, last if position is None else position)
        for key, resource_id, position in writes.lookups_added
    ]


@dataclass(frozen=True)
class EncryptedColumn:
    """A column of a table holding values encrypted by the cipher, and the key that orders its rows."""

    table: str
    keys: tuple[str, ...]
    column: str = "state"
    also: tuple[str, ...] = ()
    """Further columns a row transform is given (e.g. the topic, to decode the value)."""

    @classmethod
    def of_events(cls, table: str) -> EncryptedColumn:
        """The state column of a table of stored events (events, snapshots)."""
        return cls(table, EVENT_KEYS)


RowTransform = Callable[[tuple[Any, ...], bytes, tuple[Any, ...]], bytes | None]
"""(row key, stored value, further columns) -> the new value, or None to keep it."""


# ----------------------------------------------------------------- planning
class PlanningRecorder(ApplicationRecorder):
    """An application recorder that keeps the planning read models beside the events."""

    @abstractmethod
    def version_at(self, originator_id: UUID, moment: datetime) -> int:
        """The version of the last event at or before ``moment`` (0 when none).

        A resource's events are timestamped in the order they are made, so this
        is also the highest version at that moment.
        """

    @abstractmethod
    def select_current(self, resource_id: UUID) -> StoredEvent | None:
        """The current-state row of a resource (a snapshot at its latest version), if any."""

    @abstractmethod
    def select_current_version(self, resource_id: UUID) -> int | None:
        """The version of a resource's current-state row, without reading its state."""

    @abstractmethod
    def select_current_by_lookup(self, key: str) -> list[StoredEvent]:
        """The current-state rows of the resources filed under a look-up key, oldest first."""

    @abstractmethod
    def select_document(self, key: str) -> UUID | None:
        """The resource a document key points at, if any."""

    @abstractmethod
    def claim_meta(self, name: str, value: bytes) -> bytes:
        """Store ``value`` under ``name`` unless something is there already; return what is stored."""

    @abstractmethod
    def select_resource_ids(self, after: UUID | None, limit: int) -> list[UUID]:
        """Resource ids with a current-state row, in id order, after ``after`` (for paging)."""

    @abstractmethod
    def select_events_in_originator_order(self, after: tuple[UUID, int] | None, limit: int) -> list[Notification]:
        """Stored events ordered by (originator, version), after ``after``: one resource's events
        arrive together, so a rebuild holds one resource in memory at a time."""

    @abstractmethod
    def rebuild_read_models(self, writes: Iterator[ReadModelWrites]) -> None:
        """Empty the read models, then write them anew from ``writes`` (derived from the event log)."""

    @abstractmethod
    def encrypted_columns(self) -> list[EncryptedColumn]:
        """The columns holding encrypted values: events, current-state rows, the store's secrets."""

    def close(self) -> None:
        """Let go of what the recorder holds beyond the datastore (e.g. per-thread connections)."""


# ----------------------------------------------------------------- delivery
class DueHead(NamedTuple):
    """A head that is due to be sent: its outbox, whose share it takes, and which entry the table says is due."""

    outbox_id: UUID
    party: str
    seq: int | None = None


@dataclass(frozen=True)
class DeliveryRow:
    """One change owed to one counterparty, as listed and as the sender finds it."""

    id: UUID
    outbox_id: UUID
    resource_id: UUID
    kind: str
    party: str
    seq: int
    version: int
    change: str
    line_id: str | None
    status: str
    attempts: int
    remote_id: str | None
    last_error: str | None
    due_at: float | None  # epoch seconds of the next attempt (pending only)
    updated_at: float | None
    head: bool
    queued_at: float | None = None  # epoch seconds the change was queued
    last_attempt_at: float | None = None  # epoch seconds the last attempt's outcome was recorded
    warning: str | None = None
    """What the counterparty's rendering (SETU 1.0, XML) could not carry, naming elements only."""

    def values(self) -> tuple[Any, ...]:
        """The row's values in the order of :data:`DELIVERY_COLUMNS` (``astuple`` would deep-copy each)."""
        return tuple(getattr(self, name) for name in _ROW_FIELDS)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "resource": str(self.resource_id),
            "kind": self.kind,
            "party": self.party,
            "seq": self.seq,
            "version": self.version,
            "change": self.change,
            "lineId": self.line_id,
            "status": self.status,
            "attempts": self.attempts,
            "remoteId": self.remote_id,
            "lastError": None if self.status in ("delivered", "skipped") else self.last_error,  # none stale
            "next": self.head and self.status == "pending",
            "queued": rfc3339(self.queued_at),
            "lastAttempt": rfc3339(self.last_attempt_at),
            "nextAttempt": rfc3339(self.due_at) if self.status == "pending" else None,
            "warning": self.warning,
        }

    @classmethod
    def from_values(cls, values: Sequence[Any]) -> DeliveryRow:
        """A row as a database returns it, in the order of :data:`DELIVERY_COLUMNS`."""
        (
            id_,
            outbox,
            resource,
            kind,
            party,
            seq,
            version,
            change,
            line_id,
            status,
            attempts,
            remote,
            error,
            due,
            at,
            head,
            queued,
            attempted,
            warning,
        ) = values
        return cls(
            _uuid(id_), _uuid(outbox), _uuid(resource), kind, party, seq, version, change, line_id,
            status, attempts, remote, error, due, at, bool(head), queued, attempted, warning,
        )  # fmt: skip


DELIVERY_COLUMNS = (
    "id, outbox_id, resource_id, kind, party, seq, version, change, line_id, status, "
    "attempts, remote_id, last_error, due_at, updated_at, head, queued_at, last_attempt_at, warning"
)
DELIVERY_ADDED_COLUMNS = (("queued_at", "REAL", "double precision"), ("last_attempt_at", "REAL", "double precision"),
                          ("warning", "TEXT", "text"))  # fmt: skip
"""Columns a deliveries table made by an earlier version lacks: (name, SQLite type, PostgreSQL type), added on start."""


def rfc3339(epoch: float | None) -> str | None:
    """Epoch seconds as an RFC 3339 date-time in UTC, to the second (None stays None)."""
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_ROW_FIELDS = tuple(f.name for f in fields(DeliveryRow))


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(value)


def delivery_filters(resource_id: Any, party: str | None, status: str | None, mark: str) -> tuple[str, list[Any]]:
    """The WHERE clause (with ``mark`` for parameters) of a listing of deliveries."""
    clauses, params = ["1 = 1"], []
    for column, value in (("resource_id", resource_id), ("party", party), ("status", status)):
        if value is not None:
            clauses.append(f"{column} = {mark}")
            params.append(value)
    return " AND ".join(clauses), params


class DeliveryRecorder(ProcessRecorder):
    """A process recorder with the deliveries table."""

    def select_due(self, now: float, limit: int) -> list[UUID]:
        """Outboxes whose head is pending and due, the longest-waiting first."""
        return [row.outbox_id for row in self.select_due_heads(now, limit)]

    @abstractmethod
    def select_due_heads(self, now: float, limit: int, skip_parties: Sequence[str] = ()) -> list[DueHead]:
        """The heads that are pending and due, the longest-waiting first (the sender needs their party).

        Heads of ``skip_parties`` (those at their share of the senders) are left out,
        so one party's backlog never fills the page another party's due head is on.
        """

    @abstractmethod
    def select_deliveries(
        self, *, resource_id: UUID | None = None, party: str | None = None, status: str | None = None, limit: int = 1000
    ) -> list[DeliveryRow]:
        """Deliveries, by resource and order of changes."""

    @abstractmethod
    def select_delivery(self, delivery_id: UUID) -> DeliveryRow | None: ...

    @abstractmethod
    def encrypted_columns(self) -> list[EncryptedColumn]:
        """The columns holding encrypted values: the outbox events."""


# -------------------------------------------------------------------- store
class StoreLock(Protocol):
    """A lock the store gives, released by the operating system or the database when its holder dies."""

    def try_acquire(self) -> bool: ...

    def release(self) -> None: ...

    def still_held(self) -> bool: ...


class ProcessLock:
    """The lock of a store only one process can open (in memory): holding the thread lock is enough."""

    def try_acquire(self) -> bool:
        return True

    def release(self) -> None:
        pass

    def still_held(self) -> bool:
        return True


class PlanningStore(ABC):
    """What each backend's infrastructure factory does beyond the library's."""

    backend: ClassVar[str]
    """``"memory"``, ``"sqlite"`` or ``"postgresql"``: what the store is, said rather than guessed."""

    @abstractmethod
    def schema_lock(self) -> AbstractContextManager[None]:
        """Held while creating tables, so processes starting together on one database take turns."""

    @abstractmethod
    def delivery_recorder(self) -> DeliveryRecorder:
        """The outbox's recorder on this store, its tables created."""

    @abstractmethod
    def delivery_snapshots(self) -> AggregateRecorder:
        """The recorder of the outbox's snapshots on this store, its table created."""

    @abstractmethod
    def delivery_lock(self) -> StoreLock:
        """The lock held by the one process of this store that delivers."""

    @abstractmethod
    def worker_keys(self, recorder: PlanningRecorder) -> KeyTable:
        """The table of workers' data keys beside ``recorder``'s events, created if need be."""

    def rewrite(self, column: EncryptedColumn, transform: Callable[[bytes], bytes | None]) -> int:
        """Rewrite the values of ``column`` page by page (``transform`` returns None to keep one);
        returns how many changed."""
        return self.rewrite_rows(column, lambda key, value, also: transform(value))

    @abstractmethod
    def rewrite_rows(self, column: EncryptedColumn, transform: RowTransform) -> int:
        """As :meth:`rewrite`, ``transform`` given each row's key, value and ``column.also``, in key order."""


def store_of(factory: object) -> PlanningStore:
    """The factory of an application as a planning store; a library factory is refused with what to set."""
    if not isinstance(factory, PlanningStore):
        raise TypeError(
            f"{type(factory).__name__} is no setu-planning store; set PERSISTENCE_MODULE to a "
            "setu_planning.application.stores class, or open the application with a database URL"
        )
    return factory
