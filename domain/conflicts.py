"""What is wrong with a planning: conflicts between shifts, availability, requests and the law.

Pure functions over :mod:`.calendar` occurrences. The kinds are pinned
(more may be added); each conflict says which worker, when, which resources
and lines, and why in one sentence. The reference for the kinds is the usual
employee-scheduling set (overlap, unavailability, rest between shifts) and
the Dutch Working Hours Act's defaults (Arbeidstijdenwet: 11 hours' rest, a
12-hour shift, 60 hours in a week), which are configurable warnings.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .calendar import Band, Occurrence, elapsed, position_period, within_period

OUTSIDE_AVAILABILITY = "outside_availability"
RATHER_NOT = "rather_not"
DOUBLE_BOOKED = "double_booked"
UNFILLED = "unfilled"
OVERFILLED = "overfilled"
OUTSIDE_POSITION_PERIOD = "outside_position_period"
WORKING_TIME = "working_time"

KINDS = (OUTSIDE_AVAILABILITY, RATHER_NOT, DOUBLE_BOOKED, UNFILLED, OVERFILLED, OUTSIDE_POSITION_PERIOD, WORKING_TIME)

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Conflict:
    """One thing wrong with a planning, in a stretch of time."""

    kind: str
    severity: str
    hr_id: str | None
    start: dt.datetime
    end: dt.datetime
    resources: tuple[str, ...]
    line_ids: tuple[str, ...]
    detail: str

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "severity": self.severity,
            "hrId": self.hr_id,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "resources": list(self.resources),
            "lineIds": list(self.line_ids),
            "detail": self.detail,
        }

    def overlaps(self, start: dt.datetime, end: dt.datetime) -> bool:
        return self.start < end and self.end > start


@dataclass(frozen=True)
class WorkingTimeRules:
    """The Working Hours Act's defaults; a collective agreement may set others."""

    minimum_rest: dt.timedelta = dt.timedelta(hours=11)
    maximum_shift: dt.timedelta = dt.timedelta(hours=12)
    maximum_week: dt.timedelta = dt.timedelta(hours=60)


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _hm(moment: dt.datetime) -> str:
    """``Mon 2023-06-19T07:00+00:00``: readable, and cheap (strftime was a fifth of a query)."""
    return f"{_WEEKDAYS[moment.weekday()]} {moment.isoformat(timespec='minutes')}"


def _hours(span: dt.timedelta) -> str:
    return f"{span.total_seconds() / 3600:g} h"


