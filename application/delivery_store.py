"""Where the outbox lives: process recorders that also keep one row per delivery.

The outbox aggregates' events are the record of what was owed and sent; a
table of one row per delivery (resource, party, change, status, attempts,
remote id, last error, when it is next due, whether it is its outbox's head)
answers "what is due now" and "what failed" with one indexed query. Rows are
written in the transaction of the outbox events that define them, with the
tracking position of the planning log when the change came from following
it, so a restart resumes exactly where the last transaction ended.
"""

from __future__ import annotations

import sqlite3
from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import astuple, dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, ProcessRecorder, StoredEvent
from eventsourcing.popo import POPOProcessRecorder
from eventsourcing.sqlite import SQLiteProcessRecorder

from .recorders import _WriterLockFile


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
        }


_COLUMNS = (
    "id, outbox_id, resource_id, kind, party, seq, version, change, line_id, status, "
    "attempts, remote_id, last_error, due_at, updated_at, head"
)


class DeliveryRecorder(ProcessRecorder):
    """A process recorder with the deliveries table."""

    @abstractmethod
    def select_due(self, now: float, limit: int) -> list[UUID]:
        """Outboxes whose head is pending and due, the longest-waiting first."""

    @abstractmethod
    def select_deliveries(
        self, *, resource_id: UUID | None = None, party: str | None = None, status: str | None = None, limit: int = 1000
    ) -> list[DeliveryRow]:
        """Deliveries, by resource and order of changes."""

    @abstractmethod
    def select_delivery(self, delivery_id: UUID) -> DeliveryRow | None: ...


def _row(values: Sequence[Any]) -> DeliveryRow:
    (id_, outbox, resource, kind, party, seq, version, change, line_id, status, attempts, remote, error, due, at, head) = values
    return DeliveryRow(
        _uuid(id_), _uuid(outbox), _uuid(resource), kind, party, seq, version, change, line_id,
        status, attempts, remote, error, due, at, bool(head),
    )  # fmt: skip


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(value)


# --------------------------------------------------------------------- memory
class POPODeliveryRecorder(POPOProcessRecorder, DeliveryRecorder):
    def __init__(self) -> None:
        super().__init__()
        self._rows: dict[UUID, DeliveryRow] = {}

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        with self._database_lock:
            ids = super().insert_events(stored_events, **kwargs)
            for row in kwargs.get("delivery_rows", ()):
                self._rows[row.id] = row
        return ids

    def select_due(self, now: float, limit: int) -> list[UUID]:
        with self._database_lock:
            due = [r for r in self._rows.values() if r.head and r.status == "pending" and (r.due_at or 0) <= now]
        return [r.outbox_id for r in sorted(due, key=lambda r: r.due_at or 0)][:limit]

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


