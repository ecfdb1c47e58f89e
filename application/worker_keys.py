"""Each worker's own data key, kept apart so that destroying it erases the worker.

Keys live in a table of their own (``<events>_worker_keys``): a random key id,
the keyed digest of the worker (``workerId`` scheme and value; and of the value
alone, to erase by id without a scheme), and the key, wrapped by the store's
cipher when ``SETU_PLANNING_CIPHER_KEY`` is set. No worker id is stored in
clear. Erasure deletes the row; SQLite overwrites the freed bytes
(``PRAGMA secure_delete``) and its write-ahead log is truncated, so the key
is gone from the files, not just unlinked. Who erased whom, and when, is kept
in ``<events>_erasures`` under the same keyed digest.

Keys are cached per process for :data:`KEY_CACHE_SECONDS`; an erasure by one
process is therefore honoured by every other within that time.
"""

from __future__ import annotations

import base64
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from eventsourcing.cryptography import AESCipher
from eventsourcing.persistence import Cipher
from eventsourcing.utils import Environment

from setu_planning.domain.personal_data import WorkerRef

KEY_CACHE_SECONDS = 1.0
KEY_BYTES = 32


@dataclass(frozen=True)
class Erasure:
    """One erasure as recorded: the worker's keyed digest, when, and who asked."""

    worker: str
    erased_at: datetime
    actor: str


@dataclass(frozen=True)
class KeyRow:
    key_id: str
    subject: str
    worker: str
    wrapped: bytes


class KeyTable:
    """Where the keys are stored: one implementation per backend, same questions."""

    def claim(self, row: KeyRow) -> KeyRow:  # pragma: no cover - interface
        """Store ``row`` unless the subject already has a key; return the subject's key."""
        raise NotImplementedError

    def by_id(self, key_id: str) -> KeyRow | None:  # pragma: no cover - interface
        raise NotImplementedError

    def by_subject(self, subject: str) -> KeyRow | None:  # pragma: no cover - interface
        raise NotImplementedError

    def of_worker(self, worker: str, subject: str | None) -> list[KeyRow]:  # pragma: no cover - interface
        """The keys of a worker: of one subject (id in one scheme), or of every scheme."""
        raise NotImplementedError

    def destroy(self, key_ids: list[str], record: Erasure) -> None:  # pragma: no cover - interface
        """Delete the keys for good and record the erasure, in one transaction."""
        raise NotImplementedError

    def erasures(self, worker: str) -> list[Erasure]:  # pragma: no cover - interface
        raise NotImplementedError


class MemoryKeyTable(KeyTable):
    """Keys of an in-memory store (unit tests)."""

    def __init__(self) -> None:
        self._rows: dict[str, KeyRow] = {}
        self._erasures: list[Erasure] = []
        self._lock = threading.Lock()

    def claim(self, row: KeyRow) -> KeyRow:
        with self._lock:
            for existing in self._rows.values():
                if existing.subject == row.subject:
                    return existing
            self._rows[row.key_id] = row
            return row

    def by_id(self, key_id: str) -> KeyRow | None:
        return self._rows.get(key_id)

    def by_subject(self, subject: str) -> KeyRow | None:
        return next((r for r in self._rows.values() if r.subject == subject), None)

    def of_worker(self, worker: str, subject: str | None) -> list[KeyRow]:
        return [r for r in self._rows.values() if r.worker == worker and subject in (None, r.subject)]

    def destroy(self, key_ids: list[str], record: Erasure) -> None:
        with self._lock:
            for key_id in key_ids:
                self._rows.pop(key_id, None)
            self._erasures.append(record)

    def erasures(self, worker: str) -> list[Erasure]:
        return [e for e in self._erasures if e.worker == worker]


