"""The SETU business rules (Schematron ``*_BRs_v1.0.xml``) and our own.

Each rule is a plain function that returns the violations it finds (an empty
list when the message keeps the rule), so callers can gather every violation
before refusing. Rules work on models that already passed structural
validation; element paths are slash-separated SETU JSON paths, relative to what
the rule was given plus ``path`` when a prefix is passed.

The rules on times and dates (SETU-END-AFTER-START) are in :mod:`.time_rules`,
the one on characters (SETU-XML-CHARACTERS) in :mod:`.text_rules`; both are
importable from here.

Rule 292 (``actionCode`` should be ignored over REST) is a *warning* in the
Schematron: it is not enforced; a received ``actionCode`` is kept as sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from .common import (
    PeriodicBreak,
    PeriodicPlanningLineBase,
    SingleBreak,
    SinglePlanningLineBase,
)
from .errors import Violation, element_path
from .planning_assignment import PlanningAssignmentMessage
from .planning_constraints import PlanningConstraintsMessage, SingleAvailabilityLine
from .planning_request import PlanningRequestMessage
from .text_rules import XML_CHARACTERS as XML_CHARACTERS
from .text_rules import text_holds_only_xml_characters
from .time_rules import END_AFTER_START as END_AFTER_START
from .time_rules import datetime_ends_after_start as datetime_ends_after_start
from .time_rules import line_ends_after_start, position_period_ends_after_start
from .time_rules import time_span_is_empty as time_span_is_empty

LINE_ID_UNIQUE = "SETU-LINE-ID-UNIQUE"
LINE_ID_ADDRESSABLE = "SETU-LINE-ID-ADDRESSABLE"

LINE_FIELDS = ("periodicPlanningLine", "singlePlanningLine", "periodicAvailabilityLine", "singleAvailabilityLine")

PlanningMessage = PlanningRequestMessage | PlanningAssignmentMessage


def _lines(message: BaseModel) -> list[tuple[str, BaseModel]]:
    """(path, line) for every line of a message, periodic lines first."""
    found: list[tuple[str, BaseModel]] = []
    for field in LINE_FIELDS:
        for index, line in enumerate(getattr(message, field, None) or []):
            found.append((element_path(field, index), line))
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
    return [Violation("positionProfile", "BR-294", "at least positionId or positionTask/id must be filled")]


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


def br_295_replacement_keeps_position(stored: Mapping[str, Any], replacement: Mapping[str, Any]) -> list[Violation]:
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
                Violation(
                    element_path(path, "lineId"), LINE_ID_UNIQUE, f"lineId {value!r} is already used by {seen[value]}"
                )
            )
        else:
            seen[value] = path
    return found


# --- rules on one line -------------------------------------------------------


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
            element_path(path, "lineId", "value"),
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
                element_path(path, "periodicAvailabilityLineReference"),
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
                element_path(path, "periodicAvailabilityLineReference"),
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
                element_path(path, "periodicPlanningLineReference"),
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
                element_path(path, "periodicPlanningLineReference"),
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
        found += _break_kind("BR-286", "startTime", "endTime", brk, element_path(path, "breaks", index))
    return found


def br_289_single_break_has_date_times_or_trigger(line: SinglePlanningLineBase, path: str = "") -> list[Violation]:
    """BR-289: a break in a single line has startDateTime and endDateTime, or a breakTrigger, not both."""
    found = []
    for index, brk in enumerate(line.breaks or []):
        found += _break_kind("BR-289", "startDateTime", "endDateTime", brk, element_path(path, "breaks", index))
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
