"""The embedding API: SETU planning resources as an eventsourcing application.

A planning system or back office embeds :class:`PlanningApplication` and calls
it in SETU words, without Flask::

    app = PlanningApplication("sqlite:///planning.sqlite3")
    created = app.requests.submit(message, actor="customer-portal", setu_version="2.0")
    app.requests.add_line(created.state.id, "single", line)
    app.requests.as_of(created.state.id, last_tuesday_9am)
    app.requests.history(created.state.id)

Every command validates first and saves the resource's new event together with
the read-model changes it implies in one transaction: all or nothing.

Commands and queries take an optional ``party`` (a
:class:`~setu_planning.domain.parties.Party`): the counterparty acting. It
may create only messages that name it, and sees only resources that name it;
everything else answers exactly as an unknown id would. Without a party the
caller is the embedding system itself, which sees everything.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Collection, Hashable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.persistence import IntegrityError, StoredEvent
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
from setu_planning.domain.parties import NotPermitted, Party, may_see, named_identifiers
from setu_planning.domain.provenance import Provenance

from .history import HistoryEntry, audit_trail
from .persistence import database_url, persistence_env
from .readmodels import (
    KeyDigester,
    ReadModelWrites,
    request_document_key,
    submitted_document_key,
    worker_key,
)
from .recorders import PlanningRecorder, POPOPlanningRecorder
from .views import ViewCache

T = TypeVar("T")

Expected = int | Collection[int] | None
"""The version(s) a command expects the resource to be at (If-Match); None means any."""


def _matches(version: int, expected: Expected) -> bool:
    if expected is None:
        return True
    if isinstance(expected, int):
        return version == expected
    return version in expected


def _versions_text(expected: Expected) -> str:
    if isinstance(expected, int) or expected is None:
        return str(expected)
    return " or ".join(str(v) for v in sorted(expected))

SNAPSHOT_INTERVAL = 10
"""Take a snapshot every this many events, so rebuilding any past version replays at most this
many: an as-of query costs the same at 10 events or 10,000 (at the price of one snapshot row per
ten events)."""

COMMAND_ATTEMPTS = 100
"""A command that lost a race (another writer saved first) is re-run from fresh state,
after a random pause whose ceiling doubles with each attempt (up to RETRY_PAUSE_CAP), so
racing writers spread out; many writers on one hot resource all get their turn."""

RETRY_PAUSE_CAP = 0.05

INDEX_SECRET = "index-secret"
"""Name of the store's secret keying the digests of look-up keys (see :mod:`.readmodels`)."""


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


