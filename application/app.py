"""The embedding API: SETU planning resources as an eventsourcing application.

A planning system or back office embeds :class:`PlanningApplication` and calls
it in SETU words, without Flask::

    app = PlanningApplication("sqlite:///planning.sqlite3")
    created = app.requests.submit(message, actor="customer-portal", setu_version="2.0")
    app.requests.add_line(created.state.id, "single", line)
    app.requests.as_of(created.state.id, last_tuesday_9am)
    app.requests.history(created.state.id)

Every command validates first and saves the resource's new event together with
the index changes it implies in one ``save()``: all or nothing.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError
from eventsourcing.popo import POPOFactory

from setu_planning.domain.aggregates import (
    RESOURCE_CLASSES,
    PlanningAssignment,
    PlanningConstraints,
    PlanningRequest,
    PlanningResource,
    find_line,
)
from setu_planning.domain.errors import (
    DocumentConflict,
    ResourceCancelled,
    ResourceNotFound,
    VersionMismatch,
)
from setu_planning.domain.messages import LineKind, MessageKind

from .history import HistoryEntry, audit_trail
from .indexes import RequestAssignments, ResourceSet, SubmittedDocument, WorkerConstraints
from .persistence import database_url, persistence_env
from .recorders import POPOTimestampsRecorder, TimestampsRecorder

T = TypeVar("T")

SNAPSHOT_INTERVAL = 100
"""Take a snapshot every this many events, so rebuilding any version reads at most this many."""

COMMAND_ATTEMPTS = 30
"""A command that lost a race (another writer saved first) is re-run from fresh state,
after a short random pause that grows with each attempt, so racing writers spread out."""


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
        )

    def line(self, wanted: str) -> dict[str, Any]:
        """One line of the message by its lineId value."""
        return find_line(self.kind, self.message, wanted, f"{self.kind} {self.id}")[2]


@dataclass(frozen=True)
class Submission:
    """The outcome of a submission: the resource, and whether this call created it."""

    state: ResourceState
    created: bool


class PlanningApplication(Application[UUID]):
    """Keeps every SETU planning message exchanged as a stream of events."""

    name = "SetuPlanning"
    snapshotting_intervals = {
        PlanningRequest: SNAPSHOT_INTERVAL,
        PlanningAssignment: SNAPSHOT_INTERVAL,
        PlanningConstraints: SNAPSHOT_INTERVAL,
        WorkerConstraints: SNAPSHOT_INTERVAL,
        RequestAssignments: SNAPSHOT_INTERVAL,
    }

    def __init__(self, database: str | None = None, env: Mapping[str, str] | None = None):
        """Open the event store named by ``database`` (a URL, see :mod:`.persistence`).

        Without a URL, ``$SETU_PLANNING_DB`` or the SQLite default is used;
        ``env`` may add or override eventsourcing settings.
        """
        settings = persistence_env(database_url(database))
        settings.update(env or {})
        super().__init__(settings)
        self.requests = RequestService(self, MessageKind.REQUEST)
        self.assignments = AssignmentService(self, MessageKind.ASSIGNMENT)
        self.constraints = ConstraintsService(self, MessageKind.CONSTRAINTS)

    def construct_recorder(self) -> TimestampsRecorder:
        if isinstance(self.factory, POPOFactory):
            return POPOTimestampsRecorder()
        recorder = self.factory.application_recorder()
        if not isinstance(recorder, TimestampsRecorder):
            raise TypeError(
                f"{type(recorder).__name__} does not index event timestamps; set "
                "APPLICATION_RECORDER_TOPIC to a setu_planning.application.recorders class"
            )
        return recorder

    def _record(self, processing_event: Any) -> Any:
        processing_event.saved_kwargs["event_timestamps"] = [
            (e.originator_id, e.originator_version, e.timestamp)
            for e in processing_event.events
            if isinstance(e, PlanningResource.Event)
        ]
        return super()._record(processing_event)

    def service(self, kind: MessageKind | str) -> ResourceService:
        """The service for one message kind (``PlanningRequest`` etc.)."""
        return {
            MessageKind.REQUEST: self.requests,
            MessageKind.ASSIGNMENT: self.assignments,
            MessageKind.CONSTRAINTS: self.constraints,
        }[MessageKind(kind)]

    # --------------------------------------------------------------- internals
    def _retrying(self, command: Callable[[], T]) -> T:
        for attempt in range(1, COMMAND_ATTEMPTS + 1):
            try:
                return command()
            except IntegrityError:
                if attempt == COMMAND_ATTEMPTS:
                    raise
                time.sleep(random.uniform(0, 0.002 * attempt))
        raise AssertionError("unreachable")

    def _get_optional(self, aggregate_id: UUID) -> Any:
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def _index_changes(
        self,
        resource: PlanningResource,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
    ) -> list[ResourceSet]:
        """The index aggregates to update when a resource's message goes from before to after."""
        changed: list[ResourceSet] = []
        for index_class, keys_of in _INDEXES.get(resource.kind, ()):
            old_keys = keys_of(before) if before is not None else set()
            new_keys = keys_of(after) if after is not None else set()
            for key in sorted(old_keys ^ new_keys):
                full_key = index_class.key_for(key)
                index = self._get_optional(index_class.create_id(full_key))
                if index is None:
                    index = index_class(key=full_key)
                if key in new_keys and resource.id not in index.members:
                    index.add(resource.id)
                elif key in old_keys and resource.id in index.members:
                    index.discard(resource.id)
                changed.append(index)
        return changed

    def _members(self, index_class: type[ResourceSet], key: str) -> list[UUID]:
        index = self._get_optional(index_class.create_id(index_class.key_for(key)))
        return list(index.members) if index is not None else []


