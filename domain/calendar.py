"""Planning and availability lines as concrete times.

A SETU message speaks in lines: "every Monday 08:00-16:00" (periodic), "on
2022-09-14 07:00-16:00" (single, an ``Occasional`` addition or an
``Exception`` to a periodic line). A planner asks about moments. This module
turns the lines of one message into :class:`Occurrence` objects, aware
datetimes, within a window. It is pure: no store, no clock.

Reading times (the choices, and why, are in docs/planning-semantics.md):

- a time or date-time with an offset (``08:00:00Z``, ``07:00:00+02:00``) is
  exact; one without (the XML examples' ``08:00:00``) is read on the wall
  clock of a zone (default ``Europe/Amsterdam``), so an 08:00 shift starts at
  08:00 in summer and in winter; where only one of a pair carries an offset,
  the other is read in that offset (as the business rules compare them);
- a periodic line falls on the date of its weekday in the frame of its start
  time, within the message's position period (end date included) when there is one;
- an end at or before the start ends the next day (a night shift);
- an ``Exception`` single line replaces the occurrences of the periodic line
  it references that it overlaps or that fall on its start date; an
  ``Occasional`` one adds;
- where availability overlaps, ``NotAvailable`` beats ``RatherNot`` beats
  ``Available`` (:func:`availability_bands`).
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from .common import parse_date, parse_datetime, parse_time
from .errors import SetuError

DEFAULT_ZONE = "Europe/Amsterdam"
"""Where times without an offset are read: the Dutch staffing industry's wall clock."""

MAX_WINDOW = dt.timedelta(days=366)
"""The longest window a query may ask for: a year (a leap year included)."""

WEEKDAYS = {
    "Monday": 0,
    "Tuesday": 1,
    "Wednesday": 2,
    "Thursday": 3,
    "Friday": 4,
    "Saturday": 5,
    "Sunday": 6,
}

STATUS_RANK = {"NotAvailable": 3, "RatherNot": 2, "Available": 1}
"""Where availability lines overlap, the higher rank wins."""

_DAY = dt.timedelta(days=1)


