"""Lines already turned into times: per resource version and window, kept per process.

A planner asks the same questions again and again (a board refreshed, a week
stepped back and forth), and a resource's lines mean the same times for as
long as its version is unchanged. Expanding them (:mod:`setu_planning.domain.calendar`)
was a third of a worker's conflicts query; this keeps the result under
(resource, version, kind of lines, window). The key holds the version, so a
change is never answered from an older expansion; and what is kept is times,
line ids, statuses and quantities only, no worker's personal data, so an
erasure has nothing here to outlive it. It is bounded (least recently used
first out), so memory does not grow with the store.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any
from uuid import UUID

from setu_planning.domain.calendar import PLANNING_LINES, Calendar, LineFields, Occurrence

if TYPE_CHECKING:
    from .states import ResourceState

MAX_ENTRIES = 8192


class _Bounded:
    """A thread-safe LRU: least recently used out first once ``max_entries`` are held."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def _get(self, key: Hashable) -> Any:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def _put(self, key: Hashable, found: Any) -> None:
        with self._lock:
            self._entries[key] = found
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)


class ExpandedLines(_Bounded):
    """``Calendar.expand`` and ``Calendar.shifts`` of resource states, remembered.

    The calendar is part of the key: one reading times in another zone expands the same lines anew.
    """

    def expand(
        self,
        calendar: Calendar,
        state: ResourceState,
        since: dt.datetime,
        until: dt.datetime,
        fields: LineFields = PLANNING_LINES,
    ) -> tuple[Occurrence, ...]:
        """Every occurrence of the state's lines overlapping ``[since, until)``, by start time."""
        key = (state.id, state.version, calendar, fields.periodic, since, until)
        found: tuple[Occurrence, ...] | None = self._get(key)
        if found is None:
            found = tuple(calendar.expand(state.message, since, until, fields=fields, resource=str(state.id)))
            self._put(key, found)
        return found

    def shifts(
        self, calendar: Calendar, state: ResourceState, since: dt.datetime, until: dt.datetime
    ) -> tuple[Occurrence, ...]:
        """The planning-line occurrences of the state that start in ``[since, until)``."""
        key = (state.id, state.version, calendar, "shifts", since, until)
        found: tuple[Occurrence, ...] | None = self._get(key)
        if found is None:
            found = tuple(calendar.shifts(state.message, since, until, resource=str(state.id)))
            self._put(key, found)
        return found


class PastStates(_Bounded):
    """States of resources at past versions, as an as-of query rebuilt them, kept per (resource, version).

    A past version never changes, except when a worker is erased: the worker's
    data then reads as erased. So the holder asks :meth:`still_true` with the
    store's count of erasures before each use: a new erasure, by this process
    or any other, empties it (and the caller drops its cached keys), and
    nothing decoded outlives the key it was decoded with.
    """

    def __init__(self, max_entries: int = MAX_ENTRIES):
        super().__init__(max_entries)
        self._erasures: int | None = None

    def still_true(self, erasures: int) -> bool:
        """Whether what is kept was decoded since the last erasure; if not, it is forgotten now."""
        with self._lock:
            if erasures == self._erasures:
                return True
            self._entries.clear()
            self._erasures = erasures
            return False

    def get(self, kind: str, uuid: UUID, version: int) -> ResourceState | None:
        found: ResourceState | None = self._get((kind, uuid, version))
        return found

    def put(self, state: ResourceState) -> None:
        self._put((state.kind, state.id, state.version), state)
