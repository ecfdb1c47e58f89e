"""The SQLite store, the embedded default: read-model tables beside the events table, one lock file to queue writers.

Each recorder stores the events as the eventsourcing library does and, in the
same transaction, the read models of :mod:`..readmodels`. Writes go through
:class:`~..group_commit.GroupCommit`: concurrent saves of one process share
one transaction. Processes sharing the file also queue for the write lock on
a lock file beside it (:class:`.lockfiles.WriterLockFile`), so a writer is
handed the lock the moment it is free instead of polling SQLite's busy
handler. Reading the present is one indexed read of the current-state row;
reading the past uses the event log, snapshots and the timestamps index.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime
from typing import Any
from uuid import UUID

import eventsourcing.sqlite as library
from eventsourcing.persistence import AggregateRecorder, IntegrityError, Notification, StoredEvent

from ..group_commit import GroupCommit, PendingSave
from ..readmodels import ReadModelWrites
from .contract import (
    DELIVERY_EVENTS_TABLE,
    DELIVERY_SNAPSHOTS_TABLE,
    DeliveryRecorder,
    EncryptedColumn,
    PlanningRecorder,
    PlanningStore,
    StoreLock,
    positioned,
    utc,
)
from .lockfiles import DeliveryLockFile, WriterLockFile
from .sqlite_delivery import SQLiteDeliveryRecorder, hex_id

REWRITE_BATCH = 500
"""Rows re-encrypted per transaction."""


class SQLitePlanningRecorder(library.SQLiteApplicationRecorder, PlanningRecorder):
    """SQLite: read-model tables beside the events table, one lock file to queue writers."""

    TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

    def __init__(self, datastore: library.SQLiteDatastore, events_table_name: str = "stored_events"):
        self.timestamps_table = f"{events_table_name}_timestamps"
        self.current_table = f"{events_table_name}_current"
        self.lookups_table = f"{events_table_name}_lookups"
        self.documents_table = f"{events_table_name}_documents"
        self.meta_table = f"{events_table_name}_meta"
        super().__init__(datastore, events_table_name)
        self._group_commit = GroupCommit(self._write_group)
        self._write_lock = WriterLockFile.for_database(datastore.pool.db_name)
        self._memory = datastore.pool.is_sqlite_memory_mode
        self._readers = threading.local()
        self._reader_connections: list[sqlite3.Connection] = []
        self._reader_connections_lock = threading.Lock()

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            # Small rows in one B-tree ordered as the question "which version at this moment"
            # reads them (one descent); every save writes fewer pages than with a rowid table
            # and its indexes. (Stores created with the earlier layout keep it: same queries.)
            f"CREATE TABLE IF NOT EXISTS {self.timestamps_table} ("
            "originator_id TEXT NOT NULL, originator_version INTEGER NOT NULL, timestamp TEXT NOT NULL, "
            "PRIMARY KEY (originator_id, timestamp, originator_version)) WITHOUT ROWID",
            f"DROP INDEX IF EXISTS {self.timestamps_table}_by_time",
            f"CREATE TABLE IF NOT EXISTS {self.current_table} ("
            "id TEXT PRIMARY KEY, version INTEGER NOT NULL, topic TEXT NOT NULL, state BLOB NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {self.lookups_table} ("
            "key TEXT NOT NULL, resource_id TEXT NOT NULL, position INTEGER NOT NULL, "
            "PRIMARY KEY (key, resource_id)) WITHOUT ROWID",
            f"CREATE INDEX IF NOT EXISTS {self.lookups_table}_in_order ON {self.lookups_table} (key, position)",
            f"CREATE TABLE IF NOT EXISTS {self.documents_table} ("
            "key TEXT PRIMARY KEY, resource_id TEXT NOT NULL) WITHOUT ROWID",
            f"CREATE TABLE IF NOT EXISTS {self.meta_table} (name TEXT PRIMARY KEY, value BLOB NOT NULL)",
        ]

    # ------------------------------------------------------------------ writes
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        return self._group_commit.save(PendingSave(stored_events, kwargs.get("read_models")))

    def _write_group(self, group: Sequence[PendingSave]) -> None:
        with self._write_lock.held(), self._write_transaction() as c:
            for pending in group:
                pending.notification_ids = self._write(c, pending)

    @contextmanager
    def _write_transaction(self) -> Iterator[sqlite3.Cursor]:
        with self.datastore.get_connection(commit=True) as connection:
            raw: sqlite3.Connection = connection._sqlite_conn  # noqa: SLF001
            cursor = raw.cursor()
            try:
                cursor.execute("BEGIN IMMEDIATE")
                yield cursor
                raw.commit()
            except sqlite3.IntegrityError as error:
                raw.rollback()
                raise IntegrityError(error) from error
            except BaseException:
                raw.rollback()
                raise
            finally:
                cursor.close()

    def _write(self, c: sqlite3.Cursor, pending: PendingSave) -> list[int]:
        ids: list[int] = []
        for s in pending.stored_events:
            c.execute(
                self.insert_events_statement,
                (hex_id(s.originator_id), s.originator_version, s.topic, s.state),
            )
            assert c.lastrowid is not None  # an INSERT always sets it
            ids.append(c.lastrowid)
        writes = pending.read_models
        if writes:
            self._write_read_models(c, writes, ids)
        return ids

    def _write_read_models(self, c: sqlite3.Cursor, writes: ReadModelWrites, ids: Sequence[int] | None = None) -> None:
        if writes.timestamps:
            c.executemany(
                f"INSERT INTO {self.timestamps_table} VALUES (?, ?, ?)",
                [(i.hex, v, self._text(t)) for i, v, t in writes.timestamps],
            )
        if writes.current:
            c.executemany(
                f"INSERT INTO {self.current_table} (id, version, topic, state) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET version = excluded.version, "
                "topic = excluded.topic, state = excluded.state",
                [(hex_id(r.originator_id), r.originator_version, r.topic, r.state) for r in writes.current],
            )
        if writes.lookups_removed:
            c.executemany(
                f"DELETE FROM {self.lookups_table} WHERE key = ? AND resource_id = ?",
                [(k, i.hex) for k, i in writes.lookups_removed],
            )
        if writes.lookups_added:
            c.executemany(
                f"INSERT OR IGNORE INTO {self.lookups_table} (key, resource_id, position) VALUES (?, ?, ?)",
                [(k, i.hex, p) for k, i, p in positioned(writes, ids)],
            )
        for key, resource_id, replaces in writes.documents:
            if replaces is None:
                c.execute(f"INSERT INTO {self.documents_table} VALUES (?, ?)", (key, resource_id.hex))
            else:
                c.execute(
                    f"UPDATE {self.documents_table} SET resource_id = ? WHERE key = ? AND resource_id = ?",
                    (resource_id.hex, key, replaces.hex),
                )
                if c.rowcount != 1:
                    raise sqlite3.IntegrityError(f"document key already points elsewhere: {key}")

    # ------------------------------------------------------------------- reads
    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Cursor]:
        """One autocommit read: a single SELECT is its own consistent transaction.

        A file database is read on a connection of the reading thread's own,
        kept open (the pool's bookkeeping cost more than the query); an
        in-memory one through the pool, which keeps its readers and writer apart.
        """
        if self._memory:
            with self.datastore.get_connection(commit=False) as pooled:
                in_memory = pooled._sqlite_conn.cursor()  # noqa: SLF001
                try:
                    yield in_memory
                finally:
                    in_memory.close()
            return
        connection: sqlite3.Connection | None = getattr(self._readers, "connection", None)
        if connection is None:
            connection = sqlite3.connect(
                self.datastore.pool.db_name, uri=True, isolation_level=None, check_same_thread=False,
                timeout=self.datastore.pool.lock_timeout or 5,
            )  # fmt: skip
            self._readers.connection = connection
            with self._reader_connections_lock:
                self._reader_connections.append(connection)
        cursor = connection.cursor()
        try:
            yield cursor
        finally:
            cursor.close()

    def close(self) -> None:
        with self._reader_connections_lock:
            for connection in self._reader_connections:
                connection.close()
            self._reader_connections.clear()
        self._readers = threading.local()

    def version_at(self, originator_id: UUID, moment: datetime) -> int:
        with self._reading() as c:
            c.execute(
                f"SELECT originator_version FROM {self.timestamps_table} "
                "WHERE originator_id = ? AND timestamp <= ? "
                "ORDER BY timestamp DESC, originator_version DESC LIMIT 1",
                (originator_id.hex, self._text(moment)),
            )
            row = c.fetchone()
            return row[0] if row else 0

    def select_current(self, resource_id: UUID) -> StoredEvent | None:
        with self._reading() as c:
            c.execute(
                f"SELECT version, topic, state FROM {self.current_table} WHERE id = ?",
                (resource_id.hex,),
            )
            row = c.fetchone()
        return None if row is None else StoredEvent(resource_id, row[0], row[1], row[2])

    def select_current_version(self, resource_id: UUID) -> int | None:
        with self._reading() as c:
            c.execute(f"SELECT version FROM {self.current_table} WHERE id = ?", (resource_id.hex,))
            row = c.fetchone()
        return None if row is None else row[0]

    def select_current_by_lookup(self, key: str) -> list[StoredEvent]:
        with self._reading() as c:
            c.execute(
                f"SELECT r.id, r.version, r.topic, r.state FROM {self.lookups_table} AS l "
                f"JOIN {self.current_table} AS r ON r.id = l.resource_id "
                "WHERE l.key = ? ORDER BY l.position",
                (key,),
            )
            return [StoredEvent(UUID(r[0]), r[1], r[2], r[3]) for r in c.fetchall()]

    def select_document(self, key: str) -> UUID | None:
        with self._reading() as c:
            c.execute(f"SELECT resource_id FROM {self.documents_table} WHERE key = ?", (key,))
            row = c.fetchone()
        return None if row is None else UUID(row[0])

    def claim_meta(self, name: str, value: bytes) -> bytes:
        with self._write_lock.held(), self._write_transaction() as c:
            c.execute(f"INSERT OR IGNORE INTO {self.meta_table} VALUES (?, ?)", (name, value))
            c.execute(f"SELECT value FROM {self.meta_table} WHERE name = ?", (name,))
            return bytes(c.fetchone()[0])

    def select_resource_ids(self, after: UUID | None, limit: int) -> list[UUID]:
        with self._reading() as c:
            c.execute(
                f"SELECT id FROM {self.current_table} WHERE id > ? ORDER BY id LIMIT ?",
                ("" if after is None else after.hex, limit),
            )
            return [UUID(r[0]) for r in c.fetchall()]

    def select_events_in_originator_order(self, after: tuple[UUID, int] | None, limit: int) -> list[Notification]:
        start = (after[0].hex, after[1]) if after else ("", 0)
        with self._reading() as c:
            c.execute(
                f"SELECT rowid, originator_id, originator_version, topic, state FROM {self.events_table_name} "
                "WHERE (originator_id, originator_version) > (?, ?) "
                "ORDER BY originator_id, originator_version LIMIT ?",
                (*start, limit),
            )
            return [
                Notification(id=r[0], originator_id=UUID(r[1]), originator_version=r[2], topic=r[3], state=r[4])
                for r in c.fetchall()
            ]

    def rebuild_read_models(self, writes: Iterator[ReadModelWrites]) -> None:
        # Every writer of every process queues on the lock meanwhile. The
        # events are read between transactions, so an in-memory database
        # (readers and the writer mutually exclusive) cannot deadlock.
        with self._write_lock.held():
            with self._write_transaction() as c:
                for table in (self.timestamps_table, self.current_table, self.lookups_table, self.documents_table):
                    c.execute(f"DELETE FROM {table}")
            for batch in writes:
                with self._write_transaction() as c:
                    self._write_read_models(c, batch)

    @classmethod
    def _text(cls, moment: datetime) -> str:
        return utc(moment).strftime(cls.TIMESTAMP_FORMAT)

    def encrypted_columns(self) -> list[EncryptedColumn]:
        return [
            EncryptedColumn.of_events(self.events_table_name),
            EncryptedColumn(self.current_table, ("id",)),
            EncryptedColumn(self.meta_table, ("name",), "value"),
        ]


class SQLiteStore(library.SQLiteFactory, PlanningStore):
    """A SQLite database file: processes of one host share it, queuing on lock files beside it."""

    backend = "sqlite"
    application_recorder_class = SQLitePlanningRecorder
    datastore: library.SQLiteDatastore

    def schema_lock(self) -> AbstractContextManager[None]:
        return nullcontext()  # tables are created under the writer lock file

    def delivery_recorder(self) -> DeliveryRecorder:
        recorder = SQLiteDeliveryRecorder(self.datastore, events_table_name=DELIVERY_EVENTS_TABLE)
        recorder.create_table()
        return recorder

    def delivery_snapshots(self) -> AggregateRecorder:
        # The library names every SQLite snapshots table "stored_snapshots": the planning one.
        recorder = library.SQLiteAggregateRecorder(self.datastore, DELIVERY_SNAPSHOTS_TABLE)
        recorder.create_table()
        return recorder

    def delivery_lock(self) -> StoreLock:
        return DeliveryLockFile(self.datastore.pool.db_name)

    def rewrite(self, column: EncryptedColumn, transform: Callable[[bytes], bytes | None]) -> int:
        changed = 0
        where = " AND ".join(f"{k} = ?" for k in column.keys)
        for rows in self._pages(column):
            updates = [(new, *key) for *key, value in rows if (new := transform(bytes(value))) is not None]
            if updates:
                with self.datastore.transaction(commit=True) as c:
                    c.executemany(f"UPDATE {column.table} SET {column.column} = ? WHERE {where}", updates)
                changed += len(updates)
        return changed

    def _pages(self, column: EncryptedColumn) -> Iterator[list[Any]]:
        after: tuple[Any, ...] | None = None
        order = ", ".join(column.keys)
        select = f"SELECT {order}, {column.column} FROM {column.table}"
        while True:
            with self.datastore.transaction(commit=False) as c:
                if after is None:
                    c.execute(f"{select} ORDER BY {order} LIMIT ?", (REWRITE_BATCH,))
                else:
                    marks = ", ".join("?" * len(column.keys))
                    c.execute(f"{select} WHERE ({order}) > ({marks}) ORDER BY {order} LIMIT ?", (*after, REWRITE_BATCH))
                rows = [tuple(r) for r in c.fetchall()]
            if not rows:
                return
            yield rows
            after = rows[-1][: len(column.keys)]
