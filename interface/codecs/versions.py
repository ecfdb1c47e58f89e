"""SETU Planning v1.0 JSON <-> v2.0 JSON, for whole messages and single lines.

The library works on the v2.0 JSON shape; v1.0 is spoken only at the edge, so
these functions convert a v1.0 body on the way in and a v2.0 dict on the way
out. Derived by diffing the official v1.0 and v2.0 JSON Schemas (and XSDs):

* v1.0 wraps several containers in ``item``; v2.0 drops the wrapper:

  - object: ``positionProfile/positionLocation``, ``positionProfile/positionQualifications``,
    ``positionProfile/costAllocationRef`` (renamed ``costAllocation`` in v2.0 JSON),
    ``assignedWorker/workAssignments`` (PlanningAssignment),
    ``worker/workAssignments`` (PlanningConstraints);
  - array: ``positionProfile/positionOrganizations``, ``positionProfile/workingPeriods``,
    ``positionQualifications/positionCompetencies`` and ``.../competencyIds``.

* Address: v1.0 ``positionLocation/line`` (a free address line) has no v2.0
  counterpart, and v2.0 adds ``streetName``, ``houseNumber``,
  ``houseNumberAddition`` (see V2_ONLY_ELEMENTS). Rather than lose either, v1.0
  ``line`` becomes v2.0 ``streetName``, and writing v1.0 folds the three v2.0
  fields into ``line`` (joined by spaces). ``line`` -> v2 -> v1 is exact; a
  v2.0 house number survives as text in ``line`` only.
* v1.0 arrays behind ``item`` need at least one element; an empty v2.0 array
  there is left out when writing v1.0.
* Lines are identical in both versions (only the enclosing message differs).
* Values the v2.0 JSON Schema of PlanningConstraints allows but v1.0 does not
  (V1_VALUE_RESTRICTIONS) are passed through unchanged; a v1.0 schema check on
  the output rejects them, which is the honest outcome. The v2.0 *XSD* keeps
  those three enumerations, so the v2.0 JSON Schema looks like the odd one out.

Both directions are tolerant of input that already has the target shape at a
given place (they leave it alone): validation is the JSON Schema's job.
"""

from __future__ import annotations

import copy
from typing import Any

from .kinds import KINDS

MESSAGES = tuple(spec.kind.value for spec in KINDS)

LINE_FIELDS = {
    "PlanningRequest": ("periodicPlanningLine", "singlePlanningLine"),
    "PlanningAssignment": ("periodicPlanningLine", "singlePlanningLine"),
    "PlanningConstraints": ("periodicAvailabilityLine", "singleAvailabilityLine"),
}

_ADDRESS_V2_ONLY = (
    "positionProfile/positionLocation/streetName",
    "positionProfile/positionLocation/houseNumber",
    "positionProfile/positionLocation/houseNumberAddition",
)

#: v2.0 elements with no v1.0 element of their own (folded into v1.0
#: ``positionProfile/positionLocation/line`` when writing v1.0).
V2_ONLY_ELEMENTS: dict[str, tuple[str, ...]] = {
    "PlanningRequest": _ADDRESS_V2_ONLY,
    "PlanningAssignment": _ADDRESS_V2_ONLY,
    "PlanningConstraints": (),
}

#: v1.0 elements with no v2.0 element of their own (carried in ``streetName``).
V1_ONLY_ELEMENTS: dict[str, tuple[str, ...]] = {
    "PlanningRequest": ("positionProfile/positionLocation/line",),
    "PlanningAssignment": ("positionProfile/positionLocation/line",),
    "PlanningConstraints": (),
}

#: Values the v2.0 JSON Schema allows but v1.0 (JSON Schema and XSD) and the
#: v2.0 XSD do not (enum/const), by message.
V1_VALUE_RESTRICTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "PlanningConstraints": {
        "positionProfile/workingPeriods/workDuration/unitCode/value": ("Days", "Hours"),
        "positionProfile/workingPeriods/baseDuration/unitCode/value": (
            "Daily",
            "FourWeekly",
            "Monthly",
            "Quarterly",
            "Weekly",
            "Yearly",
        ),
        "worker/workAssignments/id/schemeAgencyId": ("Supplier",),
    },
}

_ADDRESS_PARTS = ("streetName", "houseNumber", "houseNumberAddition")


def _check_message(message_name: str) -> None:
    if message_name not in MESSAGES:
        raise ValueError(f"unknown SETU Planning message {message_name!r}; expected one of {', '.join(MESSAGES)}")


def check_line(message_name: str, line_field: str) -> None:
    _check_message(message_name)
    if line_field not in LINE_FIELDS[message_name]:
        raise ValueError(
            f"{message_name} has no line field {line_field!r}; expected one of {', '.join(LINE_FIELDS[message_name])}"
        )


def _rekey(d: dict, old: str, new: str, value: Any) -> None:
    """Replace key ``old`` by ``new`` with ``value``, keeping its position (readable output)."""
    items = [(new, value) if k == old else (k, v) for k, v in d.items()]
    d.clear()
    d.update(items)


# --- v1.0 -> v2.0 -----------------------------------------------------------


def _unwrap_object(holder: Any, key: str, new_key: str | None = None) -> None:
    if not isinstance(holder, dict) or key not in holder:
        return
    value = holder[key]
    if isinstance(value, dict) and set(value) == {"item"} and isinstance(value["item"], dict):
        value = value["item"]
    _rekey(holder, key, new_key or key, value)


def _unwrap_list(holder: Any, key: str) -> None:
    if not isinstance(holder, dict) or key not in holder:
        return
    value = holder[key]
    if isinstance(value, dict) and set(value) == {"item"}:
        item = value["item"]
        holder[key] = item if isinstance(item, list) else [item]


