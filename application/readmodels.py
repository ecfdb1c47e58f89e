"""The read models a save writes beside its events, and the keys they are filed under.

A GET wants the current message, an idempotent POST the resource a party
already submitted under a documentId, a planner the constraints of a worker.
Replaying events for each of those is the slow way, and eventually consistent
projections would let a node miss what another just wrote. So the recorder
writes these read models **in the transaction of the events that define
them** (the pattern of the eventsourcing library's searchable-content and
searchable-timestamps examples): they can never disagree with the events, and
``setu-planning rebuild`` can always derive them again from the event log.

- **timestamps**: ``(resource, version, timestamp)``, so "as of a moment" finds
  its version with one indexed query;
- **current state**: one row per resource, the aggregate's snapshot at its
  latest version (encrypted like the events when a cipher is configured);
- **look-ups**: ``(key, resource, position)`` for "constraints of worker W" and
  "assignments referring to request document D";
- **documents**: ``key -> resource`` for idempotent submission, unique per key,
  so two racing submissions of one documentId cannot both win.

Look-up and document keys hold worker ids and document ids; they are stored
as keyed digests (HMAC-SHA-256), never in clear, so an encrypted store keeps
no personal data readable even in its indexes.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from eventsourcing.persistence import StoredEvent

EventTimestamp = tuple[UUID, int, datetime]
"""(originator id, originator version, event timestamp)"""


@dataclass
class ReadModelWrites:
    """What one save changes in the read models; travels to the recorder as ``read_models``."""

    timestamps: list[EventTimestamp] = field(default_factory=list)
    current: list[StoredEvent] = field(default_factory=list)
    lookups_added: list[tuple[str, UUID, int | None]] = field(default_factory=list)
    """(key, resource, position): position orders a key's resources, oldest first; None
    means "the notification id of this save's last event", filled in by the recorder."""
    lookups_removed: list[tuple[str, UUID]] = field(default_factory=list)
    documents: list[tuple[str, UUID, UUID | None]] = field(default_factory=list)
    """(key, resource, the resource it replaces or None): a claim, or a re-pointing after cancellation."""

    def __bool__(self) -> bool:
        return bool(
            self.timestamps
            or self.current
            or self.lookups_added
            or self.lookups_removed
            or self.documents
        )


class KeyDigester:
    """Turns a look-up key into the digest stored for it: HMAC-SHA-256 under the store's index secret."""

    def __init__(self, secret: bytes):
        self._secret = secret

    def __call__(self, key: str) -> str:
        return hmac.new(self._secret, key.encode(), hashlib.sha256).hexdigest()


def worker_key(worker_id: str) -> str:
    return f"worker:{worker_id}"


def request_document_key(document_id: str) -> str:
    return f"request-document:{document_id}"


def submitted_document_key(
    kind: str, submitter: str | None, issuer: str, document_scheme: str, document_id: str
) -> str:
    """The idempotency key of a submission.

    ``submitter`` is the authenticated counterparty that submitted it (None for
    the embedding system), so one party's documentId never collides with, nor
    reveals, another's.
    """
    prefix = f"party:{submitter}:" if submitter is not None else ""
    return f"{prefix}document:{kind}:{issuer}:{document_scheme}:{document_id}"
