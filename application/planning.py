"""What a planner asks of the store: availability, conflicts and coverage, now or as of a moment.

The queries read the worker's or the request's own resources only (through
the look-ups, :mod:`.planning_index`), and every state through the services'
``get`` / ``as_of`` with the caller's ``party``, so they see exactly what the
rest of the embedding API lets that party see. The meaning of lines and the
rules are pure domain code (:mod:`setu_planning.domain.calendar`,
:mod:`setu_planning.domain.conflicts`).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from setu_planning.domain.calendar import (
    AVAILABILITY_LINES,
    DEFAULT_ZONE,
    Band,
    Calendar,
    Occurrence,
    PlanningQueryInvalid,
    availability_bands,
    check_window,
)
from setu_planning.domain.conflicts import (
    Conflict,
    Slot,
    WorkingTimeRules,
    availability_conflicts,
    coverage_conflicts,
    double_bookings,
    match_coverage,
    position_period_conflicts,
    working_time_conflicts,
)
from setu_planning.domain.errors import ResourceNotFound
from setu_planning.domain.parties import Party, may_see

from .planning_cache import ExpandedLines, PastStates
from .planning_index import (
    assigned_worker,
    ever_assigned_worker_key,
    ever_request_document_key,
    ever_worker_key,
    request_document,
)
from .readmodels import worker_key

if TYPE_CHECKING:
    from .app import PlanningApplication, ResourceService, ResourceState

ZONE_VARIABLE = "SETU_PLANNING_TIME_ZONE"
"""Where times without an offset are read (an IANA zone name; default Europe/Amsterdam)."""

_DAY = dt.timedelta(days=1)
_WEEK_CONTEXT = dt.timedelta(days=8)
"""How far before a window shifts are read, for the week total and the rest before the first one."""


@dataclass(frozen=True)
class Availability:
    """A worker's availability in a window, as disjoint bands."""

    hr_id: str
    start: dt.datetime
    end: dt.datetime
    intervals: list[Band]

    def as_json(self) -> dict[str, Any]:
        return {
            "hrId": self.hr_id,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "intervals": [band.as_json() for band in self.intervals],
        }


@dataclass(frozen=True)
class Coverage:
    """Per occurrence of each line of a request: how many workers it asks for, and who is assigned."""

    request: str
    occurrences: list[Slot]

    def as_json(self) -> dict[str, Any]:
        return {"request": self.request, "occurrences": [slot.as_json() for slot in self.occurrences]}


@dataclass(frozen=True)
class Shift:
    """One occurrence of an assignment line of a worker (for views that draw them)."""

    occurrence: Occurrence
    assignment: ResourceState


def zone_from(env: Mapping[str, str] | None = None) -> dt.tzinfo:
    name = (env or os.environ).get(ZONE_VARIABLE) or DEFAULT_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{ZONE_VARIABLE}={name!r} is not an IANA time zone such as Europe/Amsterdam") from None


