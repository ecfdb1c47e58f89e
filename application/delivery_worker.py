"""Delivery in the background: one process of a store delivers at a time, whichever holds the store's lock.

:class:`DeliveryLock` is the lock the store gives (:meth:`~.stores.contract.PlanningStore.delivery_lock`:
a PostgreSQL advisory lock; a lock on a file beside a SQLite database),
released by the operating system or the database when its holder dies, so
another process takes over. :class:`DeliveryWorker` runs delivery in a thread
whenever this process holds it.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from typing import Protocol

from .delivery_transport import ProcessExiting, Transport
from .stores.contract import PlanningStore

log = logging.getLogger("setu_planning.delivery")


class HasStore(Protocol):
    """An application whose store gives the delivery lock."""

    @property
    def store(self) -> PlanningStore: ...


def _lock_line(*, held: bool) -> None:
    """A ``delivery.lock`` line: which process delivers for the store (the log formatter reads the extras)."""
    fields = {"held": held, "pid": os.getpid()}
    log.info("delivery.lock", extra={"setu_event": "delivery.lock", "setu_fields": fields})


class DeliveryLock:
    """Held by the one process of a store that delivers; the store releases it when the holder dies."""

    def __init__(self, planning: HasStore):
        self._store_lock = planning.store.delivery_lock()
        self._thread_lock = threading.Lock()
        self._held = False

    def try_acquire(self) -> bool:
        if self._held:
            return True
        if not self._thread_lock.acquire(blocking=False):
            return False
        try:
            self._held = self._store_lock.try_acquire()
        finally:
            if not self._held:
                self._thread_lock.release()
        if self._held:
            _lock_line(held=True)
        return self._held

    def release(self) -> None:
        if not self._held:
            return
        try:
            self._store_lock.release()
        finally:
            self._held = False
            self._thread_lock.release()
            _lock_line(held=False)

    def still_held(self) -> bool:
        """Whether the lock is still ours (a PostgreSQL session can be cut under us)."""
        if not self._held:
            return False
        if not self._store_lock.still_held():
            self.release()
            return False
        return True


class Delivering(Protocol):
    """What the worker drives: follow and send, wait for work, be woken; and the store it delivers for."""

    @property
    def planning(self) -> HasStore: ...

    def run_once(self, transport: Transport, *, wait: bool = True) -> int: ...

    def wait(self, seconds: float) -> None: ...

    def wake(self) -> None: ...


@dataclass
class DeliveryWorker:
    """Runs delivery for a store in a background thread, whenever this process holds the store's lock."""

    delivery: Delivering
    transport: Transport
    poll_seconds: float = 0.5
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> DeliveryWorker:
        self._thread = threading.Thread(target=self._run, name="setu-delivery", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.delivery.wake()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        lock = DeliveryLock(self.delivery.planning)
        while not self._stop.is_set():
            if not threading.main_thread().is_alive():
                break  # the process is exiting: its database and thread pools are going away
            try:
                if not lock.try_acquire():
                    self._stop.wait(self.poll_seconds)
                    continue
                while not self._stop.is_set() and lock.still_held():
                    if self.delivery.run_once(self.transport, wait=False) == 0:
                        self.delivery.wait(self.poll_seconds)
            except ProcessExiting:
                break
            except Exception:  # noqa: BLE001 - keep delivering; the store or a counterparty may recover
                if not threading.main_thread().is_alive():
                    break
                log.exception("delivery worker error; retrying")
                self._stop.wait(self.poll_seconds)
        lock.release()
