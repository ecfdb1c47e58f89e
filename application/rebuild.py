"""Deriving every read model anew from the event log.

The read models (:mod:`.readmodels`) are written with the events, so they
never need this in normal operation. It is for a store written before they
existed, after restoring only the events from a backup, or after a change in
how look-up keys are derived. Events are read per resource, in version order
(:meth:`~.recorders.PlanningRecorder.select_events_in_originator_order`), so
only one resource is in memory at a time, whatever the size of the store.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import Notification

from .readmodels import ReadModelWrites

if TYPE_CHECKING:
    from .app import PlanningApplication

PAGE = 2_000
"""Stored events read per query."""

RESOURCES_PER_WRITE = 500
"""Resources whose read models are written per transaction."""

_RESOURCE_TOPICS = "setu_planning.domain.aggregates:"


def events_per_resource(app: PlanningApplication) -> Iterator[list[Notification]]:
    """Each resource's stored events, oldest first, one resource at a time."""
    after: tuple[UUID, int] | None = None
    current: list[Notification] = []
    while page := app.recorder.select_events_in_originator_order(after, PAGE):
        for notification in page:
            if current and current[0].originator_id != notification.originator_id:
                yield current
                current = []
            current.append(notification)
        last = page[-1]
        after = (last.originator_id, last.originator_version)  # type: ignore[assignment]
    if current:
        yield current


def read_model_writes(app: PlanningApplication, counter: Any) -> Iterator[ReadModelWrites]:
    """The read-model rows of every resource in the event log, in batches."""
    batch = ReadModelWrites()
    documents: dict[str, tuple[int, UUID]] = {}
    resources = 0
    for notifications in events_per_resource(app):
        counter.count += len(notifications)
        if getattr(counter, "progress", None) is not None:
            counter.progress(counter.count)
        if not notifications[0].topic.startswith(_RESOURCE_TOPICS):
            continue  # not a planning resource (e.g. an index aggregate of an older version)
        _replay(app, notifications, batch, documents)
        resources += 1
        if resources % RESOURCES_PER_WRITE == 0:
            yield batch
            batch = ReadModelWrites()
    # A documentId submitted again after a cancellation points at the newest resource.
    batch.documents.extend((key, resource_id, None) for key, (_, resource_id) in documents.items())
    yield batch


def _replay(
    app: PlanningApplication,
    notifications: list[Notification],
    batch: ReadModelWrites,
    documents: dict[str, tuple[int, UUID]],
) -> None:
    resource: Any = None
    filed: dict[str, int] = {}  # look-up key -> position (notification id that filed it)
    for notification in notifications:
        event = app.mapper.to_domain_event(notification)
        resource = event.mutate(resource)
        batch.timestamps.append((resource.id, resource.version, event.timestamp))
        keys = app.lookup_keys(resource.kind, None if resource.cancelled else resource.message)
        filed = {key: filed.get(key, notification.id) for key in keys}
        if resource.version == 1:
            key = app.document_key(resource.kind, resource.origin, resource.message)
            if key not in documents or documents[key][0] < notification.id:
                documents[key] = (notification.id, resource.id)
    batch.current.append(app.current_row(resource))
    batch.lookups_added.extend((key, resource.id, position) for key, position in filed.items())
