"""Fair sending: no counterparty holds more than its share of the senders, and one that keeps failing is held back.

:class:`SendingShare` is the bookkeeping the delivery application consults
before handing a due head to a sender thread: how many deliveries each party
has under way (at most its concurrency), the party's circuit (after
:data:`CIRCUIT_FAILURES` retryable failures in a row the party is held back as
a whole, then probed one delivery at a time, and resumes when it answers), the
outboxes paused because even recording their outcome failed, and which errors
were logged lately (the same one of the same party once per
:data:`LOG_INTERVAL`). The state is per process: it is what this process's
senders do; the deliveries table carries the errors for every process.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from .delivery_transport import Backoff, Outcome
from .stores.contract import DueHead

log = logging.getLogger("setu_planning.delivery")

PARTY_CONCURRENCY = 16
"""Deliveries to one party under way at once unless the parties file says otherwise.

As many as one of our own servers, with its default settings, takes at once
(2 worker processes of 8 threads). A delivery counts from the moment it is
taken, so its own building and its answer's reading count too: at 8, as many
as a load generator (``wrk -c 8``) needs to keep such a server busy, fewer
than that were ever at the counterparty, and it was sent to at a fraction of
what it takes.
"""

CIRCUIT_FAILURES = 3
"""Retryable failures in a row after which a party is held back as a whole (one probe at a time)."""

_NOTE = re.compile(r" \[party \S+ (held back until [^\]]*)\]$")

LOG_INTERVAL = 60.0
"""The same error of the same party is logged once per this many seconds, not once per attempt."""


@dataclass
class Circuit:
    """A party that keeps failing is held back as a whole: after a pause, one probe at a time."""

    failures: int = 0
    open_until: float = 0.0
    reason: str = ""

    def held_back(self, now: float) -> bool:
        return self.failures >= CIRCUIT_FAILURES and now < self.open_until

    def failed(self, now: float, reason: str, backoff: Backoff) -> None:
        self.failures += 1
        self.reason = reason
        if self.failures >= CIRCUIT_FAILURES:
            self.open_until = now + backoff.delay(self.failures - CIRCUIT_FAILURES + 1)

    def answered(self) -> None:
        self.failures, self.open_until, self.reason = 0, 0.0, ""


def held_back_note(error: str | None) -> str | None:
    """The held-back note a failed attempt's error ends with, if it does ("held back until ...")."""
    found = _NOTE.search(error or "")
    return found.group(1) if found else None


