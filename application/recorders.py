"""Application recorders that write the read models in the transaction of the events.

Each recorder stores the events as the eventsourcing library does and, in the
same transaction, the read models of :mod:`.readmodels`: event timestamps,
the current state of each resource, look-ups and document claims. The changes
arrive as the ``read_models`` keyword of ``insert_events()``, which
:class:`~setu_planning.application.app.PlanningApplication` fills in.

Writes go through :class:`~.group_commit.GroupCommit`: concurrent saves of one
process share one transaction. On SQLite, processes sharing the file also
queue for the write lock on a lock file beside it, so a writer is handed the
lock the moment it is free instead of polling SQLite's busy handler.

Reading the present is one indexed read of the current-state row; reading
the past uses the event log, snapshots and the timestamps index.
"""

from __future__ import annotations

import bisect
import fcntl
import os
import sqlite3
import threading
from abc import abstractmethod
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, IntegrityError, Notification, StoredEvent
from eventsourcing.popo import POPOApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder

from .group_commit import GroupCommit, PendingSave
from .readmodels import ReadModelWrites

_EARLIEST = datetime.min.replace(tzinfo=UTC)
_LATEST = datetime.max.replace(tzinfo=UTC)


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC; moments beyond the calendar's ends (year 1 at +14:00) clamp to them."""
    if moment.tzinfo is None:
        raise ValueError("a moment must carry its UTC offset")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return _EARLIEST if moment.year == datetime.min.year else _LATEST


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
    def select_events_in_originator_order(
        self, after: tuple[UUID, int] | None, limit: int
    ) -> list[Notification]:
        """Stored events ordered by (originator, version), after ``after``: one resource's events
        arrive together, so a rebuild holds one resource in memory at a time."""

    @abstractmethod
    def rebuild_read_models(self, writes: Iterator[ReadModelWrites]) -> None:
        """Empty the read models, then write them anew from ``writes`` (derived from the event log)."""


def _positioned(writes: ReadModelWrites, ids: Sequence[int] | None) -> list[tuple[str, UUID, int]]:
    """Look-ups to add, with "this save" positions resolved to its last notification id."""
    last = max(ids) if ids else 0
    return [(key, resource_id, last if position is None else position) for key, resource_id, position in writes.lookups_added]


# --------------------------------------------------------------------- memory
class POPOPlanningRecorder(POPOApplicationRecorder, PlanningRecorder):
    """In memory, for unit tests: dicts guarded by the recorder's lock."""

    def __init__(self) -> None:
        super().__init__()
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
            ids = super().insert_events(stored_events, **kwargs)
            if read_models:
                self._apply(read_models, ids)
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
        for key, resource_id, position in _positioned(writes, ids):
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

    def select_events_in_originator_order(
        self, after: tuple[UUID, int] | None, limit: int
    ) -> list[Notification]:
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


