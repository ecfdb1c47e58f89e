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

:class:`Filing` says what a save or a replayed history writes into them, so
the application and a rebuild file everything the same way.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, Notification, StoredEvent

from setu_planning.domain.aggregates import PlanningResource
from setu_planning.domain.messages import MessageKind, issuing_party

from .planning_index import history_keys

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
        return bool(self.timestamps or self.current or self.lookups_added or self.lookups_removed or self.documents)


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


RESOURCE_TOPICS = f"{PlanningResource.__module__}:"
"""The prefix of the stored topics of planning resources' events. Readers of the log filter on the
stored topic, before decoding: a store may hold events of aggregates this version no longer has."""

DocumentClaims = dict[str, tuple[int, UUID]]
"""Document key -> (notification id of the submission, resource): the newest submission wins."""


class Filing:
    """What events write into the read models: look-up and document keys, current-state rows, timestamps."""

    def __init__(self, mapper: Mapper[UUID], digest: KeyDigester):
        self.mapper = mapper
        self.digest = digest

    def lookup_keys(self, kind: MessageKind, message: Mapping[str, Any] | None) -> set[str]:
        """The digests of the look-up keys a message is filed under."""
        if message is None:
            return set()
        if kind is MessageKind.CONSTRAINTS:
            keys = {worker_key(w["value"]) for w in message.get("worker", {}).get("workerId", ())}
        elif kind is MessageKind.ASSIGNMENT:
            reference = message.get("planningRequestReference", {}).get("documentId", {})
            keys = {request_document_key(reference["value"])} if "value" in reference else set()
        else:
            keys = set()
        return {self.digest(key) for key in keys}

    def document_key(self, kind: MessageKind, submitter: str | None, message: Mapping[str, Any]) -> str:
        """The digest of the idempotency key of a submitted message."""
        document = message["documentId"]
        key = submitted_document_key(
            kind, submitter, issuing_party(message), document["schemeAgencyId"], document["value"]
        )
        return self.digest(key)

    def current_row(self, resource: PlanningResource) -> StoredEvent:
        """The current-state row of a resource: its snapshot, stored (and encrypted) like an event."""
        return self.mapper.to_stored_event(type(resource).Snapshot.take(resource))

    def resource_from_row(self, row: StoredEvent) -> PlanningResource:
        resource = self.mapper.to_domain_event(row).mutate(None)  # type: ignore[attr-defined]
        assert isinstance(resource, PlanningResource)
        return resource

    def lookup_changes(
        self, resource: PlanningResource, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
    ) -> ReadModelWrites:
        """The look-ups a change of ``resource``'s message from ``before`` to ``after`` adds and removes."""
        old = self.lookup_keys(resource.kind, before)
        new = self.lookup_keys(resource.kind, after)
        # Planning's look-ups that remember (never removed): see .planning_index.
        ever = history_keys(self.digest, resource.kind, after) - history_keys(self.digest, resource.kind, before)
        return ReadModelWrites(
            lookups_added=[(key, resource.id, None) for key in sorted(new - old) + sorted(ever)],
            lookups_removed=[(key, resource.id) for key in sorted(old - new)],
        )

    def file_save(self, writes: ReadModelWrites, events: Iterable[object], aggregates: Iterable[object]) -> None:
        """Add what a save writes beside its events: their timestamps, and each resource's current row."""
        for domain_event in events:
            if isinstance(domain_event, PlanningResource.Event):
                writes.timestamps.append(
                    (domain_event.originator_id, domain_event.originator_version, domain_event.timestamp)
                )
        for aggregate in aggregates:
            if isinstance(aggregate, PlanningResource):
                writes.current.append(self.current_row(aggregate))

    def file_history(
        self, notifications: list[Notification], batch: ReadModelWrites, documents: DocumentClaims
    ) -> None:
        """Add the read-model rows of one resource, replayed from its stored events (oldest first)."""
        resource: Any = None
        filed: dict[str, int] = {}  # look-up key -> position (notification id that filed it)
        ever: dict[str, int] = {}  # planning's look-ups that remember, never removed
        for notification in notifications:
            event: Any = self.mapper.to_domain_event(notification)
            resource = event.mutate(resource)
            batch.timestamps.append((resource.id, resource.version, event.timestamp))
            keys = self.lookup_keys(resource.kind, None if resource.cancelled else resource.message)
            filed = {key: filed.get(key, notification.id) for key in keys}
            for key in history_keys(self.digest, resource.kind, None if resource.cancelled else resource.message):
                ever.setdefault(key, notification.id)
            if resource.version == 1:
                key = self.document_key(resource.kind, resource.origin, resource.message)
                if key not in documents or documents[key][0] < notification.id:
                    documents[key] = (notification.id, resource.id)
        batch.current.append(self.current_row(resource))
        batch.lookups_added.extend((key, resource.id, position) for key, position in filed.items())
        batch.lookups_added.extend((key, resource.id, position) for key, position in ever.items() if key not in filed)
