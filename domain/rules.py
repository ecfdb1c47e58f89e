"""The SETU business rules (Schematron ``*_BRs_v1.0.xml``) and our own.

Each rule is a plain function that returns the violations it finds (an empty
list when the message keeps the rule), so callers can gather every violation
before refusing. Rules work on models that already passed structural
validation; element paths are slash-separated SETU JSON paths, relative to what
the rule was given plus ``path`` when a prefix is passed.

Rule 292 (``actionCode`` should be ignored over REST) is a *warning* in the
Schematron: it is not enforced; a received ``actionCode`` is kept as sent.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from pydantic import BaseModel

from .common import (
    NOT_XML_CHARACTER,
    PeriodicBreak,
    PeriodicPlanningLineBase,
    PositionPeriod,
    SingleBreak,
    SinglePlanningLineBase,
    instant,
    parse_date,
    parse_datetime,
    parse_time,
    seconds_of_day,
)
from .errors import Violation
from .planning_assignment import PlanningAssignmentMessage
from .planning_constraints import PeriodicAvailabilityLine, PlanningConstraintsMessage, SingleAvailabilityLine
from .planning_request import PlanningRequestMessage

LINE_ID_UNIQUE = "SETU-LINE-ID-UNIQUE"
LINE_ID_ADDRESSABLE = "SETU-LINE-ID-ADDRESSABLE"
END_AFTER_START = "SETU-END-AFTER-START"
XML_CHARACTERS = "SETU-XML-CHARACTERS"

LINE_FIELDS = ("periodicPlanningLine", "singlePlanningLine", "periodicAvailabilityLine", "singleAvailabilityLine")

PlanningMessage = PlanningRequestMessage | PlanningAssignmentMessage


def _at(*parts: object) -> str:
    return "/".join(str(p) for p in parts if p != "")


def _lines(message: BaseModel) -> list[tuple[str, BaseModel]]:
    """(path, line) for every line of a message, periodic lines first."""
    found: list[tuple[str, BaseModel]] = []
    for field in LINE_FIELDS:
        for index, line in enumerate(getattr(message, field, None) or []):
            found.append((_at(field, index), line))
    return found


# --- rules on the whole message ---------------------------------------------


def br_282_constraints_have_an_availability_line(message: PlanningConstraintsMessage) -> list[Violation]:
    """BR-282: a PlanningConstraints message holds at least one availability line."""
    if message.periodicAvailabilityLine or message.singleAvailabilityLine:
        return []
    return [
        Violation(
            "periodicAvailabilityLine",
            "BR-282",
            "at least one periodicAvailabilityLine or singleAvailabilityLine must be provided",
        )
    ]


def br_285_planning_message_has_a_planning_line(message: PlanningMessage) -> list[Violation]:
    """BR-285: a PlanningRequest/PlanningAssignment holds at least one planning line."""
    if message.periodicPlanningLine or message.singlePlanningLine:
        return []
    return [
        Violation(
            "periodicPlanningLine",
            "BR-285",
            "at least one periodicPlanningLine or singlePlanningLine must be provided",
        )
    ]


def br_290_parties_are_identified(message: BaseModel) -> list[Violation]:
    """BR-290: customer and supplier (when present) carry an id, legalId or taxId."""
    found = []
    for role in ("customer", "supplier"):
        party = getattr(message, role, None)
        if party is not None and not (party.id or party.legalId or party.taxId):
            found.append(
                Violation(role, "BR-290", f"to identify the {role}, at least one id, legalId or taxId must be provided")
            )
    return found


def br_291_periodic_lines_need_position_period(message: PlanningMessage) -> list[Violation]:
    """BR-291: when periodic planning lines are given, positionProfile/positionPeriod is mandatory."""
    if message.periodicPlanningLine and message.positionProfile.positionPeriod is None:
        return [
            Violation(
                "positionProfile/positionPeriod",
                "BR-291",
                "periodicPlanningLine elements are given, so positionPeriod must be specified",
            )
        ]
    return []


def br_293_assigned_worker_has_worker_id(message: PlanningAssignmentMessage) -> list[Violation]:
    """BR-293: assignedStatus true means a worker is assigned, so workerId is required."""
    worker = message.assignedWorker
    if worker.assignedStatus and worker.workerId is None:
        return [
            Violation(
                "assignedWorker/workerId",
                "BR-293",
                "assignedStatus is true (a worker is assigned), so the workerId must be specified",
            )
        ]
    return []


def br_294_position_is_identified(message: PlanningMessage) -> list[Violation]:
    """BR-294: the position profile carries positionId or positionTask/id."""
    profile = message.positionProfile
    if profile.positionId is not None or (profile.positionTask is not None and profile.positionTask.id is not None):
        return []
    return [
        Violation("positionProfile", "BR-294", "at least positionId or positionTask/id must be filled")
    ]


_FIXED_IN_REPLACEMENT = (
    ("positionProfile", "positionId"),
    ("positionProfile", "positionTask", "id"),
    ("positionProfile", "positionLocation"),
)


def _dig(data: Any, keys: Iterable[str]) -> Any:
    for key in keys:
        if not isinstance(data, Mapping) or key not in data:
            return None
        data = data[key]
    return data


def br_295_replacement_keeps_position(stored: Mapping, replacement: Mapping) -> list[Violation]:
    """BR-295: a PUT may not change positionId, positionTask/id or positionLocation.

    Changing them makes another request or assignment, which is a POST. An
    element the replacement leaves out is not a change: the PUT usage note
    (2025) says an omitted optional element is not overwritten. Adding one the
    stored message lacked is a change.
    """
    found = []
    for keys in _FIXED_IN_REPLACEMENT:
        new = _dig(replacement, keys)
        if new is not None and new != _dig(stored, keys):
            found.append(
                Violation(
                    "/".join(keys),
                    "BR-295",
                    f"a replacement (PUT) may not change {'/'.join(keys)}; send a new message (POST) instead",
                )
            )
    return found


def line_ids_are_unique(message: BaseModel) -> list[Violation]:
    """SETU-LINE-ID-UNIQUE: no two lines of a message (periodic or single) share a lineId value.

    Lines are addressed one by one over REST by their lineId, so it must be unique.
    """
    seen: dict[str, str] = {}
    found = []
    for path, line in _lines(message):
        value = line.lineId.value  # type: ignore[attr-defined]
        if value in seen:
            found.append(
                Violation(_at(path, "lineId"), LINE_ID_UNIQUE, f"lineId {value!r} is already used by {seen[value]}")
            )
        else:
            seen[value] = path
    return found


def position_period_ends_after_start(message: BaseModel) -> list[Violation]:
    """SETU-END-AFTER-START: positionPeriod end is on or after its start (a one-day period is fine)."""
    profile = getattr(message, "positionProfile", None)
    period: PositionPeriod | None = getattr(profile, "positionPeriod", None)
    if period is None or period.end is None:
        return []
    if parse_date(period.end) < parse_date(period.start):
        return [Violation("positionProfile/positionPeriod/end", END_AFTER_START, "end date lies before start date")]
    return []


# --- rules on one line -------------------------------------------------------


def _texts(value: Any, path: str, skip: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    """(path, text) for every string in a model, its sub-models and lists (elements in ``skip`` left out)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            if name not in skip:
                yield from _texts(getattr(value, name), _at(path, name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts(item, _at(path, index))


def _holds_non_xml_text(value: Any, skip: tuple[str, ...] = ()) -> bool:
    """Whether any text holds such a character: the common case, answered without building paths."""
    stack = [getattr(value, name) for name in type(value).model_fields if name not in skip]
    while stack:
        item = stack.pop()
        if type(item) is str:
            if NOT_XML_CHARACTER.search(item):
                return True
        elif isinstance(item, BaseModel):
            stack.extend(item.__dict__.values())
        elif type(item) is list:
            stack.extend(item)
    return False


def text_holds_only_xml_characters(
    message_or_line: BaseModel, path: str = "", skip: tuple[str, ...] = ()
) -> list[Violation]:
    """SETU-XML-CHARACTERS: no text holds a character XML 1.0 cannot carry.

    A message is served in JSON or XML as the reader asks, so what cannot be
    written as XML (control characters such as U+0001, lone surrogates) may
    not be stored. One search per text keeps the cost linear.
    """
    if not _holds_non_xml_text(message_or_line, skip):
        return []
    found = []
    for where, text in _texts(message_or_line, path, skip):
        bad = NOT_XML_CHARACTER.search(text)
        if bad:
            found.append(
                Violation(
                    where,
                    XML_CHARACTERS,
                    f"text holds U+{ord(bad.group()):04X}, a character XML 1.0 cannot carry "
                    "(control characters other than tab, line feed and carriage return, lone surrogates, "
                    "U+FFFE, U+FFFF); every message must be readable in JSON and XML",
                )
            )
    return found


# --- rules on one line -------------------------------------------------------


_NOT_IN_A_PATH_SEGMENT = re.compile(r"[/\\\x00-\x1f\x7f-\x9f]")


def _unaddressable(value: str) -> str | None:
    """Why ``value`` cannot be one URL path segment, or None when it can."""
    if value == "":
        return "is empty"
    if value in (".", ".."):
        return f"is {value!r}, a relative path segment that URLs resolve away"
    bad = _NOT_IN_A_PATH_SEGMENT.search(value)
    if bad is None:
        return None
    if bad.group() in "/\\":
        separator = "a slash" if bad.group() == "/" else "a backslash"
        return f"holds {separator}, which servers and proxies take for a path separator even when sent encoded"
    return f"holds the control character U+{ord(bad.group()):04X}, which servers and proxies refuse in a URL"


def line_id_is_addressable(line: BaseModel, path: str = "") -> list[Violation]:
    """SETU-LINE-ID-ADDRESSABLE: a lineId value can be one URL path segment.

    A line is read, replaced and removed at ``…/lines/{lineId}``. An id that is
    empty, ``.`` or ``..``, or holds ``/``, ``\\`` or a control character would
    be stored but unreachable: WSGI servers decode ``%2F`` before routing and
    reverse proxies decode or refuse it (Apache answers 404 by default).
    """
    reason = _unaddressable(line.lineId.value)  # type: ignore[attr-defined]
    if reason is None:
        return []
    return [
        Violation(
            _at(path, "lineId", "value"),
            LINE_ID_ADDRESSABLE,
            f"lineId value {reason}; a line is addressed as …/lines/{{lineId}}, so it could never be reached",
        )
    ]




def br_283_exception_availability_line_references_periodic_line(
    line: SingleAvailabilityLine, path: str = ""
) -> list[Violation]:
    """BR-283: an Exception single availability line names the periodic line it deviates from."""
    if line.singleAvailabilityType == "Exception" and line.periodicAvailabilityLineReference is None:
        return [
            Violation(
                _at(path, "periodicAvailabilityLineReference"),
                "BR-283",
                "singleAvailabilityType is Exception, so a periodicAvailabilityLineReference must be provided",
            )
        ]
    return []


def br_284_occasional_availability_line_has_no_reference(
    line: SingleAvailabilityLine, path: str = ""
) -> list[Violation]:
    """BR-284: an Occasional single availability line stands alone: no periodic reference."""
    if line.singleAvailabilityType == "Occasional" and line.periodicAvailabilityLineReference is not None:
        return [
            Violation(
                _at(path, "periodicAvailabilityLineReference"),
                "BR-284",
                "singleAvailabilityType is Occasional, so periodicAvailabilityLineReference must not be used",
            )
        ]
    return []


def br_287_exception_planning_line_references_periodic_line(
    line: SinglePlanningLineBase, path: str = ""
) -> list[Violation]:
    """BR-287: an Exception single planning line names the periodic line it deviates from."""
    if line.singlePlanningType == "Exception" and line.periodicPlanningLineReference is None:
        return [
            Violation(
                _at(path, "periodicPlanningLineReference"),
                "BR-287",
                "singlePlanningType is Exception, so a periodicPlanningLineReference must be provided",
            )
        ]
    return []


def br_288_occasional_planning_line_has_no_reference(line: SinglePlanningLineBase, path: str = "") -> list[Violation]:
    """BR-288: an Occasional single planning line stands alone: no periodic reference."""
    if line.singlePlanningType == "Occasional" and line.periodicPlanningLineReference is not None:
        return [
            Violation(
                _at(path, "periodicPlanningLineReference"),
                "BR-288",
                "singlePlanningType is Occasional, so periodicPlanningLineReference must not be used",
            )
        ]
    return []


def _break_kind(rule: str, start: str, end: str, brk: PeriodicBreak | SingleBreak, path: str) -> list[Violation]:
    # Stricter than the Schematron's count() test, which lets a lone start
    # time sit beside a trigger: a break is either timed or triggered.
    has_start = getattr(brk, start) is not None
    has_end = getattr(brk, end) is not None
    has_trigger = brk.breakTrigger is not None
    if has_trigger and (has_start or has_end):
        reason = f"{start}/{end} and breakTrigger cannot both be used in the same break"
    elif not has_trigger and not (has_start and has_end):
        reason = f"either {start} and {end} must both be filled, or breakTrigger must be filled"
    else:
        return []
    return [Violation(path, rule, reason)]


def br_286_periodic_break_has_times_or_trigger(line: PeriodicPlanningLineBase, path: str = "") -> list[Violation]:
    """BR-286: a break in a periodic line has startTime and endTime, or a breakTrigger, not both."""
    found = []
    for index, brk in enumerate(line.breaks or []):
        found += _break_kind("BR-286", "startTime", "endTime", brk, _at(path, "breaks", index))
    return found


def br_289_single_break_has_date_times_or_trigger(line: SinglePlanningLineBase, path: str = "") -> list[Violation]:
    """BR-289: a break in a single line has startDateTime and endDateTime, or a breakTrigger, not both."""
    found = []
    for index, brk in enumerate(line.breaks or []):
        found += _break_kind("BR-289", "startDateTime", "endDateTime", brk, _at(path, "breaks", index))
    return found


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
                _at(path, "endTime"),
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
        return [Violation(_at(path, "endDateTime"), END_AFTER_START, f"{what} endDateTime is not after startDateTime")]
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
            found += _times(brk, _at(path, "breaks", index), "the break's")
        for index, worker in enumerate(getattr(line, "relatedWorker", None) or []):
            found += _date_times(worker, _at(path, "relatedWorker", index), "the related worker's")
    else:
        found += _date_times(line, path, "the line's")
        for index, brk in enumerate(getattr(line, "breaks", None) or []):
            found += _date_times(brk, _at(path, "breaks", index), "the break's")
    return found


def line_rules(line: BaseModel, path: str = "", *, texts: bool = True) -> list[Violation]:
    """Every rule that concerns one line alone (``texts=False``: its texts were checked with the message)."""
    found: list[Violation] = []
    if isinstance(line, PeriodicPlanningLineBase):
        found += br_286_periodic_break_has_times_or_trigger(line, path)
    elif isinstance(line, SinglePlanningLineBase):
        found += br_287_exception_planning_line_references_periodic_line(line, path)
        found += br_288_occasional_planning_line_has_no_reference(line, path)
        found += br_289_single_break_has_date_times_or_trigger(line, path)
    elif isinstance(line, SingleAvailabilityLine):
        found += br_283_exception_availability_line_references_periodic_line(line, path)
        found += br_284_occasional_availability_line_has_no_reference(line, path)
    found += line_ends_after_start(line, path)
    found += line_id_is_addressable(line, path)
    if texts:
        found += text_holds_only_xml_characters(line, path)
    return found


def message_rules(message: BaseModel) -> list[Violation]:
    """Every rule of a whole message, lines included."""
    found: list[Violation] = []
    if isinstance(message, PlanningConstraintsMessage):
        found += br_282_constraints_have_an_availability_line(message)
    else:
        found += br_285_planning_message_has_a_planning_line(message)  # type: ignore[arg-type]
    found += br_290_parties_are_identified(message)
    if isinstance(message, (PlanningRequestMessage, PlanningAssignmentMessage)):
        found += br_291_periodic_lines_need_position_period(message)
        found += br_294_position_is_identified(message)
    if isinstance(message, PlanningAssignmentMessage):
        found += br_293_assigned_worker_has_worker_id(message)
    found += position_period_ends_after_start(message)
    found += text_holds_only_xml_characters(message)  # the lines' texts too, in one walk
    for path, line in _lines(message):
        found += line_rules(line, path, texts=False)
    found += line_ids_are_unique(message)
    return found
