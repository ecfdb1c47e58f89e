"""The store in memory (the library's POPO recorders), for unit tests: dicts guarded by the recorder's lock."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import AggregateRecorder, ApplicationRecorder, IntegrityError, Notification, StoredEvent
from eventsourcing.popo import POPOApplicationRecorder, POPOFactory, POPOProcessRecorder

from ..readmodels import ReadModelWrites
from .contract import (
    DeliveryRecorder,
    DeliveryRow,
    DueHead,
    EncryptedColumn,
    PlanningRecorder,
    PlanningStore,
    ProcessLock,
    RowTransform,
    StoreLock,
    positioned,
    utc,
)
from .keys import KeyTable, MemoryKeyTable


class POPOPlanningRecorder(POPOApplicationRecorder, PlanningRecorder):
    """The planning events and read models in memory."""

    def __init__(self) -> None:
        super().__init__()
        self.key_table = MemoryKeyTable()
        self._timestamps: dict[UUID, list[tuple[datetime, int]]] = {}
        self._current: dict[UUID, StoredEvent] = {}
        self._lookups: dict[str, dict[UUID, int]] = defaultdict(dict)
        self._documents: dict[str, UUID] = {}
        self._meta: dict[str, bytes] = {}

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        read_models: ReadModelWrites | None = kwargs.get("read_models")
        with self._database_lock:
            if read_models:
                self._check_documents(read_models)
                self.key_table.check_new(read_models.keys)
            ids = super().insert_events(stored_events, **kwargs)
            if read_models:
                self._apply(read_models, ids)
                self.key_table.add_new(read_models.keys)
        return ids

    def _check_documents(self, writes: ReadModelWrites) -> None:
        for key, _, replaces in writes.documents:
            if self._documents.get(key) != replaces:
                raise IntegrityError(f"document key already points elsewhere: {key}")

    def _apply(self, writes: ReadModelWrites, ids: Sequence[int] | None = None) -> None:
        for originator_id, version, moment in writes.timestamps:
            bisect.insort(self._timestamps.setdefault(originator_id, []), (utc(moment), version))
        for row in writes.current:
            self._current[row.originator_id] = row  # type: ignore[index]
        for key, resource_id in writes.lookups_removed:
            self._lookups[key].pop(resource_id, None)
        for key, resource_id, position in positioned(writes, ids):
            self._lookups[key][resource_id] = position
        for key, resource_id, _ in writes.documents:
            self._documents[key] = resource_id

    def version_at(self, originator_id: UUID, moment: datetime) -> int:
        with self._database_lock:
            rows = self._timestamps.get(originator_id, [])
            position = bisect.bisect_right(rows, (utc(moment), float("inf")))
            return rows[position - 1][1] if position else 0

    def select_current(self, resource_id: UUID) -> StoredEvent | None:
        with self._database_lock:
            return self._current.get(resource_id)

    def select_current_version(self, resource_id: UUID) -> int | None:
        with self._database_lock:
            row = self._current.get(resource_id)
        return None if row is None else row.originator_version

    def select_current_by_lookup(self, key: str) -> list[StoredEvent]:
        with self._database_lock:
            filed = sorted(self._lookups.get(key, {}).items(), key=lambda item: item[1])
            return [self._current[i] for i, _ in filed if i in self._current]

    def select_document(self, key: str) -> UUID | None:
        with self._database_lock:
            return self._documents.get(key)

    def claim_meta(self, name: str, value: bytes) -> bytes:
        with self._database_lock:
            return self._meta.setdefault(name, value)

    def select_resource_ids(self, after: UUID | None, limit: int) -> list[UUID]:
        with self._database_lock:
            ids = sorted(i for i in self._current if after is None or i > after)
            return ids[:limit]

    def select_events_in_originator_order(self, after: tuple[UUID, int] | None, limit: int) -> list[Notification]:
        with self._database_lock:
            rows = sorted(
                (str(s.originator_id), s.originator_version, position + 1, s)
                for position, s in enumerate(self._stored_events)
            )
        start = (str(after[0]), after[1]) if after else None
        found = [
            Notification(id=n, originator_id=s.originator_id, originator_version=v, topic=s.topic, state=s.state)
            for i, v, n, s in rows
            if start is None or (i, v) > start
        ]
        return found[:limit]

    def rebuild_read_models(self, writes: Iterator[ReadModelWrites]) -> None:
        with self._database_lock:
            self._timestamps.clear()
            self._current.clear()
            self._lookups.clear()
            self._documents.clear()
            for batch in writes:
                self._apply(batch)

    def encrypted_columns(self) -> list[EncryptedColumn]:
        return []  # nothing is kept beyond the process


class POPODeliveryRecorder(POPOProcessRecorder, DeliveryRecorder):
    """The outbox events and the deliveries in memory."""

    def __init__(self) -> None:
        super().__init__()
        self._rows: dict[UUID, DeliveryRow] = {}

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        with self._database_lock:
            ids = super().insert_events(stored_events, **kwargs)
            for row in kwargs.get("delivery_rows", ()):
                self._rows[row.id] = row
        return ids

    def select_due_heads(self, now: float, limit: int, skip_parties: Sequence[str] = ()) -> list[DueHead]:
        skip = set(skip_parties)
        with self._database_lock:
            due = [
                r
                for r in self._rows.values()
                if r.head and r.status == "pending" and (r.due_at or 0) <= now and r.party not in skip
            ]
        return [DueHead(r.outbox_id, r.party, r.seq) for r in sorted(due, key=lambda r: r.due_at or 0)[:limit]]

    def select_deliveries(
        self, *, resource_id: UUID | None = None, party: str | None = None, status: str | None = None, limit: int = 1000
    ) -> list[DeliveryRow]:
        with self._database_lock:
            rows = [
                r
                for r in self._rows.values()
                if (resource_id is None or r.resource_id == resource_id)
                and (party is None or r.party == party)
                and (status is None or r.status == status)
            ]
        return sorted(rows, key=lambda r: (str(r.resource_id), r.party, r.seq))[:limit]

    def select_delivery(self, delivery_id: UUID) -> DeliveryRow | None:
        with self._database_lock:
            return self._rows.get(delivery_id)

    def encrypted_columns(self) -> list[EncryptedColumn]:
        return []


class MemoryStore(POPOFactory, PlanningStore):
    """The store of one process: no other process opens it, nothing of it outlives the process."""

    backend = "memory"

    def application_recorder(self) -> ApplicationRecorder:
        return POPOPlanningRecorder()

    def schema_lock(self) -> AbstractContextManager[None]:
        return nullcontext()

    def delivery_recorder(self) -> DeliveryRecorder:
        return POPODeliveryRecorder()

    def delivery_snapshots(self) -> AggregateRecorder:
        return self.aggregate_recorder(purpose="snapshots")

    def delivery_lock(self) -> StoreLock:
        return ProcessLock()

    def worker_keys(self, recorder: PlanningRecorder) -> KeyTable:
        assert isinstance(recorder, POPOPlanningRecorder)
        return recorder.key_table  # written by the recorder too, with the events that need them

    def rewrite_rows(self, column: EncryptedColumn, transform: RowTransform) -> int:
        raise ValueError("a store in memory keeps nothing to re-encrypt")
