"""The table of workers' data keys, as every store keeps it (see :mod:`..worker_keys`).

One row per worker subject (``workerId`` scheme and value, as a keyed digest):
a random key id, the digest of the worker's id alone (to erase by id without
a scheme) and the key, wrapped by the store's cipher when one is configured.
Beside it, the erasures: whose (digest), when, by whom.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime

from eventsourcing.persistence import IntegrityError


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


class KeyTable(ABC):
    """Where the keys are stored: one implementation per backend, same questions."""

    @abstractmethod
    def claim(self, row: KeyRow) -> KeyRow:
        """Store ``row`` unless the subject already has a key; return the subject's key."""

    @abstractmethod
    def by_id(self, key_id: str) -> KeyRow | None:
        """The key of that id, if not destroyed."""

    @abstractmethod
    def by_subject(self, subject: str) -> KeyRow | None:
        """The key of a worker subject (digest of scheme and id), if it has one."""

    @abstractmethod
    def of_worker(self, worker: str, subject: str | None) -> list[KeyRow]:
        """The keys of a worker: of one subject (id in one scheme), or of every scheme."""

    @abstractmethod
    def destroy(self, key_ids: list[str], record: Erasure) -> None:
        """Delete the keys for good and record the erasure, in one transaction."""

    @abstractmethod
    def erasures(self, worker: str) -> list[Erasure]:
        """The erasures recorded of a worker (by digest), oldest first."""

    @abstractmethod
    def erasure_count(self) -> int:
        """How many erasures the store has recorded: what a cache of decoded data checks to know it is still true."""


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

    def check_new(self, rows: list[KeyRow]) -> None:
        """Refuse keys for subjects that have one (another save made it first): the save conflicts."""
        with self._lock:
            taken = {r.subject for r in self._rows.values()}
            if any(row.subject in taken for row in rows):
                raise IntegrityError("another save created this worker's data key first")

    def add_new(self, rows: list[KeyRow]) -> None:
        with self._lock:
            self._rows.update((row.key_id, row) for row in rows)

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

    def erasure_count(self) -> int:
        return len(self._erasures)
