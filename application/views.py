"""Rendered views of the present: what a GET answers, kept per process, never stale.

A GET of a resource that did not change since the last GET would decode the
stored row and encode the same answer again. The cache keeps the answer under
(resource, version, variant), where the variant says how it was rendered
(format, SETU version); every request still reads the resource's current
version from the store first (one indexed read of one integer), so a change
made by any process or node is seen at once. What a party may see is decided
from the parties the message names, kept beside the answer. It is bounded
(least recently used first out), so memory does not grow with the store.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from setu_planning.domain.parties import PartyIdentifier

MAX_ENTRIES = 4096


class ViewCache:
    """A thread-safe LRU of rendered views: key -> (identifiers the message names, view)."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self._entries: OrderedDict[Hashable, tuple[frozenset[PartyIdentifier], Any]] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> tuple[frozenset[PartyIdentifier], Any] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: Hashable, named: frozenset[PartyIdentifier], view: Any) -> None:
        with self._lock:
            self._entries[key] = (named, view)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every view (a worker was erased: no rendering of its data may outlive its key)."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