def _unique(values: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


# ------------------------------------------------------------------ availability
def availability_conflicts(
    hr_id: str, shifts: Sequence[Occurrence], bands: Sequence[Band], *, has_constraints: bool
) -> list[Conflict]:
    """Shifts where the worker is NotAvailable, RatherNot, or (having constraints) not covered at all."""
    found: list[Conflict] = []
    bands = sorted(bands, key=lambda b: b.start)
    ends = [band.end for band in bands]  # disjoint bands by start: their ends are in order too
    for shift in shifts:
        cursor = shift.start
        for band in bands[bisect.bisect_right(ends, shift.start) :]:
            if band.start >= shift.end:
                break
            left, right = max(band.start, shift.start), min(band.end, shift.end)
            if left > cursor and has_constraints:
                found.append(_uncovered(hr_id, shift, cursor, left))
            cursor = max(cursor, right)
            if band.status == "NotAvailable":
                found.append(
                    Conflict(
                        OUTSIDE_AVAILABILITY,
                        ERROR,
                        hr_id,
                        _as(left, shift),
                        _as(right, shift),
                        _unique((shift.resource, band.resource)),
                        _unique((shift.line_id, band.line_id)),
                        f"planned on line {shift.line_id} from {_hm(_as(left, shift))} to {_hm(_as(right, shift))} "
                        f"while not available (availability line {band.line_id})",
                    )
                )
            elif band.status == "RatherNot":
                found.append(
                    Conflict(
                        RATHER_NOT,
                        WARNING,
                        hr_id,
                        _as(left, shift),
                        _as(right, shift),
                        _unique((shift.resource, band.resource)),
                        _unique((shift.line_id, band.line_id)),
                        f"planned on line {shift.line_id} from {_hm(_as(left, shift))} to {_hm(_as(right, shift))} "
                        f"where the worker would rather not (availability line {band.line_id})",
                    )
                )
        if cursor < shift.end and has_constraints:
            found.append(_uncovered(hr_id, shift, cursor, shift.end))
    return found


def _uncovered(hr_id: str, shift: Occurrence, left: dt.datetime, right: dt.datetime) -> Conflict:
    return Conflict(
        OUTSIDE_AVAILABILITY,
        ERROR,
        hr_id,
        _as(left, shift),
        _as(right, shift),
        _unique((shift.resource,)),
        (shift.line_id,),
        f"planned on line {shift.line_id} from {_hm(_as(left, shift))} to {_hm(_as(right, shift))} "
        "where no availability line of the worker says it is available",
    )


def _as(moment: dt.datetime, like: Occurrence) -> dt.datetime:
    return moment.astimezone(like.start.tzinfo)


# ------------------------------------------------------------------ double booking
def double_bookings(hr_id: str, shifts: Sequence[Occurrence]) -> list[Conflict]:
    """Overlapping shifts of two different assignments of the same worker."""
    ordered = sorted(shifts, key=lambda s: (s.start, s.end))
    found: list[Conflict] = []
    for index, first in enumerate(ordered):
        for second in ordered[index + 1 :]:
            if second.start >= first.end:
                break
            if second.resource == first.resource:
                continue
            left, right = max(first.start, second.start), min(first.end, second.end)
            found.append(
                Conflict(
                    DOUBLE_BOOKED,
                    ERROR,
                    hr_id,
                    _as(left, first),
                    _as(right, first),
                    _unique((first.resource, second.resource)),
                    _unique((first.line_id, second.line_id)),
                    f"planned twice from {_hm(_as(left, first))} to {_hm(_as(right, first))}: line "
                    f"{first.line_id} of assignment {first.resource} and line {second.line_id} of assignment "
                    f"{second.resource}",
                )
            )
    return found


# ------------------------------------------------------------------ position period
def position_period_conflicts(
    hr_id: str | None, message: dict[str, Any], occurrences: Sequence[Occurrence], what: str
) -> list[Conflict]:
    """Single lines dated outside the message's own position period (periodic ones never are)."""
    period = position_period(message)
    found = []
    for occurrence in occurrences:
        if within_period(occurrence.day, period):
            continue
        assert period is not None
        until = period[1].isoformat() if period[1] else "open-ended"
        found.append(
            Conflict(
                OUTSIDE_POSITION_PERIOD,
                ERROR,
                hr_id,
                occurrence.start,
                occurrence.end,
                _unique((occurrence.resource,)),
                (occurrence.line_id,),
                f"line {occurrence.line_id} of {what} {occurrence.resource} on {occurrence.day.isoformat()} lies "
                f"outside its position period {period[0].isoformat()} to {until}",
            )
        )
    return found


# ------------------------------------------------------------------ working time
def working_time_conflicts(
    hr_id: str, shifts: Sequence[Occurrence], rules: WorkingTimeRules, zone: dt.tzinfo
) -> list[Conflict]:
    """Too long a shift, too short a rest between shifts, too many hours in a week (warnings)."""
    ordered = sorted(shifts, key=lambda s: (s.start, s.end))
    found: list[Conflict] = []
    for shift in ordered:
        if shift.worked > rules.maximum_shift:
            found.append(
                Conflict(
                    WORKING_TIME,
                    WARNING,
                    hr_id,
                    shift.start,
                    shift.end,
                    _unique((shift.resource,)),
                    (shift.line_id,),
                    f"the shift on line {shift.line_id} from {_hm(shift.start)} is {_hours(shift.worked)} of work, "
                    f"more than {_hours(rules.maximum_shift)}",
                )
            )
    latest: Occurrence | None = None
    for shift in ordered:
        if latest is not None:
            rest = elapsed(latest.end, shift.start)
            if dt.timedelta(0) < rest < rules.minimum_rest:
                found.append(
                    Conflict(
                        WORKING_TIME,
                        WARNING,
                        hr_id,
                        latest.end,
                        _as(shift.start, latest),
                        _unique((latest.resource, shift.resource)),
                        _unique((latest.line_id, shift.line_id)),
                        f"only {_hours(rest)} of rest between line {latest.line_id} ending {_hm(latest.end)} and "
                        f"line {shift.line_id} starting {_hm(shift.start)}, less than {_hours(rules.minimum_rest)}",
                    )
                )
        if latest is None or shift.end > latest.end:
            latest = shift
    weeks: dict[dt.date, list[Occurrence]] = {}
    for shift in ordered:
        local = shift.start.astimezone(zone).date()
        weeks.setdefault(local - dt.timedelta(days=local.weekday()), []).append(shift)
    for monday, of_week in sorted(weeks.items()):
        worked = sum((s.worked for s in of_week), dt.timedelta(0))
        if worked > rules.maximum_week:
            start = dt.datetime.combine(monday, dt.time(0), zone)
            end = dt.datetime.combine(monday + dt.timedelta(days=7), dt.time(0), zone)
            found.append(
                Conflict(
                    WORKING_TIME,
                    WARNING,
                    hr_id,
                    start,
                    end,
                    _unique(s.resource for s in of_week),
                    _unique(s.line_id for s in of_week),
                    f"{_hours(worked)} of work in the week of {monday.isoformat()}, "
                    f"more than {_hours(rules.maximum_week)}",
                )
            )
    return found


# ------------------------------------------------------------------ coverage
@dataclass
class Slot:
    """One occurrence of a request line and the workers assigned to it."""

    occurrence: Occurrence
    required: int
    assigned: list[str] = field(default_factory=list)
    assignments: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "lineId": self.occurrence.line_id,
            "start": self.occurrence.start.isoformat(),
            "end": self.occurrence.end.isoformat(),
            "required": self.required,
            "assigned": list(self.assigned),
        }


