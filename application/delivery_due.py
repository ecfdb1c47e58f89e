"""Which due heads to send next: from the deliveries table, fairly, and not read again on every finished send.

Every finished send wakes the sender loop to fill its place. Reading the
table each time was most of the loop's work, so the heads read and left over
are kept a moment (:data:`KEPT_FOR`) and taken first; the table is not read
at all while every party is at its share (:class:`~.delivery_share.SendingShare`).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable

from .delivery_share import SendingShare
from .stores.contract import DeliveryRecorder, DueHead

SCAN_LIMIT = 4000
"""Due heads looked at, at most, to find ones whose party has room."""

KEPT_FOR = 0.1
"""Seconds the due heads read and left over are taken from before the table is read again."""


class DueHeads:
    """Picks the due heads to send now, each taken in the share until released."""

    def __init__(self, recorder: DeliveryRecorder, share: SendingShare, parties: Iterable[str], keep: int):
        self._recorder, self._share, self._keep = recorder, share, keep
        self._parties = set(parties)
        self._kept: list[DueHead] = []
        self._kept_at = 0.0

    def pick(self, room: int, now: float) -> list[DueHead]:
        """Up to ``room`` due heads, taken for sending."""
        due = self._take_kept(room, now)
        full = self._share.full(now)
        if len(due) < room and not self._all_full(full):
            due += self._read(room - len(due), now, full)
        return due

    def _all_full(self, full: list[str]) -> bool:
        """Every party at its share: a read would find nothing to take."""
        return bool(self._parties) and self._parties <= set(full)

    def _take_kept(self, room: int, now: float) -> list[DueHead]:
        if not self._kept or time.monotonic() - self._kept_at >= KEPT_FOR:
            self._kept = []
            return []
        taken = self._share.take(self._kept, room, now)
        self._kept = [head for head in self._kept if head not in taken]
        return taken

    def _read(self, room: int, now: float, full: list[str]) -> list[DueHead]:
        # Heads under way (or of parties at their share) are still due in the table and come first:
        # look a little past them, and deeper only while that finds too little.
        # Parties at their share are left out of the read: their backlog never hides another's head.
        scan, due = self._share.under_way() + 2 * room, list[DueHead]()
        while True:
            heads = self._recorder.select_due_heads(now, scan, full)
            due += self._share.take(heads, room - len(due), now)
            if len(due) >= room or len(heads) < scan or scan >= SCAN_LIMIT:
                break
            full = self._share.full(now)
            if self._all_full(full):
                break
            scan *= 4
        left = (head for head in heads if head not in due and not self._share.is_under_way(head.outbox_id))
        self._kept = list(itertools.islice(left, self._keep))
        self._kept_at = time.monotonic()
        return due
