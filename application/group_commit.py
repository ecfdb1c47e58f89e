"""Group commit: concurrent saves of one process share one transaction.

Every write transaction on the event store pays a fixed price: PostgreSQL's
``LOCK TABLE … IN EXCLUSIVE MODE`` (which keeps notification ids committing
in order, so followers of the log never skip one) and the commit's flush to
disk; SQLite's single-writer lock and its WAL sync. Paying it once per
request caps every writer on the store. Here the first thread to arrive
writes everything queued meanwhile in one transaction; the others wait for
its outcome. The ordering guarantee is unchanged: one transaction, one lock.

A group fails as a whole when one of its saves conflicts (optimistic
concurrency: another writer took that aggregate version first, or a
documentId). Then each save of the group is written again alone, so only the
conflicting one sees its ``IntegrityError`` and is re-run by its command.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from eventsourcing.persistence import IntegrityError, StoredEvent, Tracking

from .readmodels import ReadModelWrites


@dataclass
class PendingSave:
    """One save() waiting to be written: its events, its read-model changes, then its outcome."""

    stored_events: Sequence[StoredEvent]
    read_models: ReadModelWrites | None
    tracking: Tracking | None = None
    notification_ids: Sequence[int] | None = None
    error: BaseException | None = None
    done: bool = False


class Joining(Protocol):
    """What waits in a :class:`Batch`: marked done once its group is written."""

    done: bool


M = TypeVar("M", bound=Joining)


@dataclass
class _Place(Generic[M]):
    """A member's place in the queue: woken when written, or when the write it waited for has ended."""

    member: M
    woken: threading.Event = field(default_factory=threading.Event)


class Batch(Generic[M]):
    """Leader and followers: the first to find no write under way writes everything queued, the others wait.

    A waiting member is woken when its group is written; when a write ends,
    the first member still queued is woken to lead the next one, unless a
    thread arriving meanwhile already did. Waking every waiter after every
    write, to have them look whether it was theirs, cost more than the writes
    under load. ``write(group)`` must not raise: it
    records each member's own outcome on the member.
    """

    def __init__(self, write: Callable[[list[M]], None]):
        self._write = write
        self._lock = threading.Lock()
        self._queue: list[_Place[M]] = []
        self._writing = False

    def join(self, member: M) -> None:
        """Return once ``member`` has been written, by this thread or by the one that took it."""
        place = _Place(member)
        with self._lock:
            self._queue.append(place)
            leads = not self._writing
            self._writing = True
        while not leads:
            place.woken.wait()
            place.woken.clear()
            with self._lock:
                if member.done:
                    return
                leads = not self._writing  # woken to lead; a thread that came meanwhile may have taken over
                self._writing = True
        with self._lock:
            group, self._queue = self._queue, []
        try:
            self._write([each.member for each in group])
        finally:
            with self._lock:
                for each in group:
                    each.member.done = True
                self._writing = False  # a thread arriving now leads at once, without waiting for a hand-over
                waiting = self._queue[0] if self._queue else None
            for each in group:
                if each is not place:
                    each.woken.set()
            if waiting is not None:
                waiting.woken.set()


class GroupCommit:
    """Writes concurrent saves together; ``write(group)`` writes a list of saves in one transaction."""

    def __init__(self, write: Callable[[Sequence[PendingSave]], None]):
        self._write = write
        self._batch = Batch[PendingSave](self._write_with_fallback)

    def save(self, pending: PendingSave) -> Sequence[int] | None:
        """Write ``pending`` (with whatever else is queued); raise its own error, if any."""
        self._batch.join(pending)
        return self._outcome(pending)

    def _write_with_fallback(self, group: list[PendingSave]) -> None:
        try:
            self._write(group)
        except IntegrityError as error:
            if len(group) == 1:
                group[0].error = error
                return
            for member in group:  # find the conflicting one(s): each alone
                try:
                    self._write([member])
                except Exception as alone:  # noqa: BLE001 - delivered to its own caller
                    member.error = alone
        except Exception as error:  # noqa: BLE001 - every member shares the failure
            for member in group:
                member.error = error

    @staticmethod
    def _outcome(pending: PendingSave) -> Sequence[int] | None:
        if pending.error is not None:
            raise pending.error
        return pending.notification_ids