def v1_to_v2(message_name: str, data: dict) -> dict:
    """A SETU v1.0 JSON message as the v2.0 JSON shape (a new dict; input untouched)."""
    _check_message(message_name)
    out = copy.deepcopy(data)
    profile = out.get("positionProfile")
    if isinstance(profile, dict):
        _unwrap_object(profile, "positionLocation")
        location = profile.get("positionLocation")
        if isinstance(location, dict) and "line" in location:
            _rekey(location, "line", "streetName", location["line"])
        _unwrap_list(profile, "positionOrganizations")
        _unwrap_object(profile, "positionQualifications")
        qualifications = profile.get("positionQualifications")
        _unwrap_list(qualifications, "positionCompetencies")
        if isinstance(qualifications, dict) and isinstance(qualifications.get("positionCompetencies"), list):
            for competency in qualifications["positionCompetencies"]:
                _unwrap_list(competency, "competencyIds")
        _unwrap_list(profile, "workingPeriods")
        _unwrap_object(profile, "costAllocationRef", "costAllocation")
    for holder in ("assignedWorker", "worker"):
        _unwrap_object(out.get(holder), "workAssignments")
    return out


# --- v2.0 -> v1.0 -----------------------------------------------------------


def _wrap_object(holder: Any, key: str, new_key: str | None = None) -> None:
    if not isinstance(holder, dict) or key not in holder:
        return
    value = holder[key]
    if isinstance(value, dict) and not (set(value) == {"item"} and isinstance(value["item"], dict)):
        value = {"item": value}  # (v2.0 never has a property called item: an item-only dict is v1 already)
    _rekey(holder, key, new_key or key, value)


def _wrap_list(holder: Any, key: str) -> None:
    if not isinstance(holder, dict) or key not in holder:
        return
    value = holder[key]
    if isinstance(value, list):
        if value:
            holder[key] = {"item": value}
        else:
            del holder[key]  # v1.0 needs at least one item: an empty list says nothing


def _fold_address(location: Any) -> None:
    if not isinstance(location, dict) or not any(k in location for k in _ADDRESS_PARTS):
        return
    parts = [str(location[k]) for k in _ADDRESS_PARTS if location.get(k) not in (None, "")]
    first = next(k for k in location if k in _ADDRESS_PARTS)
    _rekey(location, first, "line", " ".join(parts))
    for key in _ADDRESS_PARTS:
        location.pop(key, None)


def v2_to_v1(message_name: str, data: dict) -> dict:
    """A v2.0-shaped message as SETU v1.0 JSON (a new dict; input untouched).

    The address fields v1.0 lacks are folded into ``line``; empty arrays that
    v1.0 wraps in ``item`` are left out (see the module docstring).
    """
    _check_message(message_name)
    out = copy.deepcopy(data)
    profile = out.get("positionProfile")
    if isinstance(profile, dict):
        location = profile.get("positionLocation")
        _fold_address(location)
        _wrap_object(profile, "positionLocation")
        _wrap_list(profile, "positionOrganizations")
        qualifications = profile.get("positionQualifications")
        if isinstance(qualifications, dict) and isinstance(qualifications.get("positionCompetencies"), list):
            for competency in qualifications["positionCompetencies"]:
                _wrap_list(competency, "competencyIds")
        _wrap_list(qualifications, "positionCompetencies")
        _wrap_object(profile, "positionQualifications")
        _wrap_list(profile, "workingPeriods")
        _wrap_object(profile, "costAllocation", "costAllocationRef")
    for holder in ("assignedWorker", "worker"):
        _wrap_object(out.get(holder), "workAssignments")
    return out


def lost_in_v1(message_name: str, data: dict) -> list[str]:
    """Paths of v2.0 content that v2_to_v1 cannot carry as such (for warnings/docs).

    Reports the v2-only address fields present, empty arrays v1.0 cannot
    express, and values outside V1_VALUE_RESTRICTIONS.
    """
    _check_message(message_name)
    lost: list[str] = []
    for path in V2_ONLY_ELEMENTS[message_name]:
        if _get(data, path.split("/")) not in (None, ""):
            lost.append(path)
    profile = data.get("positionProfile") or {}
    for key in ("positionOrganizations", "workingPeriods"):
        if profile.get(key) == []:
            lost.append(f"positionProfile/{key}")
    qualifications = profile.get("positionQualifications") or {}
    if qualifications.get("positionCompetencies") == []:
        lost.append("positionProfile/positionQualifications/positionCompetencies")
    for path, allowed in V1_VALUE_RESTRICTIONS.get(message_name, {}).items():
        for where, value in _values(data, path.split("/"), ""):
            if value not in allowed:
                lost.append(where)
    return lost


def _get(data: Any, keys: list[str]) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _values(data: Any, keys: list[str], prefix: str):
    """(path, value) for every value at ``keys``, descending into arrays."""
    if isinstance(data, list):
        for i, item in enumerate(data):
            yield from _values(item, keys, f"{prefix}/{i}")
        return
    if not keys:
        yield prefix.lstrip("/"), data
        return
    if isinstance(data, dict) and keys[0] in data:
        yield from _values(data[keys[0]], keys[1:], f"{prefix}/{keys[0]}")


# --- lines ------------------------------------------------------------------


def line_v1_to_v2(message_name: str, line_field: str, line: dict) -> dict:
    """One v1.0 line as v2.0 (the line structures are identical: a checked copy)."""
    check_line(message_name, line_field)
    return copy.deepcopy(line)


def line_v2_to_v1(message_name: str, line_field: str, line: dict) -> dict:
    """One v2.0 line as v1.0 (identical structures: a checked copy)."""
    check_line(message_name, line_field)
    return copy.deepcopy(line)