class SendingShare:
    """Who may be sent to now; thread-safe, consulted by the sender pool of one process."""

    def __init__(self, backoff: Backoff, concurrency: Mapping[str, int] | None = None):
        self.backoff = backoff
        self.concurrency = dict(concurrency or {})
        self._lock = threading.Lock()
        self._in_flight: set[UUID] = set()
        self._answered: set[UUID] = set()  # under way, but no longer counted in the party's share
        self._sending: dict[str, int] = {}
        self._circuits: dict[str, Circuit] = {}
        self._cooling: dict[UUID, float] = {}
        self._logged: dict[tuple[str, str], float] = {}

    def take(self, heads: Iterable[DueHead], limit: int, now: float) -> list[DueHead]:
        """The due heads to send now, each counted as under way until :meth:`release`."""
        taken: list[DueHead] = []
        with self._lock:
            for head in heads:
                outbox_id, party = head.outbox_id, head.party
                if outbox_id in self._in_flight:
                    continue
                if outbox_id in self._cooling:
                    if self._cooling[outbox_id] > now:
                        continue
                    del self._cooling[outbox_id]
                circuit = self._circuits.get(party)
                room = self.concurrency.get(party, PARTY_CONCURRENCY)
                if circuit is not None and circuit.failures >= CIRCUIT_FAILURES:
                    room = 0 if circuit.held_back(now) else 1  # one probe
                if self._sending.get(party, 0) >= room:
                    continue
                self._sending[party] = self._sending.get(party, 0) + 1
                self._in_flight.add(outbox_id)
                taken.append(head)
                if len(taken) >= limit:
                    break
        return taken

    def full(self, now: float) -> list[str]:
        """The parties with no room now (at their share, or held back): their due heads need not be read."""
        with self._lock:
            full = []
            for party, sending in self._sending.items():
                room = self.concurrency.get(party, PARTY_CONCURRENCY)
                circuit = self._circuits.get(party)
                if circuit is not None and circuit.failures >= CIRCUIT_FAILURES:
                    room = 0 if circuit.held_back(now) else 1
                if sending >= room:
                    full.append(party)
            full += [p for p, c in self._circuits.items() if c.held_back(now) and p not in full]
            return sorted(full)

    def is_under_way(self, outbox_id: UUID) -> bool:
        with self._lock:
            return outbox_id in self._in_flight

    def under_way(self) -> int:
        """Deliveries taken and not yet released."""
        with self._lock:
            return len(self._in_flight)

    def answered(self, outbox_id: UUID, party: str) -> None:
        """The party has answered this delivery: its request no longer counts towards the party's share.

        The outbox stays under way until :meth:`release` (its outcome is being
        recorded), so its next change still waits; but the party's next request
        need not wait for that commit.
        """
        with self._lock:
            if outbox_id in self._in_flight and outbox_id not in self._answered:
                self._answered.add(outbox_id)
                self._sending[party] = max(0, self._sending.get(party, 1) - 1)

    def release(self, outbox_id: UUID, party: str) -> None:
        with self._lock:
            self._in_flight.discard(outbox_id)
            if outbox_id in self._answered:
                self._answered.discard(outbox_id)
            else:
                self._sending[party] = max(0, self._sending.get(party, 1) - 1)

    def cool(self, outbox_id: UUID, party: str, error: BaseException) -> None:
        """Even recording failed: leave this outbox alone a while, and say so once."""
        pause = self.backoff.delay(CIRCUIT_FAILURES)
        with self._lock:
            self._cooling[outbox_id] = time.time() + pause
        self.log_once(party, f"delivery of outbox {outbox_id} to {party} failed: {type(error).__name__}: "
                      f"{error}; held back {pause:.0f} s", exc_info=True)  # fmt: skip

    def through_circuit(self, party: str, outcome: Outcome) -> Outcome:
        """Count the outcome towards the party's circuit; a failure says when the party is held back."""
        with self._lock:
            circuit = self._circuits.setdefault(party, Circuit())
            if not outcome.retryable:
                circuit.answered()  # delivered or refused: the party answers
                return outcome
            circuit.failed(time.time(), outcome.error or "", self.backoff)
            if circuit.failures < CIRCUIT_FAILURES:
                return outcome
            until = datetime.fromtimestamp(circuit.open_until, UTC)
            note = f" [party {party} held back until {until:%Y-%m-%dT%H:%M:%SZ}: {circuit.failures} failures in a row]"
        self.log_once(party, f"delivery to {party}: {outcome.error}")
        return Outcome.retry((outcome.error or "") + note, outcome.retry_after, outcome.status)

    def held_until(self, party: str, now: float) -> float | None:
        """When the party's circuit lets a probe through again, if it is held back now."""
        with self._lock:
            circuit = self._circuits.get(party)
            return circuit.open_until if circuit is not None and circuit.held_back(now) else None

    def held_back(self, now: float | None = None) -> dict[str, str]:
        """The parties held back now, and why (for operators)."""
        now = time.time() if now is None else now
        with self._lock:
            return {
                party: f"held back until {datetime.fromtimestamp(c.open_until, UTC):%Y-%m-%dT%H:%M:%SZ} after "
                f"{c.failures} failures in a row; last: {c.reason[:200]}"
                for party, c in self._circuits.items()
                if c.held_back(now)
            }

    def log_once(self, party: str, message: str, *, exc_info: bool = False) -> None:
        """Log an error, but the same one of the same party only once per :data:`LOG_INTERVAL`."""
        key = (party, message.split(":", 1)[-1][:200])
        now = time.monotonic()
        with self._lock:
            if now - self._logged.get(key, -LOG_INTERVAL) < LOG_INTERVAL:
                return
            self._logged[key] = now
            if len(self._logged) > 1000:
                self._logged.clear()
        log.error(message, exc_info=exc_info)
