"""The outbox on SQLite: the library's process recorder plus one row per delivery, queued with the planning writers."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.sqlite import SQLiteDatastore, SQLiteProcessRecorder

from .contract import (
    DELIVERY_ADDED_COLUMNS,
    DELIVERY_COLUMNS,
    DeliveryRecorder,
    DeliveryRow,
    DueHead,
    EncryptedColumn,
    delivery_filters,
)
from .lockfiles import WriterLockFile

_WIDTH = len(DELIVERY_COLUMNS.split(","))


def hex_id(originator_id: UUID | str) -> str:
    """An originator id as SQLite stores it (hex text)."""
    return originator_id.hex if isinstance(originator_id, UUID) else originator_id


class SQLiteDeliveryRecorder(SQLiteProcessRecorder, DeliveryRecorder):
    def __init__(self, datastore: SQLiteDatastore, *, events_table_name: str = "setudelivery_events"):
        self.deliveries_table = f"{events_table_name.removesuffix('_events')}_deliveries"
        super().__init__(datastore, events_table_name=events_table_name)
        self._write_lock = WriterLockFile.for_database(datastore.pool.db_name)

    def construct_create_table_statements(self) -> list[str]:
        t = self.deliveries_table
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {t} (id TEXT PRIMARY KEY, outbox_id TEXT NOT NULL, "
            "resource_id TEXT NOT NULL, kind TEXT NOT NULL, party TEXT NOT NULL, seq INTEGER NOT NULL, "
            "version INTEGER NOT NULL, change TEXT NOT NULL, line_id TEXT, status TEXT NOT NULL, "
            "attempts INTEGER NOT NULL, remote_id TEXT, last_error TEXT, due_at REAL, updated_at REAL, "
            "head INTEGER NOT NULL, queued_at REAL, last_attempt_at REAL, warning TEXT)",
            f"CREATE INDEX IF NOT EXISTS {t}_due ON {t} (head, status, due_at)",
            f"CREATE INDEX IF NOT EXISTS {t}_by_resource ON {t} (resource_id, party, seq)",
            f"CREATE INDEX IF NOT EXISTS {t}_by_status ON {t} (status)",
        ]

    def create_table(self) -> None:
        # The library's tracking table is created, then marked migrated, in two
        # steps: processes starting together on a new file must take turns.
        with self._write_lock.held():
            super().create_table()

    def _create_table(self, c: Any) -> None:
        super()._create_table(c)
        # A table made by an earlier version gains the columns added since (SQLite has no ADD COLUMN IF NOT EXISTS).
        c.execute(f"PRAGMA table_info({self.deliveries_table})")
        present = {row[1] for row in c.fetchall()}
        for name, sqlite_type, _ in DELIVERY_ADDED_COLUMNS:
            if name not in present:
                c.execute(f"ALTER TABLE {self.deliveries_table} ADD COLUMN {name} {sqlite_type}")

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        with self._write_lock.held():  # queue with the planning writers of every process
            return super().insert_events(stored_events, **kwargs)

    def _insert_events(self, c: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        rows = kwargs.get("delivery_rows", ())
        if rows:
            c.executemany(
                f"INSERT OR REPLACE INTO {self.deliveries_table} ({DELIVERY_COLUMNS}) VALUES ({', '.join('?' * _WIDTH)})",
                [_sqlite_values(r) for r in rows],
            )
        return ids

    def _select(self, where: str, params: Sequence[Any], tail: str = "") -> list[DeliveryRow]:
        with self.datastore.get_connection(commit=False) as connection:
            cursor = connection._sqlite_conn.cursor()  # noqa: SLF001
            try:
                cursor.execute(f"SELECT {DELIVERY_COLUMNS} FROM {self.deliveries_table} WHERE {where} {tail}", params)
                return [DeliveryRow.from_values(tuple(r)) for r in cursor.fetchall()]
            except sqlite3.IntegrityError as error:  # pragma: no cover - reads do not conflict
                raise IntegrityError(error) from error
            finally:
                cursor.close()

    def select_due_heads(self, now: float, limit: int, skip_parties: Sequence[str] = ()) -> list[DueHead]:
        skip = f" AND party NOT IN ({', '.join(['?'] * len(skip_parties))})" if skip_parties else ""
        with self.datastore.get_connection(commit=False) as connection:
            cursor = connection._sqlite_conn.cursor()  # noqa: SLF001
            try:
                cursor.execute(
                    f"SELECT outbox_id, party, seq FROM {self.deliveries_table} WHERE head = 1 AND status = 'pending' "
                    f"AND COALESCE(due_at, 0) <= ?{skip} ORDER BY due_at LIMIT ?",
                    (now, *skip_parties, limit),
                )
                return [DueHead(UUID(outbox), party, seq) for outbox, party, seq in cursor.fetchall()]
            finally:
                cursor.close()

    def select_deliveries(
        self, *, resource_id: UUID | None = None, party: str | None = None, status: str | None = None, limit: int = 1000
    ) -> list[DeliveryRow]:
        where, params = delivery_filters(resource_id and resource_id.hex, party, status, "?")
        return self._select(where, (*params, limit), "ORDER BY resource_id, party, seq LIMIT ?")

    def select_delivery(self, delivery_id: UUID) -> DeliveryRow | None:
        rows = self._select("id = ?", (delivery_id.hex,))
        return rows[0] if rows else None

    def encrypted_columns(self) -> list[EncryptedColumn]:
        return [EncryptedColumn.of_events(self.events_table_name)]


def _sqlite_values(row: DeliveryRow) -> tuple[Any, ...]:
    values = list(row.values())
    for i in (0, 1, 2):
        values[i] = values[i].hex
    values[15] = int(values[15])
    return tuple(values)