def _worker_ids(message: Mapping[str, Any]) -> set[str]:
    return {w["value"] for w in message.get("worker", {}).get("workerId", ())}


def _request_document_ids(message: Mapping[str, Any]) -> set[str]:
    reference = message.get("planningRequestReference", {}).get("documentId", {})
    return {reference["value"]} if "value" in reference else set()


_INDEXES: dict[MessageKind, tuple[tuple[type[Any], Callable[[Mapping[str, Any]], set[str]]], ...]] = {
    MessageKind.CONSTRAINTS: ((WorkerConstraints, _worker_ids),),
    MessageKind.ASSIGNMENT: ((RequestAssignments, _request_document_ids),),
}


def issuing_party(message: Mapping[str, Any]) -> str:
    """Who issued a message: the party its ``documentId/schemeAgencyId`` names.

    A documentId is only unique within its issuer, so idempotent submission is
    keyed on (issuer, documentId). The party is identified by its first id,
    else its legalId, else its taxId.
    """
    agency = message["documentId"]["schemeAgencyId"]
    party = message.get(agency.lower(), {})
    identity = (
        (party.get("id") or [{}])[0].get("value")
        or party.get("legalId", {}).get("value")
        or party.get("taxId", {}).get("value")
        or ""
    )
    return f"{agency}:{identity}"


