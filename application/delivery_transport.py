"""What delivery hands to the transport and gets back: one change to send, the outcome of an attempt.

The transport (the interface layer's SETU client) sends one change to one
counterparty and never raises for what the counterparty answers; what came
of it is an :class:`Outcome`, retried under :class:`Backoff` when it may be.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Protocol

from setu_planning.domain.messages import LineKind
from setu_planning.domain.outbox import Change

MAX_DELAY = 3600.0
"""The longest wait before a retry, whatever a counterparty's ``Retry-After`` asks (dates and deltas alike)."""


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter: attempt n waits a random time up to base * 2**(n-1), capped."""

    base: float = 1.0
    cap: float = 300.0

    def delay(self, attempts: int, retry_after: float | None = None) -> float:
        """Seconds to wait; never more than :data:`MAX_DELAY`, whatever ``retry_after`` says."""
        ceiling = min(self.cap, self.base * 2 ** min(max(0, attempts - 1), 64))
        wait = random.uniform(ceiling / 2, ceiling)
        asked = retry_after if isinstance(retry_after, int | float) and retry_after == retry_after else 0.0
        return min(MAX_DELAY, max(wait, min(float(asked), MAX_DELAY)))


@dataclass(frozen=True)
class OutboundChange:
    """One change to send: what the transport needs to make the request."""

    party: str
    kind: str
    change: Change
    remote_id: str | None
    message: dict[str, Any]
    line_kind: LineKind | None = None
    line_id: str | None = None
    line: dict[str, Any] | None = None
    actor: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What came of one attempt: delivered, to be retried, or refused for good."""

    delivered: bool
    remote_id: str | None = None
    status: int | None = None
    error: str | None = None
    retryable: bool = False
    retry_after: float | None = None
    warning: str | None = None
    """Sent, but the counterparty's rendering could not carry everything: what it lost (elements, never values)."""

    @classmethod
    def ok(cls, remote_id: str | None = None, status: int | None = None, warning: str | None = None) -> Outcome:
        return cls(True, remote_id=remote_id, status=status, warning=warning)

    @classmethod
    def retry(cls, error: str, retry_after: float | None = None, status: int | None = None) -> Outcome:
        return cls(False, status=status, error=error, retryable=True, retry_after=retry_after)

    @classmethod
    def refused(cls, error: str, status: int | None = None) -> Outcome:
        return cls(False, status=status, error=error)


class Transport(Protocol):
    """Sends one change to a counterparty; never raises for what the counterparty answers."""

    def send(self, change: OutboundChange) -> Outcome: ...


class ProcessExiting(Exception):
    """The interpreter is shutting down under the delivery worker."""
