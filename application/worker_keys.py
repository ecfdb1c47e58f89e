"""Each worker's own data key, kept apart so that destroying it erases the worker.

Keys live in a table of their own (``<events>_worker_keys``): a random key id,
the keyed digest of the worker (``workerId`` scheme and value; and of the value
alone, to erase by id without a scheme), and the key, wrapped by the store's
cipher when ``SETU_PLANNING_CIPHER_KEY`` is set. No worker id is stored in
clear. Erasure deletes the row; SQLite overwrites the freed bytes
(``PRAGMA secure_delete``) and its write-ahead log is truncated, so the key
is gone from the files, not just unlinked. Who erased whom, and when, is kept
in ``<events>_erasures`` under the same keyed digest.

A worker new to the store gets its key in the transaction of the save that
first holds the worker's data (:meth:`WorkerKeyring.creating`): one commit, not
two. Two saves racing to create the same worker's key conflict on its subject;
the loser writes nothing and its command is run again, finding the winner's key.

Keys are cached per process for :data:`KEY_CACHE_SECONDS`; an erasure by one
process is therefore honoured by every other within that time.
"""

from __future__ import annotations

import base64
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from uuid import uuid4

from eventsourcing.cryptography import AESCipher
from eventsourcing.persistence import Cipher
from eventsourcing.utils import Environment

from setu_planning.domain.personal_data import WorkerRef

from .stores.keys import Erasure, KeyRow, KeyTable

__all__ = ["KEY_BYTES", "KEY_CACHE_SECONDS", "Erasure", "KeyRow", "KeyTable", "WorkerKeyring", "now_utc"]

KEY_CACHE_SECONDS = 1.0
KEY_BYTES = 32


class WorkerKeyring:
    """Data keys by worker: created on first use, wrapped by the store cipher, cached briefly."""

    def __init__(self, table: KeyTable, digest: Callable[[str], str], store_cipher: Cipher | None):
        self.table = table
        self._digest = digest
        self._store_cipher = store_cipher
        self._by_subject: dict[str, tuple[float, str, AESCipher]] = {}
        self._by_id: dict[str, tuple[float, AESCipher | None]] = {}
        self._saving = threading.local()

    @contextmanager
    def creating(self, new_keys: list[KeyRow]) -> Iterator[None]:
        """While a save is encoded: keys of workers new to the store go into ``new_keys``, to be
        inserted with the save's events (see :class:`~.readmodels.ReadModelWrites`), not on their own."""
        previous = getattr(self._saving, "new_keys", None)
        self._saving.new_keys = new_keys
        try:
            yield
        finally:
            self._saving.new_keys = previous

    def adopt(self, new_keys: list[KeyRow]) -> None:
        """Cache the keys a save just committed."""
        now = time.monotonic()
        for row in new_keys:
            cipher = self._cipher(row.wrapped)
            self._by_subject[row.subject] = (now, row.key_id, cipher)
            self._by_id[row.key_id] = (now, cipher)

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
            new_keys = getattr(self._saving, "new_keys", None)
            made = next((r for r in new_keys or () if r.subject == subject), None)
            if made is not None:
                return made.key_id, self._cipher(made.wrapped)
            fresh = KeyRow(uuid4().hex, subject, self.worker_digest(worker.value), self._wrap(os.urandom(KEY_BYTES)))
            if new_keys is not None:  # written with the save's events; cached once they commit
                new_keys.append(fresh)
                return fresh.key_id, self._cipher(fresh.wrapped)
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