class ResourceService:
    """Commands and queries for one kind of SETU planning resource."""

    def __init__(self, app: PlanningApplication, kind: MessageKind):
        self.app = app
        self.kind = kind
        self.resource_class = RESOURCE_CLASSES[kind]

    # ------------------------------------------------------------------ commands
    def submit(
        self, message: Mapping[str, Any], *, actor: str | None = None, setu_version: str | None = None
    ) -> Submission:
        """Create a resource from a message (POST); the same message again changes nothing."""

        def attempt() -> Submission:
            resource = self.resource_class.submit(message, actor=actor, setu_version=setu_version)
            document = resource.message["documentId"]
            key = SubmittedDocument.key_for(
                self.kind, issuing_party(resource.message), document["schemeAgencyId"], document["value"]
            )
            index = self.app._get_optional(SubmittedDocument.create_id(key))
            if index is not None:
                existing = self.app.repository.get(index.resource_id)
                if not existing.cancelled:
                    if existing.submitted_digest == resource.submitted_digest:
                        return Submission(ResourceState.of(existing), created=False)
                    raise DocumentConflict(
                        f"documentId {document['value']!r} of {issuing_party(resource.message)} "
                        f"was already submitted as {self.kind} {existing.id} with other content; "
                        "change it with PUT, or use a new documentId"
                    )
                index.repoint(resource.id)
            else:
                index = SubmittedDocument(key=key, resource_id=resource.id)
            indexes = self.app._index_changes(resource, None, resource.message)
            self.app.save(resource, index, *indexes)
            return Submission(ResourceState.of(resource), created=True)

        return self.app._retrying(attempt)

    def replace(
        self,
        resource_id: UUID | str,
        message: Mapping[str, Any],
        *,
        actor: str | None = None,
        setu_version: str | None = None,
        expected_version: int | None = None,
    ) -> ResourceState:
        """Replace the message (PUT): omitted optional elements keep their stored value."""
        return self._change(
            resource_id,
            expected_version,
            lambda r: r.replace(message, actor=actor, setu_version=setu_version),
        )[0]

    def add_line(
        self,
        resource_id: UUID | str,
        line_kind: LineKind | str,
        line: Mapping[str, Any],
        *,
        actor: str | None = None,
        setu_version: str | None = None,
        expected_version: int | None = None,
    ) -> tuple[ResourceState, dict[str, Any]]:
        """Add a periodic or single line; returns the new state and the stored line."""
        return self._change(
            resource_id,
            expected_version,
            lambda r: r.add_line(LineKind(line_kind), line, actor=actor, setu_version=setu_version),
        )

    def replace_line(
        self,
        resource_id: UUID | str,
        line_id: str,
        line: Mapping[str, Any],
        *,
        actor: str | None = None,
        setu_version: str | None = None,
        expected_version: int | None = None,
    ) -> tuple[ResourceState, dict[str, Any]]:
        """Replace one line (PUT semantics); returns the new state and the resulting line."""
        return self._change(
            resource_id,
            expected_version,
            lambda r: r.replace_line(line_id, line, actor=actor, setu_version=setu_version),
        )

    def remove_line(
        self,
        resource_id: UUID | str,
        line_id: str,
        *,
        actor: str | None = None,
        setu_version: str | None = None,
        expected_version: int | None = None,
    ) -> tuple[ResourceState, dict[str, Any]]:
        """Remove one line; returns the new state and the removed line."""
        return self._change(
            resource_id,
            expected_version,
            lambda r: r.remove_line(line_id, actor=actor, setu_version=setu_version),
        )

    def cancel(
        self,
        resource_id: UUID | str,
        *,
        actor: str | None = None,
        setu_version: str | None = None,
        expected_version: int | None = None,
    ) -> ResourceState:
        """Cancel (DELETE): gone from current state and lookups; history and the past remain."""
        return self._change(
            resource_id,
            expected_version,
            lambda r: r.cancel(actor=actor, setu_version=setu_version),
        )[0]

    def _change(
        self,
        resource_id: UUID | str,
        expected_version: int | None,
        command: Callable[[PlanningResource], Any],
    ) -> tuple[ResourceState, Any]:
        def attempt() -> tuple[ResourceState, Any]:
            resource = self._load(resource_id)
            if resource.cancelled:
                raise ResourceCancelled(f"{self.kind} {resource.id} was cancelled")
            if expected_version is not None and resource.version != expected_version:
                raise VersionMismatch(
                    f"{self.kind} {resource.id} is at version {resource.version}, "
                    f"not {expected_version}"
                )
            before = resource.message
            result = command(resource)
            after = None if resource.cancelled else resource.message
            indexes = self.app._index_changes(resource, before, after)
            self.app.save(resource, *indexes)
            return ResourceState.of(resource), result

        return self.app._retrying(attempt)

    # ------------------------------------------------------------------- queries
    def get(self, resource_id: UUID | str) -> ResourceState:
        """The current state; a cancelled resource is not found."""
        resource = self._load(resource_id)
        if resource.cancelled:
            raise ResourceCancelled(f"{self.kind} {resource.id} was cancelled")
        return ResourceState.of(resource)

    def exists(self, resource_id: UUID | str) -> bool:
        """Whether a resource of this kind was ever submitted under this id (cancelled or not)."""
        try:
            self._load(resource_id)
        except ResourceNotFound:
            return False
        return True

    def get_line(self, resource_id: UUID | str, line_id: str) -> dict[str, Any]:
        """One line of the current state."""
        return self.get(resource_id).line(line_id)

    def as_of(self, resource_id: UUID | str, moment: datetime) -> ResourceState:
        """The state at a past moment (aware datetime): one index look-up, then a snapshot."""
        uuid = self._uuid(resource_id)
        recorder: TimestampsRecorder = self.app.recorder  # type: ignore[assignment]
        version = recorder.version_at(uuid, moment)
        if version < 1:
            # Either unknown, or it did not exist yet at that moment.
            self._load(uuid)
            raise ResourceNotFound(f"{self.kind} {uuid} did not exist at {moment.isoformat()}")
        return self._state_at(uuid, version, f"at {moment.isoformat()}")

    def at_version(self, resource_id: UUID | str, version: int) -> ResourceState:
        """The state right after the event with that version number."""
        uuid = self._uuid(resource_id)
        current = self._load(uuid)
        if not 1 <= version <= current.version:
            raise ResourceNotFound(
                f"{self.kind} {uuid} has versions 1 to {current.version}, not {version}"
            )
        return self._state_at(uuid, version, f"at version {version}")

    def history(self, resource_id: UUID | str) -> list[HistoryEntry]:
        """The audit trail, oldest first; kept after cancellation."""
        uuid = self._uuid(resource_id)
        events = list(self.app.events.get(uuid))
        if not events or not isinstance(events[0], self.resource_class.Event):
            raise ResourceNotFound(f"no {self.kind} with id {resource_id}")
        return audit_trail(events)

    def find_by_document(self, issuer: str, document_id: str, document_scheme: str) -> ResourceState | None:
        """The current resource a party submitted under a documentId, if any.

        ``issuer`` is as :func:`issuing_party` writes it, e.g. ``"Customer:OTTO_NLTHO001"``.
        """
        key = SubmittedDocument.key_for(self.kind, issuer, document_scheme, document_id)
        index = self.app._get_optional(SubmittedDocument.create_id(key))
        if index is None:
            return None
        resource = self.app.repository.get(index.resource_id)
        return None if resource.cancelled else ResourceState.of(resource)

    # ----------------------------------------------------------------- internals
    def _uuid(self, resource_id: UUID | str) -> UUID:
        if isinstance(resource_id, UUID):
            return resource_id
        try:
            return UUID(str(resource_id))
        except ValueError:
            raise ResourceNotFound(f"no {self.kind} with id {resource_id!r}") from None

    def _load(self, resource_id: UUID | str) -> PlanningResource:
        resource = self.app._get_optional(self._uuid(resource_id))
        if not isinstance(resource, self.resource_class):
            raise ResourceNotFound(f"no {self.kind} with id {resource_id}")
        return resource

    def _state_at(self, uuid: UUID, version: int, when: str) -> ResourceState:
        resource = self.app.repository.get(uuid, version=version)
        if not isinstance(resource, self.resource_class):
            raise ResourceNotFound(f"no {self.kind} with id {uuid}")
        if resource.cancelled:
            raise ResourceCancelled(f"{self.kind} {uuid} was already cancelled {when}")
        return ResourceState.of(resource)

    def _current(self, ids: list[UUID]) -> list[ResourceState]:
        states = []
        for uuid in ids:
            resource = self.app.repository.get(uuid)
            if not resource.cancelled:
                states.append(ResourceState.of(resource))
        return states


class RequestService(ResourceService):
    """PlanningRequests: what a customer asks for."""

    def assignments(self, request_id: UUID | str) -> list[ResourceState]:
        """The current assignments whose planningRequestReference/documentId is this request's."""
        request = self.get(request_id)
        return self.app.assignments.referring_to(request.message["documentId"]["value"])


class AssignmentService(ResourceService):
    """PlanningAssignments: who is planned on which lines."""

    def referring_to(self, request_document_id: str) -> list[ResourceState]:
        """The current assignments whose planningRequestReference/documentId/value is given."""
        return self._current(self.app._members(RequestAssignments, request_document_id))


class ConstraintsService(ResourceService):
    """PlanningConstraints: a worker's availability."""

    def of_worker(self, worker_id: str) -> list[ResourceState]:
        """The current constraints of a worker (by worker/workerId/value), oldest first."""
        return self._current(self.app._members(WorkerConstraints, worker_id))