def elapsed(start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """Real time between two aware moments (Python subtracts wall clocks when both share one zone)."""
    return end.astimezone(dt.UTC) - start.astimezone(dt.UTC)


class PlanningQueryInvalid(SetuError):
    """A planning query asked wrongly: no worker nor request, or a window without offsets, reversed or over a year (HTTP 400)."""

    code = "SETU-BAD-PARAMETER"


def check_window(start: dt.datetime, end: dt.datetime, names: tuple[str, str] = ("start", "end")) -> None:
    """Refuse a window without offsets, empty, reversed, or longer than :data:`MAX_WINDOW`."""
    for name, value in zip(names, (start, end), strict=True):
        if not isinstance(value, dt.datetime) or value.utcoffset() is None:
            raise PlanningQueryInvalid(f"{name} must be a date-time with a UTC offset, e.g. 2026-03-02T00:00:00Z")
    if end <= start:
        raise PlanningQueryInvalid(f"{names[1]} {end.isoformat()} must lie after {names[0]} {start.isoformat()}")
    if end - start > MAX_WINDOW:
        raise PlanningQueryInvalid(
            f"{names[1]}: the window from {start.isoformat()} to {end.isoformat()} is longer than a year "
            f"({MAX_WINDOW.days} days at most)"
        )


@dataclass(frozen=True)
class Break:
    """A break within an occurrence: fixed times, or ``after_hours`` of work for ``duration``."""

    paid: bool
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    after_hours: float | None = None
    duration: dt.timedelta | None = None

    @property
    def length(self) -> dt.timedelta:
        if self.start is not None and self.end is not None:
            return elapsed(self.start, self.end)
        return self.duration or dt.timedelta(0)


@dataclass(frozen=True)
class Occurrence:
    """One concrete interval of one line: a shift, a requested slot or an availability band."""

    start: dt.datetime
    end: dt.datetime
    line_id: str
    line_kind: str  # "periodic" | "single"
    day: dt.date
    """The calendar date the line falls on, in the line's own frame (for position periods)."""
    status: str | None = None
    """Availability lines: Available | NotAvailable | RatherNot."""
    quantity: int | None = None
    """Request lines: positionQuantity."""
    breaks: tuple[Break, ...] = ()
    resource: str | None = None
    name: str | None = None
    """The line's planningLineName, if any."""

    @functools.cached_property
    def length(self) -> dt.timedelta:
        """Time elapsed from start to end (a night over a clock change is an hour shorter or longer)."""
        return elapsed(self.start, self.end)

    @functools.cached_property
    def worked(self) -> dt.timedelta:
        """The length without its breaks (paid or not: a break is no work)."""
        return self.length - sum((b.length for b in self.breaks), dt.timedelta(0))

    def overlaps(self, start: dt.datetime, end: dt.datetime) -> bool:
        return self.start < end and self.end > start


@dataclass(frozen=True)
class LineFields:
    """Where one kind of message keeps its lines and their fields."""

    periodic: str
    single: str
    period: str
    single_type: str
    reference: str


PLANNING_LINES = LineFields(
    "periodicPlanningLine",
    "singlePlanningLine",
    "planningPeriod",
    "singlePlanningType",
    "periodicPlanningLineReference",
)
AVAILABILITY_LINES = LineFields(
    "periodicAvailabilityLine",
    "singleAvailabilityLine",
    "availabilityPeriod",
    "singleAvailabilityType",
    "periodicAvailabilityLineReference",
)


@dataclass(frozen=True)
class Calendar:
    """Expands the lines of messages, reading times without offset in ``zone``."""

    zone: dt.tzinfo = field(default_factory=lambda: ZoneInfo(DEFAULT_ZONE))

    # ------------------------------------------------------------- messages
    def expand(
        self,
        message: Mapping[str, Any],
        since: dt.datetime,
        until: dt.datetime,
        *,
        fields: LineFields = PLANNING_LINES,
        resource: str | None = None,
    ) -> list[Occurrence]:
        """Every occurrence of the message's lines overlapping ``[since, until)``, by start time."""
        period = position_period(message)
        read = [self._single(line, fields, resource) for line in message.get(fields.single) or ()]
        singles = [s for s in read if s is not None]
        exceptions = [
            (s, _reference(line, fields))
            for line, s in zip(_with_times(message.get(fields.single) or ()), singles, strict=False)
            if line.get(fields.single_type) == "Exception"
        ]
        found: list[Occurrence] = []
        for line in message.get(fields.periodic) or ():
            replaced = [e for e, ref in exceptions if ref in (None, line["lineId"]["value"])]
            for occurrence in self.periodic(line, since, until, fields=fields, period=period, resource=resource):
                if not any(_replaces(e, occurrence) for e in replaced):
                    found.append(occurrence)
        found += [s for s in singles if s.overlaps(since, until)]
        found.sort(key=lambda o: (o.start, o.end, o.line_id))
        return found

    def shifts(
        self, message: Mapping[str, Any], since: dt.datetime, until: dt.datetime, *, resource: str | None = None
    ) -> list[Occurrence]:
        """The planning-line occurrences that *start* in ``[since, until)``: a shift belongs to one window."""
        return [o for o in self.expand(message, since - 2 * _DAY, until, resource=resource) if since <= o.start < until]

    # ---------------------------------------------------------------- lines
    def periodic(
        self,
        line: Mapping[str, Any],
        since: dt.datetime,
        until: dt.datetime,
        *,
        fields: LineFields = PLANNING_LINES,
        period: tuple[dt.date, dt.date | None] | None = None,
        resource: str | None = None,
    ) -> Iterator[Occurrence]:
        """The occurrences of one periodic line overlapping ``[since, until)``.

        Weekday lines fall on their weekday, ``Daily`` ones on every day;
        ``Weekly``, ``FourWeekly`` and ``Monthly`` availability lines say how
        many hours in a period, not when, so they have no occurrences.
        """
        name = line[fields.period]
        if name == "Daily":
            weekday = None
        elif name in WEEKDAYS:
            weekday = WEEKDAYS[name]
        else:
            return
        start_time, end_time = _time_pair(line.get("startTime"), line.get("endTime"))
        first = since.astimezone(self._frame(start_time)).date() - _DAY
        last = until.astimezone(self._frame(start_time)).date()
        if period is not None:
            first = max(first, period[0])
            if period[1] is not None:
                last = min(last, period[1])
        if weekday is not None:
            first += dt.timedelta(days=(weekday - first.weekday()) % 7)
        step = _DAY if weekday is None else 7 * _DAY
        day = first
        while day <= last:
            start = self._at(day, start_time)
            end = self._at(day, end_time)
            if end <= start:
                end = self._at(day + _DAY, end_time)
            if start < until and end > since:
                yield Occurrence(
                    start,
                    end,
                    line["lineId"]["value"],
                    "periodic",
                    day,
                    status=line.get("availabilityStatus"),
                    quantity=_quantity(line),
                    breaks=tuple(self._periodic_breaks(line, day, start)),
                    resource=resource,
                    name=line.get("planningLineName"),
                )
            day += step

    def _single(self, line: Mapping[str, Any], fields: LineFields, resource: str | None) -> Occurrence | None:
        """A single line as given; one with hours only (no date-times) has no place in time."""
        if not line.get("startDateTime") or not line.get("endDateTime"):
            return None
        start, end = self._datetime_pair(line["startDateTime"], line["endDateTime"])
        if end <= start:
            end += _DAY
        return Occurrence(
            start,
            end,
            line["lineId"]["value"],
            "single",
            start.date(),
            status=line.get("availabilityStatus"),
            quantity=_quantity(line),
            breaks=tuple(self._single_breaks(line)),
            resource=resource,
            name=line.get("planningLineName"),
        )

    # --------------------------------------------------------------- breaks
    def _periodic_breaks(self, line: Mapping[str, Any], day: dt.date, shift_start: dt.datetime) -> Iterator[Break]:
        for brk in line.get("breaks") or ():
            paid = brk.get("paidOrUnpaid") == "Paid"
            if brk.get("startTime") and brk.get("endTime"):
                first, last = _time_pair(brk["startTime"], brk["endTime"])
                start = self._at(day, first)
                if start < shift_start:  # a break after midnight in a night shift
                    start = self._at(day + _DAY, first)
                end = self._at(start.astimezone(self._frame(first)).date(), last)
                if end <= start:
                    end = self._at(start.astimezone(self._frame(first)).date() + _DAY, last)
                yield Break(paid, start, end)
            elif brk.get("breakTrigger"):
                yield _triggered(paid, brk["breakTrigger"])

    def _single_breaks(self, line: Mapping[str, Any]) -> Iterator[Break]:
        for brk in line.get("breaks") or ():
            paid = brk.get("paidOrUnpaid") == "Paid"
            if brk.get("startDateTime") and brk.get("endDateTime"):
                yield Break(paid, *self._datetime_pair(brk["startDateTime"], brk["endDateTime"]))
            elif brk.get("breakTrigger"):
                yield _triggered(paid, brk["breakTrigger"])

    # ---------------------------------------------------------------- times
    def _frame(self, value: dt.time) -> dt.tzinfo:
        return value.tzinfo or self.zone

    def _at(self, day: dt.date, value: dt.time) -> dt.datetime:
        """``value`` on ``day``: exact with an offset, on the zone's wall clock without."""
        moment = dt.datetime.combine(day, value.replace(tzinfo=None))
        return moment.replace(tzinfo=self._frame(value))

    def _datetime_pair(self, start_text: str, end_text: str) -> tuple[dt.datetime, dt.datetime]:
        start, end = parse_datetime(start_text), parse_datetime(end_text)
        if start.tzinfo is None and end.tzinfo is not None:
            start = start.replace(tzinfo=end.tzinfo)
        elif end.tzinfo is None and start.tzinfo is not None:
            end = end.replace(tzinfo=start.tzinfo)
        return start.replace(tzinfo=start.tzinfo or self.zone), end.replace(tzinfo=end.tzinfo or self.zone)


def _time_pair(start_text: str | None, end_text: str | None) -> tuple[dt.time, dt.time]:
    """A line's start and end time; a missing one is midnight (the whole day, or up to/from it)."""
    start = parse_time(start_text) if start_text else None
    end = parse_time(end_text) if end_text else None
    zone = (start.tzinfo if start else None) or (end.tzinfo if end else None)
    start = (start or dt.time(0)).replace(tzinfo=(start.tzinfo if start else None) or zone)
    end = (end or dt.time(0)).replace(tzinfo=(end.tzinfo if end else None) or zone)
    return start, end


def _triggered(paid: bool, trigger: Mapping[str, Any]) -> Break:
    length = parse_time(trigger["breakDuration"])
    duration = dt.timedelta(hours=length.hour, minutes=length.minute, seconds=length.second)
    return Break(paid, after_hours=float(trigger["hours"]), duration=duration)


def _quantity(line: Mapping[str, Any]) -> int | None:
    quantity = line.get("positionQuantity")
    return None if quantity is None else int(quantity)


def _with_times(lines: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [line for line in lines if line.get("startDateTime") and line.get("endDateTime")]


def _reference(line: Mapping[str, Any], fields: LineFields) -> str | None:
    return ((line.get(fields.reference) or {}).get("lineId") or {}).get("value")


def _replaces(exception: Occurrence, occurrence: Occurrence) -> bool:
    return exception.overlaps(occurrence.start, occurrence.end) or exception.day == occurrence.day


def position_period(message: Mapping[str, Any]) -> tuple[dt.date, dt.date | None] | None:
    """The message's positionProfile/positionPeriod as dates (end included), if it has one."""
    period = (message.get("positionProfile") or {}).get("positionPeriod")
    if not period or not period.get("start"):
        return None
    return parse_date(period["start"]), parse_date(period["end"]) if period.get("end") else None


def within_period(day: dt.date, period: tuple[dt.date, dt.date | None] | None) -> bool:
    if period is None:
        return True
    return period[0] <= day and (period[1] is None or day <= period[1])


# ------------------------------------------------------------------ availability
@dataclass(frozen=True)
class Band:
    """A stretch of a worker's time with one availability status, from one line."""

    start: dt.datetime
    end: dt.datetime
    status: str
    line_id: str
    resource: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "status": self.status,
            "lineId": self.line_id,
            "resource": self.resource,
        }


def availability_bands(occurrences: Sequence[Occurrence], since: dt.datetime, until: dt.datetime) -> list[Band]:
    """Availability occurrences as disjoint bands within ``[since, until)``.

    Where lines overlap the highest :data:`STATUS_RANK` wins; among equals,
    a single line (the more specific) before a periodic one, then the
    earlier start. Adjacent pieces of the same line merge back into one band.
    """
    relevant = [o for o in occurrences if o.status in STATUS_RANK and o.overlaps(since, until)]
    utc = dt.UTC
    cuts = sorted(
        {since.astimezone(utc), until.astimezone(utc)}
        | {t.astimezone(utc) for o in relevant for t in (o.start, o.end) if since < t < until}
    )
    bands: list[Band] = []
    for left, right in itertools.pairwise(cuts):
        covering = [o for o in relevant if o.start < right and o.end > left]
        if not covering:
            continue
        best = max(
            covering,
            key=lambda o: (STATUS_RANK[o.status or ""], o.line_kind == "single", -o.start.timestamp(), o.line_id),
        )
        previous = bands[-1] if bands else None
        if (
            previous is not None
            and previous.end == left
            and (previous.status, previous.line_id, previous.resource) == (best.status, best.line_id, best.resource)
        ):
            bands[-1] = Band(
                previous.start, _as(right, previous.start), previous.status, previous.line_id, previous.resource
            )
        else:
            bands.append(
                Band(_as(left, best.start), _as(right, best.start), best.status or "", best.line_id, best.resource)
            )
    return bands


def _as(moment: dt.datetime, like: dt.datetime) -> dt.datetime:
    """``moment`` written in the frame of ``like`` (the line's own offset or zone)."""
    return moment.astimezone(like.tzinfo)
