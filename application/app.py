"""The embedding API: SETU planning resources as an eventsourcing application.

A planning system or back office embeds :class:`PlanningApplication` and calls
it in SETU words, without Flask::

    app = PlanningApplication("sqlite:///planning.sqlite3")
    created = app.requests.submit(message, by=Caller.local("customer-portal", setu_version="2.0"))
    app.requests.add_line(created.state.id, "single", line)
    app.requests.as_of(created.state.id, last_tuesday_9am)
    app.requests.history(created.state.id)

This module is the wiring: the store the URL names, the read models, the
snapshots and one service per message kind. The use cases themselves are in
:mod:`.services`, what they return in :mod:`.states`.

Commands are told who acts by ``by=`` (a
:class:`~setu_planning.domain.provenance.Caller`), queries by an optional
``party`` (a :class:`~setu_planning.domain.parties.Party`): the counterparty
acting. It may create only messages that name it, and sees only resources that name it;
everything else answers exactly as an unknown id would. Without a party the
caller is the embedding system itself, which sees everything.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.persistence import EventStore, StoredEvent

from setu_planning.domain.aggregates import (
    PlanningAssignment,
    PlanningConstraints,
    PlanningRequest,
    PlanningResource,
)
from setu_planning.domain.conflicts import Conflict
from setu_planning.domain.messages import MessageKind, issuing_party
from setu_planning.domain.parties import Party

from .concurrency import COMMAND_ATTEMPTS, RETRY_PAUSE_CAP, Expected
from .encryption import plain
from .persistence import database_url, persistence_env, store_settings
from .planning import Availability, Coverage, PlanningQueries
from .readmodels import Filing, KeyDigester, ReadModelWrites
from .rebuild import EventCounter, read_model_writes
from .sealing import SealingMapper, subject_of_resource
from .services import AssignmentService, ConstraintsService, RequestService, ResourceService
from .states import ResourceState, Submission
from .stores.contract import PlanningRecorder, PlanningStore, store_of
from .views import ViewCache
from .worker_keys import WorkerKeyring

__all__ = [  # the use cases, what they return and issuing_party moved; importable from here as before
    "COMMAND_ATTEMPTS",
    "INDEX_SECRET",
    "RETRY_PAUSE_CAP",
    "SNAPSHOT_INTERVAL",
    "AssignmentService",
    "ConstraintsService",
    "Expected",
    "PlanningApplication",
    "RequestService",
    "ResourceService",
    "ResourceState",
    "Submission",
    "issuing_party",
]

SNAPSHOT_INTERVAL = 10
"""Take a snapshot every this many events, so rebuilding any past version replays at most this
many: an as-of query costs the same at 10 events or 10,000 (at the price of one snapshot row per
ten events)."""

INDEX_SECRET = "index-secret"
"""Name of the store's secret keying the digests of look-up keys (see :mod:`.readmodels`)."""


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
        super().__init__(store_settings(settings))
        self.recorder: PlanningRecorder
        self.mapper: SealingMapper
        digest = KeyDigester(self._index_secret())
        self.mapper.keyring = WorkerKeyring(self.store.worker_keys(self.recorder), digest, self.mapper.cipher)
        self.filing = Filing(self.mapper, digest)
        self.views = ViewCache()
        self.requests = RequestService(self, MessageKind.REQUEST)
        self.assignments = AssignmentService(self, MessageKind.ASSIGNMENT)
        self.constraints = ConstraintsService(self, MessageKind.CONSTRAINTS)
        if self.recorder.max_notification_id() and not self.recorder.select_resource_ids(None, 1):
            # A store written before the read models existed: derive them once.
            self.rebuild_read_models()

    def close(self) -> None:
        self.recorder.close()  # e.g. SQLite's per-thread read connections
        super().close()

    def construct_mapper(self) -> SealingMapper:
        """Each worker's personal data under that worker's own key (see :mod:`.sealing`)."""
        mapper = self.factory.mapper(transcoder=self.construct_transcoder(), mapper_class=SealingMapper)
        assert isinstance(mapper, SealingMapper)
        return mapper

    @property
    def store(self) -> PlanningStore:
        """The store the events are kept in; it says which backend it is."""
        return store_of(self.factory)

    def construct_recorder(self) -> PlanningRecorder:
        store_of(self.factory)  # a library factory is refused, saying what to set
        recorder = self.factory.application_recorder()
        if not isinstance(recorder, PlanningRecorder):
            raise TypeError(
                f"{type(recorder).__name__} keeps no planning read models; set "
                "APPLICATION_RECORDER_TOPIC to a setu_planning.application.stores class"
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
            if (
                interval
                and resource is not None
                and event.originator_version % interval == 0
                and resource.version == event.originator_version
            ):
                self.snapshots.put([type(resource).Snapshot.take(resource)])  # type: ignore[union-attr,attr-defined]
            else:
                rest.events.append(event)
                if resource is not None:
                    rest.aggregates[resource.id] = resource
        super()._take_snapshots(rest)

    def construct_snapshot_store(self) -> EventStore[UUID]:
        with store_of(self.factory).schema_lock():
            return super().construct_snapshot_store()

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
        subjects = {
            aggregate.id: subject_of_resource(aggregate)
            for aggregate in processing_event.aggregates.values()
            if isinstance(aggregate, PlanningResource)
        }
        keyring = self.mapper.keyring
        # Replacements and line events do not say whose they are; new workers' keys go with the events.
        with self.mapper.subjects(subjects), keyring.creating(writes.keys) if keyring else nullcontext():
            self.filing.file_save(writes, processing_event.events, processing_event.aggregates.values())
            recordings = super()._record(processing_event)
        if keyring:
            keyring.adopt(writes.keys)
        return recordings

    # The filing, as the application offered it before it had its own module.
    def current_row(self, resource: PlanningResource) -> StoredEvent:
        """The current-state row of a resource: its snapshot, stored (and encrypted) like an event."""
        return self.filing.current_row(resource)

    def resource_from_row(self, row: StoredEvent) -> PlanningResource:
        return self.filing.resource_from_row(row)

    def lookup_keys(self, kind: MessageKind, message: Mapping[str, Any] | None) -> set[str]:
        """The digests of the look-up keys a message is filed under."""
        return self.filing.lookup_keys(kind, message)

    def document_key(self, kind: MessageKind, submitter: str | None, message: Mapping[str, Any]) -> str:
        return self.filing.document_key(kind, submitter, message)

    def digest(self, key: str) -> str:
        return self.filing.digest(key)

    def _index_secret(self) -> bytes:
        """The store's own random secret for look-up digests, kept encrypted like the events."""
        stored = self.recorder.claim_meta(INDEX_SECRET, self._seal(os.urandom(32)))
        return self._unseal(stored)

    def _seal(self, value: bytes) -> bytes:
        return self.mapper.cipher.encrypt(value) if self.mapper.cipher else value

    def _unseal(self, value: bytes) -> bytes:
        if not self.mapper.cipher:
            return value
        return plain(self.mapper.cipher, value)  # a store written before encryption holds its secret in clear

    def erase_worker(self, hr_id: str, scheme: str | None = None, *, actor: str) -> Any:
        """A worker's right to erasure: see :func:`.erasure.erase_worker`."""
        from .erasure import erase_worker

        return erase_worker(self, hr_id, scheme, actor=actor)

    def rebuild_read_models(self, progress: Callable[[int], None] | None = None) -> int:
        """Derive every read model anew from the event log; returns the number of events read.

        ``progress`` is told the number of events read so far, as the work goes.
        """
        counter = EventCounter()
        counter.progress = progress
        self.recorder.rebuild_read_models(read_model_writes(self.recorder, self.filing, counter))
        return counter.count

    # ---------------------------------------------------------------- planning
    @functools.cached_property
    def planning(self) -> PlanningQueries:
        """The planner's queries (:class:`.planning.PlanningQueries`); replace it to set a zone or rules."""
        return PlanningQueries(self)

    def availability(
        self, hr_id: str, start: datetime, end: datetime, *, as_of: datetime | None = None, party: Party | None = None
    ) -> Availability:
        """A worker's availability in ``[start, end)`` as bands (see :mod:`.planning`)."""
        return self.planning.availability(hr_id, start, end, as_of=as_of, party=party)

    def conflicts(
        self,
        *,
        hr_id: str | None = None,
        request_id: UUID | str | None = None,
        start: datetime,
        end: datetime,
        as_of: datetime | None = None,
        party: Party | None = None,
    ) -> list[Conflict]:
        """Every conflict of a worker or a request in ``[start, end)`` (see :mod:`.planning`)."""
        return self.planning.conflicts(
            hr_id=hr_id, request_id=request_id, start=start, end=end, as_of=as_of, party=party
        )

    def coverage(
        self,
        request_id: UUID | str,
        start: datetime,
        end: datetime,
        *,
        as_of: datetime | None = None,
        party: Party | None = None,
    ) -> Coverage:
        """Required and assigned workers per occurrence of a request's lines (see :mod:`.planning`)."""
        return self.planning.coverage(request_id, start, end, as_of=as_of, party=party)
