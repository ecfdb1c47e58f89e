"""The PostgreSQL store, for shared deployments: read-model tables beside the events table, group commit
under one table lock.

This module needs the ``postgres`` extra (psycopg); it is imported only when
the persistence URL names PostgreSQL (see :mod:`..persistence`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any
from uuid import UUID

import eventsourcing.postgres as library
import psycopg
from eventsourcing.persistence import AggregateRecorder, IntegrityError, Notification, StoredEvent
from psycopg.sql import SQL, Identifier, Literal

from ..group_commit import GroupCommit, PendingSave
from ..readmodels import ReadModelWrites
from .contract import (
    DELIVERY_EVENTS_TABLE,
    DELIVERY_TRACKING_TABLE,
    DeliveryRecorder,
    EncryptedColumn,
    PlanningRecorder,
    PlanningStore,
    StoreLock,
    utc,
)
from .postgres_delivery import PostgresDeliveryRecorder
from .postgres_locks import AdvisoryDeliveryLock, schema_lock

REWRITE_BATCH = 500
"""Rows re-encrypted per transaction."""


class PostgresPlanningRecorder(library.PostgresApplicationRecorder, PlanningRecorder):
    """PostgreSQL: read-model tables beside the events table; group commit under one table lock."""

    def __init__(self, datastore: library.PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(self.datastore.schema)
        suffixes = ("timestamps", "current", "lookups", "documents", "meta")
        self._table_names = {s: f"{events_table_name}_{s}" for s in suffixes}
        self._tables = {s: Identifier(name) for s, name in self._table_names.items()}
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
            SQL("CREATE TABLE IF NOT EXISTS {s}.{t} (key text PRIMARY KEY, resource_id uuid NOT NULL)").format(
                s=schema, t=t["documents"]
            ),
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
            "select_document": SQL("SELECT resource_id FROM {s}.{t} WHERE key = %s").format(s=schema, t=t["documents"]),
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
        return self._group_commit.save(PendingSave(stored_events, kwargs.get("read_models"), kwargs.get("tracking")))

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
                            library.PostgresAggregateRecorder._insert_stored_events(self, events, pending.stored_events)
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
            row = curs.fetchone()
            assert row is not None  # claimed just above
            return bytes(row["value"])

    def select_resource_ids(self, after: UUID | None, limit: int) -> list[UUID]:
        rows = self._fetch(self._sql["resource_ids"], (after, after, limit), one=False)
        return [r["id"] for r in rows]

    def select_events_in_originator_order(self, after: tuple[UUID, int] | None, limit: int) -> list[Notification]:
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

    def encrypted_columns(self) -> list[EncryptedColumn]:
        return [
            EncryptedColumn.of_events(self.events_table_name),
            EncryptedColumn(self._table_names["current"], ("id",)),
            EncryptedColumn(self._table_names["meta"], ("name",), "value"),
        ]


class PostgresStore(library.PostgresFactory, PlanningStore):
    """A PostgreSQL database: nodes and processes anywhere share it, taking turns on advisory locks."""

    backend = "postgresql"
    application_recorder_class = PostgresPlanningRecorder

    def schema_lock(self) -> AbstractContextManager[None]:
        return schema_lock(self.datastore)

    def delivery_recorder(self) -> DeliveryRecorder:
        recorder = PostgresDeliveryRecorder(
            self.datastore, events_table_name=DELIVERY_EVENTS_TABLE, tracking_table_name=DELIVERY_TRACKING_TABLE
        )
        recorder.create_table()
        return recorder

    def delivery_snapshots(self) -> AggregateRecorder:
        with self.schema_lock():
            return self.aggregate_recorder(purpose="snapshots")

    def delivery_lock(self) -> StoreLock:
        return AdvisoryDeliveryLock(self.datastore)

    def rewrite(self, column: EncryptedColumn, transform: Callable[[bytes], bytes | None]) -> int:
        target = SQL("{}.{}").format(Identifier(self.datastore.schema), Identifier(column.table))
        names = SQL(", ").join(Identifier(k) for k in column.keys)
        marks = SQL(", ").join(SQL("%s") for _ in column.keys)
        value = Identifier(column.column)
        first = SQL("SELECT {k}, {c} FROM {t} ORDER BY {k} LIMIT %s FOR UPDATE").format(k=names, c=value, t=target)
        later = SQL("SELECT {k}, {c} FROM {t} WHERE ({k}) > ({m}) ORDER BY {k} LIMIT %s FOR UPDATE").format(
            k=names, c=value, t=target, m=marks
        )
        where = SQL(" AND ").join(SQL("{} = %s").format(Identifier(k)) for k in column.keys)
        update = SQL("UPDATE {t} SET {c} = %s WHERE {w}").format(t=target, c=value, w=where)
        changed = 0
        after: tuple[Any, ...] | None = None
        while True:
            with self.datastore.transaction(commit=True) as curs:
                if after is None:
                    curs.execute(first, (REWRITE_BATCH,))
                else:
                    curs.execute(later, (*after, REWRITE_BATCH))
                rows = [tuple(r.values()) for r in curs.fetchall()]
                if not rows:
                    return changed
                updates = [(new, *key) for *key, old in rows if (new := transform(bytes(old))) is not None]
                if updates:
                    curs.executemany(update, updates)
                    changed += len(updates)
            after = rows[-1][: len(column.keys)]
