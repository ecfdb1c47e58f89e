"""The use cases: commands and queries for each kind of SETU planning resource.

Every command validates first and saves the resource's new event together
with the read-model changes it implies (:class:`~.readmodels.Filing`) in one
transaction: all or nothing. A command that lost a race (another writer
saved first) is re-run from fresh state. Commands are told who acts by one
:class:`~setu_planning.domain.provenance.Caller` (``by=``); queries take an
optional ``party``. A counterparty may create only messages that name it and
sees only resources that name it; everything else answers exactly as an
unknown id would.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from datetime import datetime
from typing import Any, Protocol, TypeVar
from uuid import UUID

from eventsourcing.application import Repository
from eventsourcing.domain import MutableOrImmutableAggregate
from eventsourcing.persistence import EventStore, StoredEvent

from setu_planning.domain.aggregates import RESOURCE_CLASSES, PlanningResource
from setu_planning.domain.errors import DocumentConflict, ResourceCancelled, ResourceNotFound, VersionMismatch
from setu_planning.domain.messages import LineKind, MessageKind, issuing_party
from setu_planning.domain.parties import NotPermitted, Party, may_see, named_identifiers
from setu_planning.domain.provenance import LOCAL_CALLER, Caller
from setu_planning.domain.visibility import check_owner

from .concurrency import Expected, expected_text, matches_expected, retrying
from .history import HistoryEntry, audit_trail
from .readmodels import Filing, request_document_key, submitted_document_key, worker_key
from .states import ResourceState, Submission
from .stores.contract import PlanningRecorder
from .views import ViewCache

_STATE = "decoded state"
"""The view-cache variant of a decoded current state (see :meth:`ResourceService.state_of_row`)."""

T = TypeVar("T")


class Planning(Protocol):
    """What the use cases need of the application: its store, read models, views and repository."""

    @property
    def recorder(self) -> PlanningRecorder: ...

    @property
    def filing(self) -> Filing: ...

    @property
    def views(self) -> ViewCache: ...

    @property
    def repository(self) -> Repository[UUID]: ...

    @property
    def events(self) -> EventStore[UUID]: ...

    @property
    def assignments(self) -> AssignmentService: ...

    def save(self, *objs: MutableOrImmutableAggregate[UUID] | None, **kwargs: Any) -> Any: ...


class ResourceService:
    """Commands and queries for one kind of SETU planning resource."""

    def __init__(self, app: Planning, kind: MessageKind):
        self.app = app
        self.kind = kind
        self.resource_class = RESOURCE_CLASSES[kind]

    # ------------------------------------------------------------------ commands
    def submit(
        self,
        message: Mapping[str, Any],
        *,
        by: Caller = LOCAL_CALLER,
    ) -> Submission:
        """Create a resource from a message (POST); the same message again changes nothing.

        A party may submit only a message naming it (else ``NotPermitted``);
        its documentIds are its own: they never collide with another party's.
        """
        party, provenance = by.party, by.provenance

        def attempt() -> Submission:
            resource = self.resource_class.submit(message, by=provenance)
            if party is not None and not party.is_named_in(resource.message):
                raise NotPermitted(
                    f"party {party.name} may only submit a {self.kind} whose supplier/id or "
                    "customer/id names one of its identifiers"
                )
            key = self.app.filing.document_key(self.kind, provenance.party, resource.message)
            replaces = self.app.recorder.select_document(key)
            if replaces is not None:
                existing = self._load(replaces)
                if not existing.cancelled:
                    if existing.submitted_digest == resource.submitted_digest:
                        return Submission(ResourceState.of(existing), created=False)
                    document = resource.message["documentId"]
                    raise DocumentConflict(
                        f"documentId {document['value']!r} of {issuing_party(resource.message)} "
                        f"was already submitted as {self.kind} {existing.id} with other content; "
                        "change it with PUT, or use a new documentId"
                    )
            writes = self.app.filing.lookup_changes(resource, None, resource.message)
            writes.documents.append((key, resource.id, replaces))
            self.app.save(resource, read_models=writes)
            return Submission(ResourceState.of(resource), created=True)

        return retrying(attempt)

    def replace(
        self,
        resource_id: UUID | str,
        message: Mapping[str, Any],
        *,
        by: Caller = LOCAL_CALLER,
        expected_version: Expected = None,
    ) -> ResourceState:
        """Replace the message (PUT): omitted optional elements keep their stored value."""
        return self._change(resource_id, expected_version, by, lambda r: r.replace(message, by=by.provenance))[0]

    def add_line(
        self,
        resource_id: UUID | str,
        line_kind: LineKind | str,
        line: Mapping[str, Any],
        *,
        by: Caller = LOCAL_CALLER,
        expected_version: Expected = None,
    ) -> tuple[ResourceState, dict[str, Any]]:
        """Add a periodic or single line; returns the new state and the stored line."""
        return self._change(
            resource_id, expected_version, by, lambda r: r.add_line(LineKind(line_kind), line, by=by.provenance)
        )

    def replace_line(
        self,
        resource_id: UUID | str,
        line_id: str,
        line: Mapping[str, Any],
        *,
        by: Caller = LOCAL_CALLER,
        expected_version: Expected = None,
    ) -> tuple[ResourceState, dict[str, Any]]:
        """Replace one line (PUT semantics); returns the new state and the resulting line."""
        return self._change(
            resource_id, expected_version, by, lambda r: r.replace_line(line_id, line, by=by.provenance)
        )

    def remove_line(
        self,
        resource_id: UUID | str,
        line_id: str,
        *,
        by: Caller = LOCAL_CALLER,
        expected_version: Expected = None,
    ) -> tuple[ResourceState, dict[str, Any]]:
        """Remove one line; returns the new state and the removed line."""
        return self._change(resource_id, expected_version, by, lambda r: r.remove_line(line_id, by=by.provenance))

    def cancel(
        self,
        resource_id: UUID | str,
        *,
        by: Caller = LOCAL_CALLER,
        expected_version: Expected = None,
    ) -> ResourceState:
        """Cancel (DELETE): gone from current state and lookups; history and the past remain."""
        return self._change(resource_id, expected_version, by, lambda r: r.cancel(by=by.provenance))[0]

    def _change(
        self,
        resource_id: UUID | str,
        expected_version: Expected,
        by: Caller,
        command: Callable[[PlanningResource], Any],
    ) -> tuple[ResourceState, Any]:
        party = by.party

        def attempt() -> tuple[ResourceState, Any]:
            resource = self._load_visible(resource_id, party)
            if resource.cancelled:
                raise ResourceCancelled(f"{self.kind} {resource.id} was cancelled")
            check_owner(party, resource.origin, f"{self.kind} {resource.id}")
            if not matches_expected(resource.version, expected_version):
                raise VersionMismatch(
                    f"{self.kind} {resource.id} is at version {resource.version}, not {expected_text(expected_version)}"
                )
            before = resource.message
            result = command(resource)
            if party is not None and not party.is_named_in(resource.message):
                raise NotPermitted(
                    f"this change would leave {self.kind} {resource.id} no longer naming "
                    f"party {party.name} in supplier/id or customer/id"
                )
            if not resource.pending_events:
                return ResourceState.of(resource), result  # an idempotent repeat: nothing to store
            after = None if resource.cancelled else resource.message
            self.app.save(resource, read_models=self.app.filing.lookup_changes(resource, before, after))
            return ResourceState.of(resource), result

        return retrying(attempt)

    # ------------------------------------------------------------------- queries
    def get(self, resource_id: UUID | str, *, party: Party | None = None) -> ResourceState:
        """The current state: one read of its current-state row. A cancelled resource is not found."""
        resource = self._load_visible(resource_id, party)
        if resource.cancelled:
            raise ResourceCancelled(f"{self.kind} {resource.id} was cancelled")
        return ResourceState.of(resource)

    def view(
        self,
        resource_id: UUID | str,
        render: Callable[[ResourceState], T],
        variant: Hashable,
        *,
        party: Party | None = None,
    ) -> T:
        """``render(get(resource_id))``, answered from the view cache while the resource is unchanged.

        ``render`` must return something immutable (e.g. the bytes of a
        response): the same value is handed to every caller of that version.
        """
        uuid = self._uuid(resource_id)
        version = self.app.recorder.select_current_version(uuid)
        cached = None if version is None else self.app.views.get((self.kind, uuid, version, variant))
        if cached is not None:
            named, rendered = cached
            if party is None or not party.identifiers.isdisjoint(named):
                hit: T = rendered
                return hit
            raise ResourceNotFound(f"no {self.kind} with id {uuid}")
        state = self.get(uuid, party=party)
        rendered = render(state)
        self.app.views.put((self.kind, uuid, state.version, variant), named_identifiers(state.message), rendered)
        return rendered

    def identify(self, resource_id: UUID | str, *, party: Party | None = None) -> UUID:
        """The id of a resource ``party`` could see at some version, cancelled or not; else ``ResourceNotFound``."""
        resource = self._load(resource_id)
        if not may_see(party, resource.message) and not self.history(resource.id, party=party):
            raise self._unknown(resource.id)
        return resource.id

    def get_line(self, resource_id: UUID | str, line_id: str, *, party: Party | None = None) -> dict[str, Any]:
        """One line of the current state."""
        return self.get(resource_id, party=party).line(line_id)

    def as_of(self, resource_id: UUID | str, moment: datetime, *, party: Party | None = None) -> ResourceState:
        """The state at a past moment (aware datetime): one index look-up, then a snapshot.

        A party sees it only if the message at that moment named it; else as an unknown id.
        """
        uuid = self._load(resource_id).id
        version = self.app.recorder.version_at(uuid, moment)
        if version < 1:
            if party is not None:
                raise self._unknown(uuid)
            raise ResourceNotFound(f"{self.kind} {uuid} did not exist at {moment.isoformat()}")
        return self._state_at(uuid, version, f"at {moment.isoformat()}", party)

    def at_version(self, resource_id: UUID | str, version: int, *, party: Party | None = None) -> ResourceState:
        """The state right after the event with that version number.

        A party sees it only if the message at that version named it; else as an unknown id.
        """
        current = self._load(resource_id)
        if not 1 <= version <= current.version:
            if party is not None:
                raise self._unknown(current.id)
            raise ResourceNotFound(f"{self.kind} {current.id} has versions 1 to {current.version}, not {version}")
        if version == current.version:
            if not may_see(party, current.message):
                raise self._unknown(current.id)
            if current.cancelled:
                raise ResourceCancelled(f"{self.kind} {current.id} was already cancelled at version {version}")
            return ResourceState.of(current)
        return self._state_at(current.id, version, f"at version {version}", party)

    def history(self, resource_id: UUID | str, *, party: Party | None = None) -> list[HistoryEntry]:
        """The audit trail, oldest first; kept after cancellation.

        A party's holds the versions it could see (see :func:`.history.audit_trail`); none: an unknown id.
        """
        uuid = self._load(resource_id).id
        entries = audit_trail(self.app.events.get(uuid), party)
        if not entries:
            raise self._unknown(uuid)
        return entries

    def find_by_document(
        self, issuer: str, document_id: str, document_scheme: str, *, party: Party | None = None
    ) -> ResourceState | None:
        """The current resource submitted under a documentId, if any.

        ``issuer`` is as :func:`issuing_party` writes it, e.g. ``"Customer:OTTO_NLTHO001"``;
        with ``party``, only what that party submitted is found.
        """
        key = submitted_document_key(self.kind, party.name if party else None, issuer, document_scheme, document_id)
        resource_id = self.app.recorder.select_document(self.app.filing.digest(key))
        if resource_id is None:
            return None
        resource = self._load(resource_id)
        return None if resource.cancelled else ResourceState.of(resource)

    def state_of_row(self, row: StoredEvent, *, party: Party | None = None) -> ResourceState | None:
        """The state of a current-state row (as a look-up join gives it), or None where ``get`` finds nothing.

        The decoded state is kept in the view cache under the row's version, so a
        resource read again unchanged is not decoded again (the planner's queries
        read the same worker's resources over and over). Callers must not change
        the message: it is shared.
        """
        key = (self.kind, row.originator_id, row.originator_version, _STATE)
        cached = self.app.views.get(key)
        if cached is None:
            resource = self.app.filing.resource_from_row(row)
            if not isinstance(resource, self.resource_class):
                return None
            cached = (named_identifiers(resource.message), ResourceState.of(resource))
            self.app.views.put(key, *cached)
        named, state = cached
        if state.cancelled or (party is not None and party.identifiers.isdisjoint(named)):
            return None
        return state

    def state_at(self, uuid: UUID, version: int, *, party: Party | None = None) -> ResourceState:
        """The state right after event ``version`` of a resource known to exist (no current-state read)."""
        return self._state_at(uuid, version, f"at version {version}", party)

    # ----------------------------------------------------------------- internals
    def _uuid(self, resource_id: UUID | str) -> UUID:
        if isinstance(resource_id, UUID):
            return resource_id
        try:
            return UUID(str(resource_id))
        except ValueError:
            raise ResourceNotFound(f"no {self.kind} with id {resource_id!r}") from None

    def _load(self, resource_id: UUID | str) -> PlanningResource:
        uuid = self._uuid(resource_id)
        row = self.app.recorder.select_current(uuid)
        resource = None if row is None else self.app.filing.resource_from_row(row)
        if not isinstance(resource, self.resource_class):
            raise ResourceNotFound(f"no {self.kind} with id {uuid}")
        return resource

    def _unknown(self, uuid: UUID) -> ResourceNotFound:
        """What an unknown id answers; a resource, or a version, a party may not see answers the same."""
        return ResourceNotFound(f"no {self.kind} with id {uuid}")

    def _load_visible(self, resource_id: UUID | str, party: Party | None) -> PlanningResource:
        """The resource, if its current version names ``party``; otherwise exactly the answer for an unknown id."""
        resource = self._load(resource_id)
        if not may_see(party, resource.message):
            raise self._unknown(resource.id)
        return resource

    def _state_at(self, uuid: UUID, version: int, when: str, party: Party | None) -> ResourceState:
        resource: Any = self.app.repository.get(uuid, version=version)
        if not isinstance(resource, self.resource_class) or not may_see(party, resource.message):
            raise self._unknown(uuid)
        if resource.cancelled:
            raise ResourceCancelled(f"{self.kind} {uuid} was already cancelled {when}")
        return ResourceState.of(resource)

    def filed_under(self, key: str) -> list[ResourceState]:
        """The current resources of this kind filed under a look-up key digest (see :mod:`.readmodels`)."""
        return self._current_by_lookup(key, None)

    def _current_by_lookup(self, key: str, party: Party | None) -> list[ResourceState]:
        states = []
        for row in self.app.recorder.select_current_by_lookup(key):
            resource = self.app.filing.resource_from_row(row)
            if isinstance(resource, self.resource_class) and not resource.cancelled:
                if may_see(party, resource.message):
                    states.append(ResourceState.of(resource))
        return states


class RequestService(ResourceService):
    """PlanningRequests: what a customer asks for."""

    def assignments(self, request_id: UUID | str, *, party: Party | None = None) -> list[ResourceState]:
        """The current assignments whose planningRequestReference/documentId is this request's."""
        request = self.get(request_id, party=party)
        return self.app.assignments.referring_to(request.message["documentId"]["value"], party=party)


class AssignmentService(ResourceService):
    """PlanningAssignments: who is planned on which lines."""

    def referring_to(self, request_document_id: str, *, party: Party | None = None) -> list[ResourceState]:
        """The current assignments whose planningRequestReference/documentId/value is given."""
        return self._current_by_lookup(self.app.filing.digest(request_document_key(request_document_id)), party)


class ConstraintsService(ResourceService):
    """PlanningConstraints: a worker's availability."""

    def of_worker(self, worker_id: str, *, party: Party | None = None) -> list[ResourceState]:
        """The current constraints of a worker (by worker/workerId/value), oldest first."""
        return self._current_by_lookup(self.app.filing.digest(worker_key(worker_id)), party)
