"""The workers' key table in the PostgreSQL schema of the store."""

from __future__ import annotations

from typing import Any

from psycopg.sql import SQL, Identifier

from .keys import Erasure, KeyRow, KeyTable
from .postgres_locks import schema_lock


class PostgresKeyTable(KeyTable):
    """Keys in the PostgreSQL schema of the store."""

    def __init__(self, recorder: Any):
        self._datastore = recorder.datastore
        self.table = f"{recorder.events_table_name}_worker_keys"
        schema = Identifier(recorder.datastore.schema)
        self._keys = SQL("{}.{}").format(schema, Identifier(f"{recorder.events_table_name}_worker_keys"))
        self._log = SQL("{}.{}").format(schema, Identifier(f"{recorder.events_table_name}_erasures"))
        self._sql = SQL
        with schema_lock(recorder.datastore), self._datastore.get_connection() as conn, conn.transaction():
            conn.execute(
                SQL(
                    "CREATE TABLE IF NOT EXISTS {} (key_id text PRIMARY KEY, subject text NOT NULL UNIQUE, "
                    "worker text NOT NULL, wrapped bytea NOT NULL)"
                ).format(self._keys)
            )
            conn.execute(
                SQL(
                    "CREATE TABLE IF NOT EXISTS {} (worker text NOT NULL, erased_at timestamptz NOT NULL, "
                    "actor text NOT NULL)"
                ).format(self._log)
            )

    def _rows(self, where: str, params: tuple[Any, ...]) -> list[KeyRow]:
        statement = self._sql("SELECT key_id, subject, worker, wrapped FROM {} WHERE " + where).format(self._keys)
        with self._datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, params)
            return [KeyRow(r["key_id"], r["subject"], r["worker"], bytes(r["wrapped"])) for r in curs.fetchall()]

    def claim(self, row: KeyRow) -> KeyRow:
        with self._datastore.get_connection() as conn, conn.transaction():
            conn.execute(
                self._sql("INSERT INTO {} VALUES (%s, %s, %s, %s) ON CONFLICT (subject) DO NOTHING").format(self._keys),
                (row.key_id, row.subject, row.worker, row.wrapped),
            )
        return self._rows("subject = %s", (row.subject,))[0]

    def by_id(self, key_id: str) -> KeyRow | None:
        rows = self._rows("key_id = %s", (key_id,))
        return rows[0] if rows else None

    def by_subject(self, subject: str) -> KeyRow | None:
        rows = self._rows("subject = %s", (subject,))
        return rows[0] if rows else None

    def of_worker(self, worker: str, subject: str | None) -> list[KeyRow]:
        if subject is None:
            return self._rows("worker = %s", (worker,))
        return self._rows("worker = %s AND subject = %s", (worker, subject))

    def destroy(self, key_ids: list[str], record: Erasure) -> None:
        with self._datastore.get_connection() as conn, conn.transaction():
            conn.execute(self._sql("DELETE FROM {} WHERE key_id = ANY(%s)").format(self._keys), (key_ids,))
            conn.execute(
                self._sql("INSERT INTO {} VALUES (%s, %s, %s)").format(self._log),
                (record.worker, record.erased_at, record.actor),
            )

    def erasures(self, worker: str) -> list[Erasure]:
        statement = self._sql("SELECT worker, erased_at, actor FROM {} WHERE worker = %s ORDER BY erased_at")
        with self._datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement.format(self._log), (worker,))
            return [Erasure(r["worker"], r["erased_at"], r["actor"]) for r in curs.fetchall()]

    def erasure_count(self) -> int:
        with self._datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._sql("SELECT count(*) AS erasures FROM {}").format(self._log))
            return int(curs.fetchone()["erasures"])