class PlanningApplication(Application[UUID]):
    """Keeps every SETU planning message exchanged as a stream of events."""

    name = "SetuPlanning"
    snapshotting_intervals = {
        PlanningRequest: SNAPSHOT_INTERVAL,
        PlanningAssignment: SNAPSHOT_INTERVAL,
        PlanningConstraints: SNAPSHOT_INTERVAL,
    }

    def __init__(self, database: str | None = None, env: Mapping[str, str] | None = None):
        """Open the event store named by ``database`` (a URL, see :mod:`.persistence`).

        Without a URL, ``$SETU_PLANNING_DB`` or the SQLite default is used;
        ``env`` may add or override eventsourcing settings.
        """
        settings = persistence_env(database_url(database), {**os.environ, **(env or {})})
        settings.update(env or {})
        super().__init__(settings)
        self.recorder: PlanningRecorder
        self._digest = KeyDigester(self._index_secret())
        self.views = ViewCache()
        self.requests = RequestService(self, MessageKind.REQUEST)
        self.assignments = AssignmentService(self, MessageKind.ASSIGNMENT)
        self.constraints = ConstraintsService(self, MessageKind.CONSTRAINTS)
        if self.recorder.max_notification_id() and not self.recorder.select_resource_ids(None, 1):
            # A store written before the read models existed: derive them once.
            self.rebuild_read_models()

    def close(self) -> None:
        closing = getattr(self.recorder, "close", None)  # e.g. SQLite's per-thread read connections
        if closing is not None:
            closing()
        super().close()

    def construct_recorder(self) -> PlanningRecorder:
        if isinstance(self.factory, POPOFactory):
            return POPOPlanningRecorder()
        recorder = self.factory.application_recorder()
        if not isinstance(recorder, PlanningRecorder):
            raise TypeError(
                f"{type(recorder).__name__} keeps no planning read models; set "
                "APPLICATION_RECORDER_TOPIC to a setu_planning.application.recorders class"
            )
        return recorder

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        """Snapshot a resource from memory when its newest event reaches the interval.

        The library would read the resource back from the store to snapshot it;
        the resource just saved is that very state. Other interval crossings
        (several events saved at once) go the library's way.
        """
        rest = ProcessingEvent[UUID]()
        for event in processing_event.events:
            resource = processing_event.aggregates.get(event.originator_id)
            interval = self.snapshotting_intervals.get(type(resource)) if resource is not None else None
            if interval and event.originator_version % interval == 0 and resource.version == event.originator_version:
                self.snapshots.put([type(resource).Snapshot.take(resource)])  # type: ignore[union-attr]
            else:
                rest.events.append(event)
                if resource is not None:
                    rest.aggregates[resource.id] = resource
        super()._take_snapshots(rest)

    def construct_snapshot_store(self) -> Any:
        return with_schema_lock(self.factory, super().construct_snapshot_store)

    def service(self, kind: MessageKind | str) -> ResourceService:
        """The service for one message kind (``PlanningRequest`` etc.)."""
        return {
            MessageKind.REQUEST: self.requests,
            MessageKind.ASSIGNMENT: self.assignments,
            MessageKind.CONSTRAINTS: self.constraints,
        }[MessageKind(kind)]

    # ------------------------------------------------------------ read models
    def _record(self, processing_event: ProcessingEvent[UUID]) -> Any:
        writes: ReadModelWrites = processing_event.saved_kwargs.setdefault("read_models", ReadModelWrites())
        for domain_event in processing_event.events:
            if isinstance(domain_event, PlanningResource.Event):
                writes.timestamps.append(
                    (domain_event.originator_id, domain_event.originator_version, domain_event.timestamp)
                )
        for aggregate in processing_event.aggregates.values():
            if isinstance(aggregate, PlanningResource):
                writes.current.append(self.current_row(aggregate))
        return super()._record(processing_event)

    def current_row(self, resource: PlanningResource) -> StoredEvent:
        """The current-state row of a resource: its snapshot, stored (and encrypted) like an event."""
        return self.mapper.to_stored_event(type(resource).Snapshot.take(resource))

    def resource_from_row(self, row: StoredEvent) -> PlanningResource:
        return self.mapper.to_domain_event(row).mutate(None)  # type: ignore[return-value,attr-defined]

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
        return {self._digest(key) for key in keys}

    def document_key(self, kind: MessageKind, submitter: str | None, message: Mapping[str, Any]) -> str:
        document = message["documentId"]
        key = submitted_document_key(
            kind, submitter, issuing_party(message), document["schemeAgencyId"], document["value"]
        )
        return self._digest(key)

    def digest(self, key: str) -> str:
        return self._digest(key)

    def _index_secret(self) -> bytes:
        """The store's own random secret for look-up digests, kept encrypted like the events."""
        stored = self.recorder.claim_meta(INDEX_SECRET, self._seal(os.urandom(32)))
        return self._unseal(stored)

    def _seal(self, value: bytes) -> bytes:
        return self.mapper.cipher.encrypt(value) if self.mapper.cipher else value

    def _unseal(self, value: bytes) -> bytes:
        if not self.mapper.cipher:
            return value
        from .rekey import plain  # a store written before encryption holds its secret in clear

        return plain(self.mapper.cipher, value)

    def rebuild_read_models(self, progress: Callable[[int], None] | None = None) -> int:
        """Derive every read model anew from the event log; returns the number of events read.

        ``progress`` is told the number of events read so far, as the work goes.
        """
        from .rebuild import read_model_writes

        counter = _Counter()
        counter.progress = progress
        self.recorder.rebuild_read_models(read_model_writes(self, counter))
        return counter.count

    # --------------------------------------------------------------- internals
    def _retrying(self, command: Callable[[], T]) -> T:
        for attempt in range(1, COMMAND_ATTEMPTS + 1):
            try:
                return command()
            except IntegrityError:
                if attempt == COMMAND_ATTEMPTS:
                    raise
                time.sleep(random.uniform(0, min(RETRY_PAUSE_CAP, 0.0005 * 2 ** min(attempt, 10))))
        raise AssertionError("unreachable")