class PlanningQueries:
    """Availability, conflicts and coverage over one :class:`PlanningApplication`."""

    def __init__(
        self,
        app: PlanningApplication,
        *,
        calendar: Calendar | None = None,
        rules: WorkingTimeRules | None = None,
    ):
        self.app = app
        self.calendar = calendar or Calendar(zone_from({**os.environ, **dict(app.env)}))
        self.rules = rules or WorkingTimeRules()
        self.lines = ExpandedLines()
        self.past = PastStates()

    # ------------------------------------------------------------ the three queries
    def availability(
        self,
        hr_id: str,
        start: dt.datetime,
        end: dt.datetime,
        *,
        as_of: dt.datetime | None = None,
        party: Party | None = None,
    ) -> Availability:
        """The worker's availability in ``[start, end)``: status, line and resource of each band."""
        check_window(start, end)
        return Availability(hr_id, start, end, self._bands(self.constraints_of(hr_id, as_of, party), start, end))

    def conflicts(
        self,
        *,
        hr_id: str | None = None,
        request_id: UUID | str | None = None,
        start: dt.datetime,
        end: dt.datetime,
        as_of: dt.datetime | None = None,
        party: Party | None = None,
    ) -> list[Conflict]:
        """Every conflict in ``[start, end)`` of a worker, of a request, or of a worker on a request."""
        check_window(start, end)
        if hr_id is None and request_id is None:
            raise PlanningQueryInvalid("hrId or request: name the worker or the request whose conflicts you ask for")
        if request_id is None:
            found = self._worker_conflicts(str(hr_id), start, end, as_of, party)
        else:
            request = self._state(self.app.requests, request_id, as_of, party)
            assignments = self._assignments_of(request, as_of, party)
            ids = {str(a.id) for a in assignments}
            found = []
            if hr_id is None:
                slots = self._slots(request, assignments, start, end)
                found += coverage_conflicts(str(request.id), slots)
                found += position_period_conflicts(None, request.message, [s.occurrence for s in slots], "request")
            workers = [hr_id] if hr_id is not None else sorted({w for a in assignments if (w := _worker(a))})
            for worker in workers:
                found += [
                    c for c in self._worker_conflicts(worker, start, end, as_of, party) if ids.intersection(c.resources)
                ]
        return sorted(set(found), key=lambda c: (c.start, c.end, c.kind, c.hr_id or "", c.line_ids))

    def coverage(
        self,
        request_id: UUID | str,
        start: dt.datetime,
        end: dt.datetime,
        *,
        as_of: dt.datetime | None = None,
        party: Party | None = None,
    ) -> Coverage:
        """For each occurrence of the request's lines starting in the window: required and assigned."""
        check_window(start, end)
        request = self._state(self.app.requests, request_id, as_of, party)
        assignments = self._assignments_of(request, as_of, party)
        return Coverage(str(request.id), self._slots(request, assignments, start, end))

    # ------------------------------------------------------------ for views
    def shifts(
        self,
        hr_id: str,
        start: dt.datetime,
        end: dt.datetime,
        *,
        as_of: dt.datetime | None = None,
        party: Party | None = None,
    ) -> list[Shift]:
        """The worker's assigned shifts starting in ``[start, end)``, with their assignment."""
        check_window(start, end)
        found = [
            Shift(o, a)
            for a in self.assignments_of(hr_id, as_of, party)
            for o in self.lines.shifts(self.calendar, a, start, end)
        ]
        return sorted(found, key=lambda s: (s.occurrence.start, s.occurrence.line_id))

    def constraints_of(self, hr_id: str, as_of: dt.datetime | None, party: Party | None) -> list[ResourceState]:
        """The worker's constraints, now or as of a moment."""
        if as_of is None:  # what app.constraints.of_worker answers, read through the cache
            return self._filed(self.app.constraints, worker_key(hr_id), None, party, lambda m: True)
        return self._filed(
            self.app.constraints,
            ever_worker_key(hr_id),
            as_of,
            party,
            lambda m: hr_id in {w.get("value") for w in (m.get("worker") or {}).get("workerId", ())},
        )

    def assignments_of(self, hr_id: str, as_of: dt.datetime | None, party: Party | None) -> list[ResourceState]:
        """The worker's assignments with assignedStatus true, now or as of a moment."""
        return self._filed(
            self.app.assignments,
            ever_assigned_worker_key(hr_id),
            as_of,
            party,
            lambda m: assigned_worker(m) == hr_id and _assigned(m),
        )

    # ------------------------------------------------------------ internals
    def _worker_conflicts(
        self, hr_id: str, start: dt.datetime, end: dt.datetime, as_of: dt.datetime | None, party: Party | None
    ) -> list[Conflict]:
        assignments = self.assignments_of(hr_id, as_of, party)
        around = [
            o for a in assignments for o in self.lines.shifts(self.calendar, a, start - _WEEK_CONTEXT, end + _DAY)
        ]
        inside = [o for o in around if start <= o.start < end]
        found: list[Conflict] = []
        if inside:
            constraints = self.constraints_of(hr_id, as_of, party)
            since, until = min(o.start for o in inside), max(o.end for o in inside)
            bands = self._bands(constraints, since, until)
            found += availability_conflicts(hr_id, inside, bands, has_constraints=bool(constraints))
        for assignment in assignments:
            resource = str(assignment.id)
            mine = [o for o in inside if o.resource == resource]
            found += position_period_conflicts(hr_id, assignment.message, mine, "assignment")
        found += double_bookings(hr_id, around)
        found += working_time_conflicts(hr_id, around, self.rules, self.calendar.zone)
        return [c for c in found if c.overlaps(start, end)]

    def _bands(self, constraints: list[ResourceState], start: dt.datetime, end: dt.datetime) -> list[Band]:
        occurrences = [
            o for c in constraints for o in self.lines.expand(self.calendar, c, start, end, AVAILABILITY_LINES)
        ]
        return availability_bands(occurrences, start, end)

    def _slots(
        self, request: ResourceState, assignments: list[ResourceState], start: dt.datetime, end: dt.datetime
    ) -> list[Slot]:
        wanted = list(self.lines.shifts(self.calendar, request, start, end))
        planned = [
            (worker, o)
            for a in assignments
            if (worker := _worker(a)) and _assigned(a.message)
            for o in self.lines.shifts(self.calendar, a, start - _DAY, end + _DAY)
        ]
        return match_coverage(wanted, planned)

    def _assignments_of(
        self, request: ResourceState, as_of: dt.datetime | None, party: Party | None
    ) -> list[ResourceState]:
        document = request.message["documentId"]["value"]
        if as_of is None:
            return self.app.requests.assignments(request.id, party=party)
        return self._filed(
            self.app.assignments,
            ever_request_document_key(document),
            as_of,
            party,
            lambda m: request_document(m) == document,
        )

    def _filed(
        self,
        service: ResourceService,
        key: str,
        as_of: dt.datetime | None,
        party: Party | None,
        keep: Callable[[Mapping[str, Any]], bool],
    ) -> list[ResourceState]:
        """The resources filed under ``key`` whose state (now or then) ``keep`` accepts.

        Each row is the resource's current state, read with the look-up: now, it
        is the answer; as of a moment, so it is when the resource has not changed
        since (one index look-up says); else the state then is rebuilt.
        """
        found = []
        if as_of is not None:
            self._check_erasures()
        for row in self.app.recorder.select_current_by_lookup(self.app.digest(key)):
            if as_of is None:
                state = service.state_of_row(row, party=party)
            else:
                uuid = row.originator_id if isinstance(row.originator_id, UUID) else UUID(row.originator_id)
                version = self.app.recorder.version_at(uuid, as_of)
                if version < 1:  # not yet made then
                    continue
                if version == row.originator_version:
                    state = service.state_of_row(row, party=party)
                else:
                    state = self._past(service, uuid, version, party)
            if state is not None and keep(state.message):
                found.append(state)
        return found

    def _past(self, service: ResourceService, uuid: UUID, version: int, party: Party | None) -> ResourceState | None:
        """The state at a past version, rebuilt once and then kept (see :class:`.planning_cache.PastStates`)."""
        state = self.past.get(service.kind, uuid, version)
        if state is None:
            try:
                state = service.state_at(uuid, version)
            except ResourceNotFound:  # another kind, or cancelled, then
                return None
            self.past.put(state)
        return state if may_see(party, state.message) else None

    def _check_erasures(self) -> None:
        """Past states decoded before an erasure (here or in another process) are dropped, with the cached keys."""
        keyring = self.app.mapper.keyring
        if keyring is not None and not self.past.still_true(keyring.table.erasure_count()):
            keyring.forget()

    @staticmethod
    def _state(
        service: ResourceService, resource_id: UUID | str, as_of: dt.datetime | None, party: Party | None
    ) -> ResourceState:
        if as_of is None:
            return service.get(resource_id, party=party)
        return service.as_of(resource_id, as_of, party=party)


def _assigned(message: Mapping[str, Any]) -> bool:
    return bool((message.get("assignedWorker") or {}).get("assignedStatus", True))


def _worker(assignment: ResourceState) -> str | None:
    return assigned_worker(assignment.message)