class SQLiteKeyTable(KeyTable):
    """Keys in the SQLite database, written under the recorder's writer lock."""

    def __init__(self, recorder: Any):
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
        recorder = self._recorder

        class _Writing:
            def __enter__(self_inner) -> sqlite3.Cursor:
                self_inner.lock = recorder._write_lock.held()  # noqa: SLF001
                self_inner.lock.__enter__()
                self_inner.tx = recorder._write_transaction()  # noqa: SLF001
                return self_inner.tx.__enter__()

            def __exit__(self_inner, *exc: Any) -> None:
                try:
                    self_inner.tx.__exit__(*exc)
                finally:
                    self_inner.lock.__exit__(*exc)

        return _Writing()

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
            for _ in range(50):
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


class PostgresKeyTable(KeyTable):
    """Keys in the PostgreSQL schema of the store."""

    def __init__(self, recorder: Any):
        from psycopg.sql import SQL, Identifier

        from .recorders import schema_lock

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
                SQL("CREATE TABLE IF NOT EXISTS {} (worker text NOT NULL, erased_at timestamptz NOT NULL, "
                    "actor text NOT NULL)").format(self._log)
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


def key_table_for(recorder: Any) -> KeyTable:
    """The key table beside a planning recorder's events, by its backend."""
    datastore = getattr(recorder, "datastore", None)
    if datastore is None:
        return MemoryKeyTable()
    if hasattr(datastore, "pool") and hasattr(datastore.pool, "db_name"):
        return SQLiteKeyTable(recorder)
    return PostgresKeyTable(recorder)


class WorkerKeyring:
    """Data keys by worker: created on first use, wrapped by the store cipher, cached briefly."""

    def __init__(self, table: KeyTable, digest: Callable[[str], str], store_cipher: Cipher | None):
        self.table = table
        self._digest = digest
        self._store_cipher = store_cipher
        self._by_subject: dict[str, tuple[float, str, AESCipher]] = {}
        self._by_id: dict[str, tuple[float, AESCipher | None]] = {}

    def worker_digest(self, value: str) -> str:
        return self._digest(f"erasure-worker:{value}")

    def subject_digest(self, worker: WorkerRef) -> str:
        return self._digest(f"erasure-subject:{worker.scheme}:{worker.value}")

    def key_for(self, worker: WorkerRef) -> tuple[str, AESCipher]:
        """The worker's key id and cipher, made now if the worker has none (or had it erased)."""
        subject = self.subject_digest(worker)
        cached = self._by_subject.get(subject)
        now = time.monotonic()
        if cached is not None and now - cached[0] < KEY_CACHE_SECONDS:
            return cached[1], cached[2]
        row = self.table.by_subject(subject)  # a read; only a worker new to the store costs a write
        if row is None:
            fresh = KeyRow(uuid4().hex, subject, self.worker_digest(worker.value), self._wrap(os.urandom(KEY_BYTES)))
            row = self.table.claim(fresh)
        cipher = self._cipher(row.wrapped)
        self._by_subject[subject] = (now, row.key_id, cipher)
        self._by_id[row.key_id] = (now, cipher)
        return row.key_id, cipher

    def cipher_of(self, key_id: str) -> AESCipher | None:
        """The cipher of a key id; None once the key was destroyed."""
        now = time.monotonic()
        cached = self._by_id.get(key_id)
        if cached is not None and now - cached[0] < KEY_CACHE_SECONDS:
            return cached[1]
        row = self.table.by_id(key_id)
        cipher = None if row is None else self._cipher(row.wrapped)
        self._by_id[key_id] = (now, cipher)
        return cipher

    def forget(self) -> None:
        """Drop every cached key (this process just erased one)."""
        self._by_subject.clear()
        self._by_id.clear()

    def _wrap(self, key: bytes) -> bytes:
        return self._store_cipher.encrypt(key) if self._store_cipher else key

    def _cipher(self, wrapped: bytes) -> AESCipher:
        key = self._store_cipher.decrypt(wrapped) if self._store_cipher else wrapped
        return AESCipher(Environment(env={"CIPHER_KEY": base64.b64encode(key).decode()}))


def now_utc() -> datetime:
    return datetime.now(UTC)