class _Counter:
    count = 0
    progress: Callable[[int], None] | None = None


def with_schema_lock(factory: Any, create: Callable[[], T]) -> T:
    """Run ``create`` (which creates tables) under PostgreSQL's schema lock; as is elsewhere."""
    datastore = getattr(factory, "datastore", None)
    if datastore is None or not hasattr(datastore, "schema"):
        return create()
    from .recorders import schema_lock

    with schema_lock(datastore):
        return create()


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


def provenance(
    party: Party | None, actor: str | None, setu_version: str | None, on_behalf_of: str | None
) -> Provenance:
    """Who a command records: the authenticated party when there is one, else the caller's actor."""
    if party is not None:
        return Provenance.of_party(party.name, setu_version=setu_version, on_behalf_of=on_behalf_of)
    return Provenance(actor=actor, setu_version=setu_version, on_behalf_of=on_behalf_of)


class ResourceService:
    """Commands and queries for one kind of SETU planning resource."""

    def __init__(self, app: PlanningApplication, kind: MessageKind):
        self.app = app
        self.kind = kind
        self.resource_class = RESOURCE_CLASSES[kind]

    # ------------------------------------------------------------------ commands
    def submit(
        self,
        message: Mapping[str, Any],
        *,
        actor: str | None = None,
        setu_version: str | None = None,
        party: Party | None = None,
        on_behalf_of: str | None = None,
    ) -> Submission:
        """Create a resource from a message (POST); the same message again changes nothing.

        A party may submit only a message naming it (else ``NotPermitted``);
        its documentIds are its own: they never collide with another party's.
        """
        by = provenance(party, actor, setu_version, on_behalf_of)

        def attempt() -> Submission:
            resource = self.resource_class.submit(message, by=by)
            if party is not None and not party.is_named_in(resource.message):
                raise NotPermitted(
                    f"party {party.name} may only submit a {self.kind} whose supplier/id or "
                    "customer/id names one of its identifiers"
                )
            key = self.app.document_key(self.kind, by.party, resource.message)
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
            writes = self._lookup_writes(resource, None, resource.message)
            writes.documents.append((key, resource.id, replaces))
            self.app.save(resource, read_models=writes)
            return Submission(ResourceState.of(resource), created=True)

        return self.app._retrying(attempt)

    def replace(
        self,
        resource_id: UUID | str,
        message: Mapping[str, Any],
        *,
        actor: str | None = None,
        setu_version: str | None = None,
        expected_version: Expected = None,
        party: Party | None = None,
        on_behalf_of: str | None = None,
    ) -> ResourceState:
        """Replace the message (PUT): omitted optional elements keep their stored value."""
        by = provenance(party, actor, setu_version, on_behalf_of)
        return self._change(resource_id, expected_version, party, lambda r: r.replace(message, by=by))[0]

    def add_line(
        self,
        resource_id: UUID | str,
        line_kind: LineKind | str,
        line: Mapping[str, Any],
        *,
        actor: str | None = None,
        setu_version: str | None = None,
        expected_version: Expected = None,
        party: Party | None = None,
        on_behalf_of: str | None = None,
    ) -> tuple[ResourceState, dict[str, Any]]:
        """Add a periodic or single line; returns the new state and the stored line."""
        by = provenance(party, actor, setu_version, on_behalf_of)
        return self._change(
            resource_id, expected_version, party, lambda r: r.add_line(LineKind(line_kind), line, by=by)
        )

    def replace_line(
        self,
        resource_id: UUID | str,
        line_id: str,
        line: Mapping[str, Any],
        *,
        actor: str | None = None,
        setu_version: str | None = None,
        expected_version: Expected = None,
        party: Party | None = None,
        on_behalf_of: str | None = None,
    ) -> tuple[ResourceState, dict[str, Any]]:
        """Replace one line (PUT semantics); returns the new state and the resulting line."""
        by = provenance(party, actor, setu_version, on_behalf_of)
        return self._change(
            resource_id, expected_version, party, lambda r: r.replace_line(line_id, line, by=by)
        )

    def remove_line(
        self,
        resource_id: UUID | str,
        line_id: str,
        *,
        actor: str | None = None,
        setu_version: str | None = None,
        expected_version: Expected = None,
        party: Party | None = None,
        on_behalf_of: str | None = None,
    ) -> tuple[ResourceState, dict[str, Any]]:
        """Remove one line; returns the new state and the removed line."""
        by = provenance(party, actor, setu_version, on_behalf_of)
        return self._change(resource_id, expected_version, party, lambda r: r.remove_line(line_id, by=by))

    def cancel(
        self,
        resource_id: UUID | str,
        *,
        actor: str | None = None,
        setu_version: str | None = None,
        expected_version: Expected = None,
        party: Party | None = None,
        on_behalf_of: str | None = None,
    ) -> ResourceState:
        """Cancel (DELETE): gone from current state and lookups; history and the past remain."""
        by = provenance(party, actor, setu_version, on_behalf_of)
        return self._change(resource_id, expected_version, party, lambda r: r.cancel(by=by))[0]

    def _change(
        self,
        resource_id: UUID | str,
        expected_version: Expected,
        party: Party | None,
        command: Callable[[PlanningResource], Any],
    ) -> tuple[ResourceState, Any]:
        def attempt() -> tuple[ResourceState, Any]:
            resource = self._load_visible(resource_id, party)
            if resource.cancelled:
                raise ResourceCancelled(f"{self.kind} {resource.id} was cancelled")
            if not _matches(resource.version, expected_version):
                raise VersionMismatch(
                    f"{self.kind} {resource.id} is at version {resource.version}, "
                    f"not {_versions_text(expected_version)}"
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
            self.app.save(resource, read_models=self._lookup_writes(resource, before, after))
            return ResourceState.of(resource), result

        return self.app._retrying(attempt)

    def _lookup_writes(
        self, resource: PlanningResource, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
    ) -> ReadModelWrites:
        old = self.app.lookup_keys(self.kind, before)
        new = self.app.lookup_keys(self.kind, after)
        return ReadModelWrites(
            lookups_added=[(key, resource.id, None) for key in sorted(new - old)],
            lookups_removed=[(key, resource.id) for key in sorted(old - new)],
        )

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
        cached = None if version is None else self.app.views.get((uuid, version, variant))
        if cached is not None:
            named, rendered = cached
            if party is None or not party.identifiers.isdisjoint(named):
                return rendered
            raise ResourceNotFound(f"no {self.kind} with id {uuid}")
        state = self.get(uuid, party=party)
        rendered = render(state)
        self.app.views.put((uuid, state.version, variant), named_identifiers(state.message), rendered)
        return rendered

    def identify(self, resource_id: UUID | str, *, party: Party | None = None) -> UUID:
        """The id of a resource ``party`` may see, cancelled or not; else ``ResourceNotFound``."""
        return self._load_visible(resource_id, party).id

    def get_line(self, resource_id: UUID | str, line_id: str, *, party: Party | None = None) -> dict[str, Any]:
        """One line of the current state."""
        return self.get(resource_id, party=party).line(line_id)

    def as_of(self, resource_id: UUID | str, moment: datetime, *, party: Party | None = None) -> ResourceState:
        """The state at a past moment (aware datetime): one index look-up, then a snapshot."""
        uuid = self._load_visible(resource_id, party).id
        version = self.app.recorder.version_at(uuid, moment)
        if version < 1:
            raise ResourceNotFound(f"{self.kind} {uuid} did not exist at {moment.isoformat()}")
        return self._state_at(uuid, version, f"at {moment.isoformat()}")

    def at_version(self, resource_id: UUID | str, version: int, *, party: Party | None = None) -> ResourceState:
        """The state right after the event with that version number."""
        current = self._load_visible(resource_id, party)
        if not 1 <= version <= current.version:
            raise ResourceNotFound(
                f"{self.kind} {current.id} has versions 1 to {current.version}, not {version}"
            )
        if version == current.version:
            if current.cancelled:
                raise ResourceCancelled(f"{self.kind} {current.id} was already cancelled at version {version}")
            return ResourceState.of(current)
        return self._state_at(current.id, version, f"at version {version}")

    def history(self, resource_id: UUID | str, *, party: Party | None = None) -> list[HistoryEntry]:
        """The audit trail, oldest first; kept after cancellation."""
        uuid = self._load_visible(resource_id, party).id
        return audit_trail(self.app.events.get(uuid))

    def find_by_document(
        self, issuer: str, document_id: str, document_scheme: str, *, party: Party | None = None
    ) -> ResourceState | None:
        """The current resource submitted under a documentId, if any.

        ``issuer`` is as :func:`issuing_party` writes it, e.g. ``"Customer:OTTO_NLTHO001"``;
        with ``party``, only what that party submitted is found.
        """
        key = submitted_document_key(
            self.kind, party.name if party else None, issuer, document_scheme, document_id
        )
        resource_id = self.app.recorder.select_document(self.app.digest(key))
        if resource_id is None:
            return None
        resource = self._load(resource_id)
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
        uuid = self._uuid(resource_id)
        row = self.app.recorder.select_current(uuid)
        resource = None if row is None else self.app.resource_from_row(row)
        if not isinstance(resource, self.resource_class):
            raise ResourceNotFound(f"no {self.kind} with id {uuid}")
        return resource

    def _load_visible(self, resource_id: UUID | str, party: Party | None) -> PlanningResource:
        """The resource, if ``party`` may see it; otherwise exactly the answer for an unknown id."""
        resource = self._load(resource_id)
        if not may_see(party, resource.message):
            raise ResourceNotFound(f"no {self.kind} with id {resource.id}")
        return resource

    def _state_at(self, uuid: UUID, version: int, when: str) -> ResourceState:
        resource = self.app.repository.get(uuid, version=version)
        if not isinstance(resource, self.resource_class):
            raise ResourceNotFound(f"no {self.kind} with id {uuid}")
        if resource.cancelled:
            raise ResourceCancelled(f"{self.kind} {uuid} was already cancelled {when}")
        return ResourceState.of(resource)

    def _current_by_lookup(self, key: str, party: Party | None) -> list[ResourceState]:
        states = []
        for row in self.app.recorder.select_current_by_lookup(key):
            resource = self.app.resource_from_row(row)
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
        return self._current_by_lookup(self.app.digest(request_document_key(request_document_id)), party)


class ConstraintsService(ResourceService):
    """PlanningConstraints: a worker's availability."""

    def of_worker(self, worker_id: str, *, party: Party | None = None) -> list[ResourceState]:
        """The current constraints of a worker (by worker/workerId/value), oldest first."""
        return self._current_by_lookup(self.app.digest(worker_key(worker_id)), party)
