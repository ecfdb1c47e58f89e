"""Locks on files beside a SQLite database: POSIX record locks, dropped by the kernel when their process dies."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager


def in_memory(db_name: str) -> bool:
    """Whether a SQLite database name is an in-memory database (no file beside which to lock)."""
    return ":memory:" in db_name or "mode=memory" in db_name


class WriterLockFile:
    """An exclusive lock on a file beside the database, held while writing.

    SQLite lets one writer in at a time; the others poll its busy handler,
    sleeping 1, 2, 5, 10… ms between tries. Queuing on a kernel lock instead
    hands the write lock over as soon as it is free. One per database file per
    process (POSIX record locks belong to the process), with a thread lock
    in front of it.
    """

    _instances: dict[str, WriterLockFile] = {}
    _instances_lock = threading.Lock()

    def __init__(self, path: str | None):
        self._path = path
        self._fd: int | None = None
        self._thread_lock = threading.Lock()

    @classmethod
    def for_database(cls, db_name: str) -> WriterLockFile:
        path = None if in_memory(db_name) else f"{db_name}-setu.lock"
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


class DeliveryLockFile:
    """The delivery lock of a SQLite store: a lock on a file beside it, taken without waiting."""

    def __init__(self, db_name: str):
        self._path = None if in_memory(db_name) else f"{db_name}-setu-deliver.lock"
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self._path is None:  # in memory: one process, the thread lock suffices
            return True
        if self._fd is None:
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.lockf(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 0)
        except OSError:
            return False
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.lockf(self._fd, fcntl.LOCK_UN, 1, 0)

    def still_held(self) -> bool:
        return True  # a record lock stays until released or the process ends
