"""The workers' key table in the SQLite database, written under the recorder's writer lock."""

from __future__ import annotations

import sqlite3
import time
from datetime import datetime
from typing import Any

from .keys import Erasure, KeyRow, KeyTable
from .sqlite import SQLitePlanningRecorder

ERASE_CHECKPOINT_ATTEMPTS = 50


class SQLiteKeyTable(KeyTable):
    """Keys in the SQLite database, written under the recorder's writer lock."""

    def __init__(self, recorder: SQLitePlanningRecorder):
        self._recorder = recorder
        self.table = f"{recorder.events_table_name}_worker_keys"
        self.log = f"{recorder.events_table_name}_erasures"
        with self._writing() as c:
            c.execute(
                f"CREATE TABLE IF NOT EXISTS {self.table} (key_id TEXT PRIMARY KEY, subject TEXT NOT NULL UNIQUE, "
                "worker TEXT NOT NULL, wrapped BLOB NOT NULL)"
            )
            c.execute(f"CREATE INDEX IF NOT EXISTS {self.table}_of_worker ON {self.table} (worker)")
            c.execute(
                f"CREATE TABLE IF NOT EXISTS {self.log} (worker TEXT NOT NULL, erased_at TEXT NOT NULL, "
                "actor TEXT NOT NULL)"
            )

    def _writing(self) -> Any:
        return self._recorder.writing()

    def _rows(self, where: str, params: tuple[Any, ...]) -> list[KeyRow]:
        with self._recorder._reading() as c:  # noqa: SLF001
            c.execute(f"SELECT key_id, subject, worker, wrapped FROM {self.table} WHERE {where}", params)
            return [KeyRow(r[0], r[1], r[2], bytes(r[3])) for r in c.fetchall()]

    def claim(self, row: KeyRow) -> KeyRow:
        with self._writing() as c:
            c.execute(
                f"INSERT OR IGNORE INTO {self.table} VALUES (?, ?, ?, ?)",
                (row.key_id, row.subject, row.worker, row.wrapped),
            )
            c.execute(f"SELECT key_id, subject, worker, wrapped FROM {self.table} WHERE subject = ?", (row.subject,))
            found = c.fetchone()
        return KeyRow(found[0], found[1], found[2], bytes(found[3]))

    def by_id(self, key_id: str) -> KeyRow | None:
        rows = self._rows("key_id = ?", (key_id,))
        return rows[0] if rows else None

    def by_subject(self, subject: str) -> KeyRow | None:
        rows = self._rows("subject = ?", (subject,))
        return rows[0] if rows else None

    def of_worker(self, worker: str, subject: str | None) -> list[KeyRow]:
        if subject is None:
            return self._rows("worker = ?", (worker,))
        return self._rows("worker = ? AND subject = ?", (worker, subject))

    def destroy(self, key_ids: list[str], record: Erasure) -> None:
        with self._writing() as c:
            c.execute("PRAGMA secure_delete = ON")  # freed pages are overwritten, not left to be read
            c.executemany(f"DELETE FROM {self.table} WHERE key_id = ?", [(k,) for k in key_ids])
            c.execute(
                f"INSERT INTO {self.log} VALUES (?, ?, ?)", (record.worker, record.erased_at.isoformat(), record.actor)
            )
        # The log still holds the pages as they were before the delete: fold it into the database
        # and truncate it. A reader mid-query can hold the checkpoint back; try a few times.
        connection = sqlite3.connect(self._recorder.datastore.pool.db_name, uri=True, timeout=10)
        try:
            connection.execute("PRAGMA secure_delete = ON")
            for _ in range(ERASE_CHECKPOINT_ATTEMPTS):
                busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                if not busy:
                    break
                time.sleep(0.1)
        finally:
            connection.close()

    def erasures(self, worker: str) -> list[Erasure]:
        with self._recorder._reading() as c:  # noqa: SLF001
            c.execute(f"SELECT worker, erased_at, actor FROM {self.log} WHERE worker = ? ORDER BY erased_at", (worker,))
            return [Erasure(r[0], datetime.fromisoformat(r[1]), r[2]) for r in c.fetchall()]

    def erasure_count(self) -> int:
        with self._recorder._reading() as c:  # noqa: SLF001
            c.execute(f"SELECT count(*) FROM {self.log}")
            return int(c.fetchone()[0])