# --------------------------------------------------------------------- SQLite
class SQLitePlanningRecorder(SQLiteApplicationRecorder, PlanningRecorder):
    """SQLite: read-model tables beside the events table, one lock file to queue writers."""

    TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

    def __init__(self, datastore: Any, events_table_name: str = "stored_events"):
        self.timestamps_table = f"{events_table_name}_timestamps"
        self.current_table = f"{events_table_name}_current"
        self.lookups_table = f"{events_table_name}_lookups"
        self.documents_table = f"{events_table_name}_documents"
        self.meta_table = f"{events_table_name}_meta"
        super().__init__(datastore, events_table_name)
        self._group_commit = GroupCommit(self._write_group)
        self._write_lock = _WriterLockFile.for_database(datastore.pool.db_name)
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
        ids = []
        for s in pending.stored_events:
            c.execute(
                self.insert_events_statement,
                (_hex(s.originator_id), s.originator_version, s.topic, s.state),
            )
            ids.append(c.lastrowid)
        writes = pending.read_models
        if writes:
            self._write_read_models(c, writes, ids)
        return ids

    def _write_read_models(
        self, c: sqlite3.Cursor, writes: ReadModelWrites, ids: Sequence[int] | None = None
    ) -> None:
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
                [(_hex(r.originator_id), r.originator_version, r.topic, r.state) for r in writes.current],
            )
        if writes.lookups_removed:
            c.executemany(
                f"DELETE FROM {self.lookups_table} WHERE key = ? AND resource_id = ?",
                [(k, i.hex) for k, i in writes.lookups_removed],
            )
        if writes.lookups_added:
            c.executemany(
                f"INSERT OR IGNORE INTO {self.lookups_table} (key, resource_id, position) VALUES (?, ?, ?)",
                [(k, i.hex, p) for k, i, p in _positioned(writes, ids)],
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
            with self.datastore.get_connection(commit=False) as connection:
                cursor = connection._sqlite_conn.cursor()  # noqa: SLF001
                try:
                    yield cursor
                finally:
                    cursor.close()
            return
        connection = getattr(self._readers, "connection", None)
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

    def select_events_in_originator_order(
        self, after: tuple[UUID, int] | None, limit: int
    ) -> list[Notification]:
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


def _hex(originator_id: UUID | str) -> str:
    return originator_id.hex if isinstance(originator_id, UUID) else originator_id


class _WriterLockFile:
    """An exclusive lock on a file beside the database, held while writing.

    SQLite lets one writer in at a time; the others poll its busy handler,
    sleeping 1, 2, 5, 10… ms between tries. Queuing on a kernel lock instead
    hands the write lock over as soon as it is free. One per database file per
    process (POSIX record locks belong to the process), with a thread lock
    in front of it.
    """

    _instances: dict[str, _WriterLockFile] = {}
    _instances_lock = threading.Lock()

    def __init__(self, path: str | None):
        self._path = path
        self._fd: int | None = None
        self._thread_lock = threading.Lock()

    @classmethod
    def for_database(cls, db_name: str) -> _WriterLockFile:
        path = None if ":memory:" in db_name or "mode=memory" in db_name else f"{db_name}-setu.lock"
        key = os.path.abspath(path) if path else f"memory:{id(db_name)}"
        with cls._instances_lock:
            if key not in cls._instances:
                cls._instances[key] = cls(path)
            return cls._instances[key]

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._thread_lock:
            if self._path is None:
                yield
                return
            if self._fd is None:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.lockf(self._fd, fcntl.LOCK_EX, 1, 0)
            try:
                yield
            finally:
                fcntl.lockf(self._fd, fcntl.LOCK_UN, 1, 0)


# ----------------------------------------------------------------- PostgreSQL
try:  # PostgreSQL support is an optional extra (psycopg).
    import psycopg
    from eventsourcing.postgres import PostgresAggregateRecorder, PostgresApplicationRecorder
    from psycopg.sql import SQL, Identifier, Literal
except ImportError:  # pragma: no cover - exercised only without the extra
    PostgresApplicationRecorder = None  # type: ignore[assignment,misc]

if PostgresApplicationRecorder is not None:

    _SCHEMA_LOCK = 0x5E7F_5C4E_3A01

    @contextmanager
    def schema_lock(datastore: Any) -> Iterator[None]:
        """Processes and nodes starting together on one database create its tables one at a time.

        ``CREATE TABLE IF NOT EXISTS`` is not safe under concurrency in
        PostgreSQL (two sessions can both decide to create); an advisory lock
        makes the others wait and then find the tables there.
        """
        with datastore.get_connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (_SCHEMA_LOCK,))
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (_SCHEMA_LOCK,))

    class PostgresPlanningRecorder(PostgresApplicationRecorder, PlanningRecorder):
        """PostgreSQL: read-model tables beside the events table; group commit under one table lock."""

        def __init__(self, datastore: Any, *, events_table_name: str = "stored_events"):
            super().__init__(datastore, events_table_name=events_table_name)
            schema = Identifier(self.datastore.schema)

            def table(suffix: str) -> Identifier:
                return Identifier(f"{events_table_name}_{suffix}")

            self._tables = {s: table(s) for s in ("timestamps", "current", "lookups", "documents", "meta")}
            t = self._tables
            self.sql_create_statements += [
                SQL(
                    "CREATE TABLE IF NOT EXISTS {s}.{t} (originator_id uuid NOT NULL, "
                    "originator_version bigint NOT NULL, timestamp timestamptz NOT NULL, "
                    "PRIMARY KEY (originator_id, originator_version))"
                ).format(s=schema, t=t["timestamps"]),
                SQL("CREATE INDEX IF NOT EXISTS {i} ON {s}.{t} (originator_id, timestamp, originator_version)").format(
                    i=Identifier(f"{events_table_name}_timestamps_at_moment"), s=schema, t=t["timestamps"]
                ),
                SQL("DROP INDEX IF EXISTS {s}.{i}").format(
                    i=Identifier(f"{events_table_name}_timestamps_by_time"), s=schema
                ),
                SQL(
                    "CREATE TABLE IF NOT EXISTS {s}.{t} (id uuid PRIMARY KEY, "
                    "version bigint NOT NULL, topic text NOT NULL, state bytea NOT NULL)"
                ).format(s=schema, t=t["current"]),
                SQL(
                    "CREATE TABLE IF NOT EXISTS {s}.{t} (key text NOT NULL, resource_id uuid NOT NULL, "
                    "position bigint NOT NULL, PRIMARY KEY (key, resource_id))"
                ).format(s=schema, t=t["lookups"]),
                SQL("CREATE INDEX IF NOT EXISTS {i} ON {s}.{t} (key, position)").format(
                    i=Identifier(f"{events_table_name}_lookups_in_order"), s=schema, t=t["lookups"]
                ),
                SQL(
                    "CREATE TABLE IF NOT EXISTS {s}.{t} (key text PRIMARY KEY, resource_id uuid NOT NULL)"
                ).format(s=schema, t=t["documents"]),
                SQL("CREATE TABLE IF NOT EXISTS {s}.{t} (name text PRIMARY KEY, value bytea NOT NULL)").format(
                    s=schema, t=t["meta"]
                ),
            ]
            self._sql = {
                "timestamps": SQL("INSERT INTO {s}.{t} VALUES (%s, %s, %s)").format(s=schema, t=t["timestamps"]),
                "current": SQL(
                    "INSERT INTO {s}.{t} (id, version, topic, state) VALUES (%s, %s, %s, %s) "
                    "ON CONFLICT (id) DO UPDATE SET version = excluded.version, "
                    "topic = excluded.topic, state = excluded.state"
                ).format(s=schema, t=t["current"]),
                "lookup_remove": SQL("DELETE FROM {s}.{t} WHERE key = %s AND resource_id = %s").format(
                    s=schema, t=t["lookups"]
                ),
                "lookup_add": SQL(
                    "INSERT INTO {s}.{t} (key, resource_id, position) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING"
                ).format(s=schema, t=t["lookups"]),
                "document_claim": SQL("INSERT INTO {s}.{t} VALUES (%s, %s)").format(s=schema, t=t["documents"]),
                "document_release": SQL("DELETE FROM {s}.{t} WHERE key = %s AND resource_id = %s").format(
                    s=schema, t=t["documents"]
                ),
                "lookup_add_here": SQL(
                    "INSERT INTO {s}.{t} (key, resource_id, position) "
                    "VALUES (%s, %s, currval(pg_get_serial_sequence({events}, 'notification_id'))) "
                    "ON CONFLICT DO NOTHING"
                ).format(
                    s=schema,
                    t=t["lookups"],
                    events=Literal(f"{self.datastore.schema}.{events_table_name}"),
                ),
                "version_at": SQL(
                    "SELECT originator_version AS version FROM {s}.{t} "
                    "WHERE originator_id = %s AND timestamp <= %s "
                    "ORDER BY timestamp DESC, originator_version DESC LIMIT 1"
                ).format(s=schema, t=t["timestamps"]),
                "select_current": SQL("SELECT version, topic, state FROM {s}.{t} WHERE id = %s").format(
                    s=schema, t=t["current"]
                ),
                "select_version": SQL("SELECT version FROM {s}.{t} WHERE id = %s").format(s=schema, t=t["current"]),
                "select_by_lookup": SQL(
                    "SELECT r.id, r.version, r.topic, r.state FROM {s}.{l} AS l "
                    "JOIN {s}.{c} AS r ON r.id = l.resource_id WHERE l.key = %s ORDER BY l.position"
                ).format(s=schema, l=t["lookups"], c=t["current"]),
                "select_document": SQL("SELECT resource_id FROM {s}.{t} WHERE key = %s").format(
                    s=schema, t=t["documents"]
                ),
                "claim_meta": SQL("INSERT INTO {s}.{t} VALUES (%s, %s) ON CONFLICT DO NOTHING").format(
                    s=schema, t=t["meta"]
                ),
                "select_meta": SQL("SELECT value FROM {s}.{t} WHERE name = %s").format(s=schema, t=t["meta"]),
                "resource_ids": SQL(
                    "SELECT id FROM {s}.{t} WHERE %s::uuid IS NULL OR id > %s::uuid ORDER BY id LIMIT %s"
                ).format(s=schema, t=t["current"]),
                "by_originator": SQL(
                    "SELECT notification_id, originator_id, originator_version, topic, state FROM {s}.{t} "
                    "WHERE (originator_id, originator_version) > (%s, %s) "
                    "ORDER BY originator_id, originator_version LIMIT %s"
                ).format(s=schema, t=Identifier(events_table_name)),
                "truncate": SQL("TRUNCATE {s}.{a}, {s}.{b}, {s}.{c}, {s}.{d}").format(
                    s=schema, a=t["timestamps"], b=t["current"], c=t["lookups"], d=t["documents"]
                ),
            }
            self._group_commit = GroupCommit(self._write_group)

        def create_table(self) -> None:
            with schema_lock(self.datastore):
                super().create_table()

        # -------------------------------------------------------------- writes
        def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
            return self._group_commit.save(
                PendingSave(stored_events, kwargs.get("read_models"), kwargs.get("tracking"))
            )

        def _write_group(self, group: Sequence[PendingSave]) -> None:
            """One transaction, sent as one pipeline: the table lock is held for about one round trip."""
            with self.datastore.get_connection() as conn:
                returning = []
                try:
                    with conn.pipeline(), conn.transaction(), conn.cursor() as curs:
                        # One lock for the whole group: notification ids commit in order.
                        self._lock_table(curs)
                        self._notify_channel(curs)
                        for pending in group:
                            self._insert_events(curs, pending.stored_events, tracking=pending.tracking)
                            events = conn.cursor() if pending.stored_events else None
                            if events is not None:
                                PostgresAggregateRecorder._insert_stored_events(self, events, pending.stored_events)
                            if pending.read_models:
                                self._write_read_models(curs, pending.read_models)
                            returning.append(events)
                except psycopg.errors.PipelineAborted as error:
                    # A statement of the group failed (a conflict); the group is written again save by save.
                    raise IntegrityError(str(error)) from error
                for pending, events in zip(group, returning, strict=True):
                    pending.notification_ids = [r["notification_id"] for r in events.fetchall()] if events else []

        def _write_read_models(self, curs: Any, writes: ReadModelWrites, ids: Sequence[int] | None = None) -> None:
            """Also in a pipeline: nothing read back. Positions of this save's look-ups are its last
            notification id, ``currval`` of the events' sequence in this session."""
            sql = self._sql
            if writes.timestamps:
                curs.executemany(sql["timestamps"], [(i, v, utc(t)) for i, v, t in writes.timestamps])
            if writes.current:
                curs.executemany(
                    sql["current"],
                    [(r.originator_id, r.originator_version, r.topic, r.state) for r in writes.current],
                )
            if writes.lookups_removed:
                curs.executemany(sql["lookup_remove"], writes.lookups_removed)
            if writes.lookups_added:
                explicit = [(k, i, p) for k, i, p in writes.lookups_added if p is not None]
                this_save = [(k, i) for k, i, p in writes.lookups_added if p is None]
                if explicit:
                    curs.executemany(sql["lookup_add"], explicit)
                if this_save:
                    curs.executemany(sql["lookup_add_here"], this_save)
            for key, resource_id, replaces in writes.documents:
                if replaces is not None:
                    # Re-pointing: drop our old claim; if another writer re-pointed it first,
                    # nothing is dropped and the claim below conflicts, as it must.
                    curs.execute(sql["document_release"], (key, replaces))
                curs.execute(sql["document_claim"], (key, resource_id))

        # --------------------------------------------------------------- reads
        def _fetch(self, statement: Any, params: tuple[Any, ...], *, one: bool) -> Any:
            with self.datastore.get_connection() as conn, conn.cursor() as curs:
                curs.execute(statement, params, prepare=True)
                return curs.fetchone() if one else curs.fetchall()

        def version_at(self, originator_id: UUID, moment: datetime) -> int:
            row = self._fetch(self._sql["version_at"], (originator_id, utc(moment)), one=True)
            return (row["version"] if row else None) or 0

        def select_current(self, resource_id: UUID) -> StoredEvent | None:
            row = self._fetch(self._sql["select_current"], (resource_id,), one=True)
            return None if row is None else StoredEvent(resource_id, row["version"], row["topic"], bytes(row["state"]))

        def select_current_version(self, resource_id: UUID) -> int | None:
            row = self._fetch(self._sql["select_version"], (resource_id,), one=True)
            return None if row is None else row["version"]

        def select_current_by_lookup(self, key: str) -> list[StoredEvent]:
            rows = self._fetch(self._sql["select_by_lookup"], (key,), one=False)
            return [StoredEvent(r["id"], r["version"], r["topic"], bytes(r["state"])) for r in rows]

        def select_document(self, key: str) -> UUID | None:
            row = self._fetch(self._sql["select_document"], (key,), one=True)
            return None if row is None else row["resource_id"]

        def claim_meta(self, name: str, value: bytes) -> bytes:
            with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
                curs.execute(self._sql["claim_meta"], (name, value))
                curs.execute(self._sql["select_meta"], (name,))
                return bytes(curs.fetchone()["value"])

        def select_resource_ids(self, after: UUID | None, limit: int) -> list[UUID]:
            rows = self._fetch(self._sql["resource_ids"], (after, after, limit), one=False)
            return [r["id"] for r in rows]

        def select_events_in_originator_order(
            self, after: tuple[UUID, int] | None, limit: int
        ) -> list[Notification]:
            start = after or (UUID(int=0), -1)
            rows = self._fetch(self._sql["by_originator"], (*start, limit), one=False)
            return [
                Notification(
                    id=r["notification_id"],
                    originator_id=r["originator_id"],
                    originator_version=r["originator_version"],
                    topic=r["topic"],
                    state=bytes(r["state"]),
                )
                for r in rows
            ]

        def rebuild_read_models(self, writes: Iterator[ReadModelWrites]) -> None:
            with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
                self._lock_table(curs)  # no writer may slip in between replay and swap
                curs.execute(self._sql["truncate"])
                for batch in writes:
                    self._write_read_models(curs, batch)
