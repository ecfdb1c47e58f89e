"""What the commands and queries of the embedding API return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from setu_planning.domain.aggregates import PlanningResource, find_line
from setu_planning.domain.messages import MessageKind


@dataclass(frozen=True)
class ResourceState:
    """A resource as it is (or was): its message in the SETU 2.0 JSON shape, and its bookkeeping."""

    id: UUID
    kind: MessageKind
    version: int
    message: dict[str, Any]
    setu_version: str | None
    created_on: datetime
    modified_on: datetime
    cancelled: bool
    origin: str | None = None
    """The counterparty the resource was received from; None when it was made here."""

    @classmethod
    def of(cls, resource: PlanningResource) -> ResourceState:
        return cls(
            id=resource.id,
            kind=resource.kind,
            version=resource.version,
            message=resource.message,
            setu_version=resource.setu_version,
            created_on=resource.created_on,
            modified_on=resource.modified_on,
            cancelled=resource.cancelled,
            origin=resource.origin,
        )

    def line(self, wanted: str) -> dict[str, Any]:
        """One line of the message by its lineId value."""
        return find_line(self.kind, self.message, wanted, f"{self.kind} {self.id}")[2]


@dataclass(frozen=True)
class Submission:
    """The outcome of a submission: the resource, and whether this call created it."""

    state: ResourceState
    created: bool
