"""Deriving every read model anew from the event log.

The read models (:mod:`.readmodels`) are written with the events, so they
never need this in normal operation. It is for a store written before they
existed, after restoring only the events from a backup, or after a change in
how look-up keys are derived. Events are read per resource, in version order
(:meth:`~.stores.contract.PlanningRecorder.select_events_in_originator_order`),
so only one resource is in memory at a time, whatever the size of the store.
What each resource files is :meth:`.readmodels.Filing.file_history`'s to say.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.persistence import Notification

from .readmodels import RESOURCE_TOPICS, DocumentClaims, Filing, ReadModelWrites
from .stores.contract import PlanningRecorder

PAGE = 2_000
"""Stored events read per query."""

RESOURCES_PER_WRITE = 500
"""Resources whose read models are written per transaction."""


@dataclass
class EventCounter:
    """How many stored events a rebuild read."""

    count: int = 0
    progress: Callable[[int], None] | None = None
    """Told the number of events read so far, as the work goes."""


def events_per_resource(recorder: PlanningRecorder) -> Iterator[list[Notification]]:
    """Each resource's stored events, oldest first, one resource at a time."""
    after: tuple[UUID, int] | None = None
    current: list[Notification] = []
    while page := recorder.select_events_in_originator_order(after, PAGE):
        for notification in page:
            if current and current[0].originator_id != notification.originator_id:
                yield current
                current = []
            current.append(notification)
        last = page[-1]
        after = (last.originator_id, last.originator_version)  # type: ignore[assignment]
    if current:
        yield current


def read_model_writes(recorder: PlanningRecorder, filing: Filing, counter: EventCounter) -> Iterator[ReadModelWrites]:
    """The read-model rows of every resource in the event log, in batches."""
    batch = ReadModelWrites()
    documents: DocumentClaims = {}
    resources = 0
    for notifications in events_per_resource(recorder):
        counter.count += len(notifications)
        if counter.progress is not None:
            counter.progress(counter.count)
        if not notifications[0].topic.startswith(RESOURCE_TOPICS):
            continue  # not a planning resource (e.g. an index aggregate of an older version)
        filing.file_history(notifications, batch, documents)
        resources += 1
        if resources % RESOURCES_PER_WRITE == 0:
            yield batch
            batch = ReadModelWrites()
    # A documentId submitted again after a cancellation points at the newest resource.
    batch.documents.extend((key, resource_id, None) for key, (_, resource_id) in documents.items())
    yield batch