def match_coverage(request_occurrences: Sequence[Occurrence], shifts: Sequence[tuple[str, Occurrence]]) -> list[Slot]:
    """Which assigned workers fill which request occurrence.

    A shift fills the request occurrence of the same lineId that it overlaps
    (the official examples' way); otherwise the overlapping occurrence with
    room left, most overlap first; with no room anywhere, the one it overlaps
    most (which is then overfilled). A shift fills one occurrence, and a
    worker counts once per occurrence. So one line asking for three and three
    lines asking for one each count the same (options A and B of SETU's
    planning-lines memo).
    """
    slots = [Slot(o, o.quantity if o.quantity is not None else 1) for o in request_occurrences]
    for hr_id, shift in sorted(shifts, key=lambda item: (item[1].start, item[0], item[1].line_id)):
        overlapping = [s for s in slots if s.occurrence.overlaps(shift.start, shift.end) and hr_id not in s.assigned]
        if not overlapping:
            continue

        def overlap(slot: Slot, shift: Occurrence = shift) -> dt.timedelta:
            return elapsed(max(slot.occurrence.start, shift.start), min(slot.occurrence.end, shift.end))

        same_line = [s for s in overlapping if s.occurrence.line_id == shift.line_id]
        with_room = [s for s in overlapping if len(s.assigned) < s.required]
        pool = same_line or with_room or overlapping
        chosen = max(pool, key=lambda s: (overlap(s), -s.occurrence.start.timestamp()))
        chosen.assigned.append(hr_id)
        if shift.resource:
            chosen.assignments.append(shift.resource)
    return slots


def coverage_conflicts(request_id: str, slots: Sequence[Slot]) -> list[Conflict]:
    """Request occurrences with fewer (unfilled, a warning) or more (overfilled) workers than asked."""
    found = []
    for slot in slots:
        have, want = len(slot.assigned), slot.required
        if have == want:
            continue
        kind, severity = (UNFILLED, WARNING) if have < want else (OVERFILLED, ERROR)
        found.append(
            Conflict(
                kind,
                severity,
                None,
                slot.occurrence.start,
                slot.occurrence.end,
                _unique((request_id, *slot.assignments)),
                (slot.occurrence.line_id,),
                f"{have} of {want} worker{'s' if want != 1 else ''} assigned to line {slot.occurrence.line_id} "
                f"of request {request_id} from {_hm(slot.occurrence.start)}",
            )
        )
    return found
