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
from typing import TYPE_CHECKING

from setu_planning.domain.calendar import PLANNING_LINES, Calendar, LineFields, Occurrence

if TYPE_CHECKING:
    from .states import ResourceState

MAX_ENTRIES = 8192


class ExpandedLines:
    """``Calendar.expand`` and ``Calendar.shifts`` of resource states, remembered (a thread-safe LRU).

    The calendar is part of the key: one reading times in another zone expands the same lines anew.
    """

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self._entries: OrderedDict[Hashable, tuple[Occurrence, ...]] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()

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
        found = self._get(key)
        if found is None:
            found = tuple(calendar.expand(state.message, since, until, fields=fields, resource=str(state.id)))
            self._put(key, found)
        return found

    def shifts(
        self, calendar: Calendar, state: ResourceState, since: dt.datetime, until: dt.datetime
    ) -> tuple[Occurrence, ...]:
        """The planning-line occurrences of the state that start in ``[since, until)``."""
        key = (state.id, state.version, calendar, "shifts", since, until)
        found = self._get(key)
        if found is None:
            found = tuple(calendar.shifts(state.message, since, until, resource=str(state.id)))
            self._put(key, found)
        return found

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def _get(self, key: Hashable) -> tuple[Occurrence, ...] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def _put(self, key: Hashable, found: tuple[Occurrence, ...]) -> None:
        with self._lock:
            self._entries[key] = found
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