# --------------------------------------------------------------------- SQLite
class SQLiteDeliveryRecorder(SQLiteProcessRecorder, DeliveryRecorder):
    def __init__(self, datastore: Any, *, events_table_name: str = "setudelivery_events"):
        self.deliveries_table = f"{events_table_name.removesuffix('_events')}_deliveries"
        super().__init__(datastore, events_table_name=events_table_name)
        self._write_lock = _WriterLockFile.for_database(datastore.pool.db_name)

    def construct_create_table_statements(self) -> list[str]:
        t = self.deliveries_table
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {t} (id TEXT PRIMARY KEY, outbox_id TEXT NOT NULL, "
            "resource_id TEXT NOT NULL, kind TEXT NOT NULL, party TEXT NOT NULL, seq INTEGER NOT NULL, "
            "version INTEGER NOT NULL, change TEXT NOT NULL, line_id TEXT, status TEXT NOT NULL, "
            "attempts INTEGER NOT NULL, remote_id TEXT, last_error TEXT, due_at REAL, updated_at REAL, "
            "head INTEGER NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS {t}_due ON {t} (head, status, due_at)",
            f"CREATE INDEX IF NOT EXISTS {t}_by_resource ON {t} (resource_id, party, seq)",
            f"CREATE INDEX IF NOT EXISTS {t}_by_status ON {t} (status)",
        ]

    def create_table(self) -> None:
        # The library's tracking table is created, then marked migrated, in two
        # steps: processes starting together on a new file must take turns.
        with self._write_lock.held():
            super().create_table()

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        with self._write_lock.held():  # queue with the planning writers of every process
            return super().insert_events(stored_events, **kwargs)

    def _insert_events(self, c: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        rows = kwargs.get("delivery_rows", ())
        if rows:
            c.executemany(
                f"INSERT OR REPLACE INTO {self.deliveries_table} ({_COLUMNS}) VALUES ({', '.join('?' * 16)})",
                [_sqlite_values(r) for r in rows],
            )
        return ids

    def _select(self, where: str, params: Sequence[Any], tail: str = "") -> list[DeliveryRow]:
        with self.datastore.get_connection(commit=False) as connection:
            cursor = connection._sqlite_conn.cursor()  # noqa: SLF001
            try:
                cursor.execute(f"SELECT {_COLUMNS} FROM {self.deliveries_table} WHERE {where} {tail}", params)
                return [_row(tuple(r)) for r in cursor.fetchall()]
            except sqlite3.IntegrityError as error:  # pragma: no cover - reads do not conflict
                raise IntegrityError(error) from error
            finally:
                cursor.close()

    def select_due(self, now: float, limit: int) -> list[UUID]:
        rows = self._select(
            "head = 1 AND status = 'pending' AND COALESCE(due_at, 0) <= ?", (now, limit), "ORDER BY due_at LIMIT ?"
        )
        return [r.outbox_id for r in rows]

    def select_deliveries(
        self, *, resource_id: UUID | None = None, party: str | None = None, status: str | None = None, limit: int = 1000
    ) -> list[DeliveryRow]:
        where, params = _filters(resource_id and resource_id.hex, party, status)
        return self._select(where, (*params, limit), "ORDER BY resource_id, party, seq LIMIT ?")

    def select_delivery(self, delivery_id: UUID) -> DeliveryRow | None:
        rows = self._select("id = ?", (delivery_id.hex,))
        return rows[0] if rows else None


def _sqlite_values(row: DeliveryRow) -> tuple[Any, ...]:
    values = list(astuple(row))
    for i in (0, 1, 2):
        values[i] = values[i].hex
    values[15] = int(values[15])
    return tuple(values)


def _filters(resource_id: Any, party: str | None, status: str | None, mark: str = "?") -> tuple[str, list[Any]]:
    clauses, params = ["1 = 1"], []
    for column, value in (("resource_id", resource_id), ("party", party), ("status", status)):
        if value is not None:
            clauses.append(f"{column} = {mark}")
            params.append(value)
    return " AND ".join(clauses), params


# ----------------------------------------------------------------- PostgreSQL
try:
    from eventsourcing.postgres import PostgresProcessRecorder
    from psycopg.sql import SQL, Identifier
except ImportError:  # pragma: no cover - exercised only without the extra
    PostgresProcessRecorder = None  # type: ignore[assignment,misc]

if PostgresProcessRecorder is not None:

    class PostgresDeliveryRecorder(PostgresProcessRecorder, DeliveryRecorder):
        def __init__(self, datastore: Any, *, events_table_name: str, tracking_table_name: str):
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
                    "updated_at double precision, head boolean NOT NULL)"
                ).format(s=schema, t=table),
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
                "INSERT INTO {s}.{t} (" + _COLUMNS + ") VALUES (" + ", ".join(["%s"] * 16) + ") "
                "ON CONFLICT (id) DO UPDATE SET status = excluded.status, attempts = excluded.attempts, "
                "remote_id = excluded.remote_id, last_error = excluded.last_error, due_at = excluded.due_at, "
                "updated_at = excluded.updated_at, head = excluded.head"
            ).format(s=schema, t=table)
            self._select_sql = SQL("SELECT " + _COLUMNS + " FROM {s}.{t} WHERE ").format(s=schema, t=table)

        def create_table(self) -> None:
            from .recorders import schema_lock

            with schema_lock(self.datastore):
                super().create_table()

        def _insert_events(self, curs: Any, stored_events: Any, **kwargs: Any) -> None:
            super()._insert_events(curs, stored_events, **kwargs)
            rows = kwargs.get("delivery_rows", ())
            if rows:
                curs.executemany(self._upsert, [astuple(r) for r in rows])

        def _select(self, where: str, params: Sequence[Any], tail: str = "") -> list[DeliveryRow]:
            with self.datastore.get_connection() as conn, conn.cursor() as curs:
                curs.execute(self._select_sql + SQL(where + " " + tail), params)
                return [_row(tuple(r.values())) for r in curs.fetchall()]

        def select_due(self, now: float, limit: int) -> list[UUID]:
            rows = self._select(
                "head AND status = 'pending' AND COALESCE(due_at, 0) <= %s", (now, limit), "ORDER BY due_at LIMIT %s"
            )
            return [r.outbox_id for r in rows]

        def select_deliveries(
            self,
            *,
            resource_id: UUID | None = None,
            party: str | None = None,
            status: str | None = None,
            limit: int = 1000,
        ) -> list[DeliveryRow]:
            where, params = _filters(resource_id, party, status, "%s")
            return self._select(where, (*params, limit), "ORDER BY resource_id, party, seq LIMIT %s")

        def select_delivery(self, delivery_id: UUID) -> DeliveryRow | None:
            rows = self._select("id = %s", (delivery_id,))
            return rows[0] if rows else None
