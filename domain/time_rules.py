"""SETU-END-AFTER-START: what starts must end after it, in dates, date-times and clock times.

Our own rule beside the Schematron ones (see :mod:`.rules`): a period may last
one day, a date-time span must strictly increase, a span of clock times may
cross midnight (22:00-06:00) but not be empty.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel

from .common import (
    PeriodicPlanningLineBase,
    PositionPeriod,
    instant,
    parse_date,
    parse_datetime,
    parse_time,
    seconds_of_day,
)
from .errors import Violation, element_path
from .planning_constraints import PeriodicAvailabilityLine

END_AFTER_START = "SETU-END-AFTER-START"


def position_period_ends_after_start(message: BaseModel) -> list[Violation]:
    """SETU-END-AFTER-START: positionPeriod end is on or after its start (a one-day period is fine)."""
    profile = getattr(message, "positionProfile", None)
    period: PositionPeriod | None = getattr(profile, "positionPeriod", None)
    if period is None or period.end is None:
        return []
    if parse_date(period.end) < parse_date(period.start):
        return [Violation("positionProfile/positionPeriod/end", END_AFTER_START, "end date lies before start date")]
    return []


def _same_zone(start: dt.datetime, end: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    # A value without offset is read in the other value's offset (same local clock).
    if (start.tzinfo is None) != (end.tzinfo is None):
        if start.tzinfo is None:
            start = start.replace(tzinfo=end.tzinfo)
        else:
            end = end.replace(tzinfo=start.tzinfo)
    return start, end


def datetime_ends_after_start(start: str, end: str) -> bool:
    """True when date-time ``end`` lies strictly after ``start`` (offsets honoured).

    Compared as ``instant``s, which cannot overflow at year 1 or 9999 with offsets up to ±23:59.
    """
    first, last = _same_zone(parse_datetime(start), parse_datetime(end))
    return instant(last) > instant(first)


def time_span_is_empty(start: str, end: str) -> bool:
    """True when clock times ``start`` and ``end`` are the same moment of the day.

    ``end`` before ``start`` is a span crossing midnight (a night shift,
    22:00-06:00) and is fine; only an empty span is wrong.
    """
    first, last = parse_time(start), parse_time(end)
    if (first.tzinfo is None) != (last.tzinfo is None):
        zone = first.tzinfo or last.tzinfo
        first, last = first.replace(tzinfo=zone), last.replace(tzinfo=zone)
    return seconds_of_day(first) == seconds_of_day(last) and first.microsecond == last.microsecond


def _times(owner: Any, path: str, what: str) -> list[Violation]:
    if owner.startTime is None or owner.endTime is None:
        return []
    if time_span_is_empty(owner.startTime, owner.endTime):
        return [
            Violation(
                element_path(path, "endTime"),
                END_AFTER_START,
                f"{what} endTime equals startTime; an end before the start crosses midnight, an equal one is empty",
            )
        ]
    return []


def _date_times(owner: Any, path: str, what: str) -> list[Violation]:
    start, end = getattr(owner, "startDateTime", None), getattr(owner, "endDateTime", None)
    if start is None or end is None:
        return []
    if not datetime_ends_after_start(start, end):
        return [
            Violation(
                element_path(path, "endDateTime"), END_AFTER_START, f"{what} endDateTime is not after startDateTime"
            )
        ]
    return []


def line_ends_after_start(line: BaseModel, path: str = "") -> list[Violation]:
    """SETU-END-AFTER-START for one line: the line, its breaks and its related workers.

    Periodic lines and their timed breaks may cross midnight (end < start) but
    may not be empty (end == start); date-times must strictly increase.
    """
    found: list[Violation] = []
    if isinstance(line, (PeriodicPlanningLineBase, PeriodicAvailabilityLine)):
        found += _times(line, path, "the line's")
        for index, brk in enumerate(getattr(line, "breaks", None) or []):
            found += _times(brk, element_path(path, "breaks", index), "the break's")
        for index, worker in enumerate(getattr(line, "relatedWorker", None) or []):
            found += _date_times(worker, element_path(path, "relatedWorker", index), "the related worker's")
    else:
        found += _date_times(line, path, "the line's")
        for index, brk in enumerate(getattr(line, "breaks", None) or []):
            found += _date_times(brk, element_path(path, "breaks", index), "the break's")
    return found
