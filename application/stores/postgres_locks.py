"""PostgreSQL's advisory locks: one to create tables in turn, one held by the process that delivers.

An advisory lock belongs to a database session: when its holder dies, the
session ends and PostgreSQL drops the lock, so another process takes over.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from eventsourcing.postgres import PostgresDatastore

SCHEMA_LOCK = 0x5E7F_5C4E_3A01
DELIVERY_LOCK = int.from_bytes(hashlib.sha256(b"setu-planning delivery").digest()[:8], "big", signed=True)


@contextmanager
def schema_lock(datastore: PostgresDatastore) -> Iterator[None]:
    """Processes and nodes starting together on one database create its tables one at a time.

    ``CREATE TABLE IF NOT EXISTS`` is not safe under concurrency in
    PostgreSQL (two sessions can both decide to create); an advisory lock
    makes the others wait and then find the tables there.
    """
    with datastore.get_connection() as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK,))


class AdvisoryDeliveryLock:
    """The delivery lock of a PostgreSQL store: an advisory lock on a session of its own."""

    def __init__(self, datastore: PostgresDatastore):
        self._datastore = datastore
        self._connection: psycopg.Connection[tuple[object, ...]] | None = None

    def try_acquire(self) -> bool:
        info = self._datastore.pool.kwargs
        assert isinstance(info, dict)  # the library's pool is always given its connection settings
        connection = psycopg.connect(
            dbname=info["dbname"], host=info["host"], port=info["port"], user=info["user"],
            password=info["password"], autocommit=True, connect_timeout=5,
        )  # fmt: skip
        row = connection.execute("SELECT pg_try_advisory_lock(%s)", (DELIVERY_LOCK,)).fetchone()
        if row is not None and row[0]:
            self._connection = connection
            return True
        connection.close()
        return False

    def release(self) -> None:
        if self._connection is not None:
            self._connection.close()  # ends the session: PostgreSQL drops its advisory locks
            self._connection = None

    def still_held(self) -> bool:
        """Whether the session, and so the lock, is still there (a session can be cut under us)."""
        if self._connection is None:
            return False
        try:
            self._connection.execute("SELECT 1")
        except Exception:  # noqa: BLE001 - any failure means the session, and the lock, are gone
            return False
        return True
