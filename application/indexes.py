"""Lookup indexes as small aggregates, saved in the same transaction as what they index.

Each index has an id derived by ``uuid5`` from its key, so finding it needs no
query: "constraints of worker W", "assignments referring to request document
D", "the resource submitted by party P under documentId D". Because the index
events are saved in the same ``save()`` as the resource's events, an index can
never disagree with the resources it points at (the library's own pattern, as
in its cargo-shipping and content-management examples).
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

_NAMESPACE = uuid5(NAMESPACE_URL, "https://setu-planning.invalid/indexes")


class ResourceSet(Aggregate):
    """An ordered set of resource ids filed under one key (worker id, request document id)."""

    @staticmethod
    def create_id(key: str) -> UUID:
        return uuid5(_NAMESPACE, key)

    @event("Created")
    def __init__(self, key: str):
        self.key = key
        self.members: list[UUID] = []

    @event("Added")
    def add(self, resource_id: UUID) -> None:
        self.members.append(resource_id)

    @event("Discarded")
    def discard(self, resource_id: UUID) -> None:
        self.members.remove(resource_id)


class WorkerConstraints(ResourceSet):
    """The current PlanningConstraints of one worker (``worker/workerId/value``)."""

    @staticmethod
    def key_for(worker_id: str) -> str:
        return f"worker:{worker_id}"


class RequestAssignments(ResourceSet):
    """The current PlanningAssignments whose ``planningRequestReference/documentId`` is D."""

    @staticmethod
    def key_for(document_id: str) -> str:
        return f"request-document:{document_id}"


class SubmittedDocument(Aggregate):
    """Which resource a party's ``documentId`` was submitted as (idempotent POST)."""

    @staticmethod
    def create_id(key: str) -> UUID:
        return uuid5(_NAMESPACE, key)

    @staticmethod
    def key_for(kind: str, issuer: str, document_scheme: str, document_id: str) -> str:
        return f"document:{kind}:{issuer}:{document_scheme}:{document_id}"

    @event("Created")
    def __init__(self, key: str, resource_id: UUID):
        self.key = key
        self.resource_id = resource_id

    @event("Repointed")
    def repoint(self, resource_id: UUID) -> None:
        """After a cancellation the documentId may be submitted anew, as a new resource."""
        self.resource_id = resource_id
