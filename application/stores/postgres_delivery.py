"""The outbox on PostgreSQL: the library's process recorder plus one row per delivery, in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.postgres import PostgresDatastore, PostgresProcessRecorder
from psycopg.sql import SQL, Identifier

from .contract import (
    DELIVERY_ADDED_COLUMNS,
    DELIVERY_COLUMNS,
    DeliveryRecorder,
    DeliveryRow,
    DueHead,
    EncryptedColumn,
    delivery_filters,
)
from .postgres_locks import schema_lock


class PostgresDeliveryRecorder(PostgresProcessRecorder, DeliveryRecorder):
    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str, tracking_table_name: str):
        super().__init__(datastore, events_table_name=events_table_name, tracking_table_name=tracking_table_name)
        schema = Identifier(self.datastore.schema)
        name = f"{events_table_name.removesuffix('_events')}_deliveries"
        table = Identifier(name)
        self.sql_create_statements += [
            SQL(
                "CREATE TABLE IF NOT EXISTS {s}.{t} (id uuid PRIMARY KEY, outbox_id uuid NOT NULL, "
                "resource_id uuid NOT NULL, kind text NOT NULL, party text NOT NULL, seq bigint NOT NULL, "
                "version bigint NOT NULL, change text NOT NULL, line_id text, status text NOT NULL, "
                "attempts integer NOT NULL, remote_id text, last_error text, due_at double precision, "
                "updated_at double precision, head boolean NOT NULL, queued_at double precision, "
                "last_attempt_at double precision, warning text)"
            ).format(s=schema, t=table),
            # a table made by an earlier version gains the columns added since
            *(
                SQL("ALTER TABLE {s}.{t} ADD COLUMN IF NOT EXISTS {c} " + pg_type).format(
                    s=schema, t=table, c=Identifier(column)
                )
                for column, _, pg_type in DELIVERY_ADDED_COLUMNS
            ),
            SQL("CREATE INDEX IF NOT EXISTS {i} ON {s}.{t} (head, status, due_at)").format(
                i=Identifier(f"{name}_due"), s=schema, t=table
            ),
            SQL("CREATE INDEX IF NOT EXISTS {i} ON {s}.{t} (resource_id, party, seq)").format(
                i=Identifier(f"{name}_by_resource"), s=schema, t=table
            ),
            SQL("CREATE INDEX IF NOT EXISTS {i} ON {s}.{t} (status)").format(
                i=Identifier(f"{name}_by_status"), s=schema, t=table
            ),
        ]
        self._upsert = SQL(
            "INSERT INTO {s}.{t} ("
            + DELIVERY_COLUMNS
            + ") VALUES ("
            + ", ".join(["%s"] * len(DELIVERY_COLUMNS.split(",")))
            + ") "
            "ON CONFLICT (id) DO UPDATE SET status = excluded.status, attempts = excluded.attempts, "
            "remote_id = excluded.remote_id, last_error = excluded.last_error, due_at = excluded.due_at, "
            "updated_at = excluded.updated_at, head = excluded.head, queued_at = excluded.queued_at, "
            "last_attempt_at = excluded.last_attempt_at, warning = excluded.warning"
        ).format(s=schema, t=table)
        self._select_sql = SQL("SELECT " + DELIVERY_COLUMNS + " FROM {s}.{t} WHERE ").format(s=schema, t=table)
        self._heads_sql = SQL("SELECT outbox_id, party, seq FROM {s}.{t} WHERE ").format(s=schema, t=table)

    def create_table(self) -> None:
        with schema_lock(self.datastore):
            super().create_table()

    def _insert_events(self, curs: Any, stored_events: Any, **kwargs: Any) -> None:
        super()._insert_events(curs, stored_events, **kwargs)
        rows = kwargs.get("delivery_rows", ())
        if rows:
            curs.executemany(self._upsert, [r.values() for r in rows])

    def _select(self, where: str, params: Sequence[Any], tail: str = "") -> list[DeliveryRow]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._select_sql + SQL(where + " " + tail), params)
            return [DeliveryRow.from_values(tuple(r.values())) for r in curs.fetchall()]

    def select_due_heads(self, now: float, limit: int, skip_parties: Sequence[str] = ()) -> list[DueHead]:
        skip = f" AND party NOT IN ({', '.join(['%s'] * len(skip_parties))})" if skip_parties else ""
        where = f"head AND status = 'pending' AND COALESCE(due_at, 0) <= %s{skip} ORDER BY due_at LIMIT %s"
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._heads_sql + SQL(where), (now, *skip_parties, limit))
            return [DueHead(r["outbox_id"], r["party"], r["seq"]) for r in curs.fetchall()]  # a uuid column: UUIDs

    def select_deliveries(
        self,
        *,
        resource_id: UUID | None = None,
        party: str | None = None,
        status: str | None = None,
        limit: int = 1000,
    ) -> list[DeliveryRow]:
        where, params = delivery_filters(resource_id, party, status, "%s")
        return self._select(where, (*params, limit), "ORDER BY resource_id, party, seq LIMIT %s")

    def select_delivery(self, delivery_id: UUID) -> DeliveryRow | None:
        rows = self._select("id = %s", (delivery_id,))
        return rows[0] if rows else None

    def encrypted_columns(self) -> list[EncryptedColumn]:
        return [EncryptedColumn.of_events(self.events_table_name)]
