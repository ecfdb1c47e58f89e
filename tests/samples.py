"""Small valid SETU 2.0 messages of our own, so unit tests run without the spec folder."""

from __future__ import annotations

import copy
from typing import Any

_REQUEST: dict[str, Any] = {
    "documentId": {"value": "REQ-1", "schemeAgencyId": "Customer"},
    "supplier": {"id": [{"value": "OTTO", "schemeAgencyId": "Customer"}]},
    "customer": {"id": [{"value": "ACME", "schemeAgencyId": "Customer"}]},
    "positionProfile": {
        "positionId": {"value": "POS-1"},
        "positionTitle": "Picker",
        "positionLocation": {"name": "Tholen"},
        "positionPeriod": {"start": "2026-01-05", "end": "2026-06-30"},
    },
    "periodicPlanningLine": [
        {
            "lineId": {"value": "P1", "schemeAgencyId": "Customer"},
            "planningLineName": "Monday day shift",
            "planningPeriod": "Monday",
            "startTime": "08:00:00Z",
            "endTime": "16:00:00Z",
            "positionQuantity": 2,
        }
    ],
}

_ASSIGNMENT: dict[str, Any] = {
    "documentId": {"value": "ASG-1", "schemeAgencyId": "Customer"},
    "supplier": {"id": [{"value": "OTTO", "schemeAgencyId": "Customer"}]},
    "customer": {"id": [{"value": "ACME", "schemeAgencyId": "Customer"}]},
    "planningRequestReference": {"documentId": {"value": "REQ-1", "schemeAgencyId": "Customer"}},
    "assignedWorker": {"assignedStatus": True, "workerId": {"value": "W-1", "schemeAgencyId": "Supplier"}},
    "positionProfile": {
        "positionId": {"value": "POS-1"},
        "positionLocation": {"name": "Tholen"},
        "positionPeriod": {"start": "2026-01-05", "end": "2026-06-30"},
    },
    "singlePlanningLine": [
        {
            "lineId": {"value": "S1", "schemeAgencyId": "Customer"},
            "singlePlanningType": "Occasional",
            "startDateTime": "2026-01-06T07:00:00+01:00",
            "endDateTime": "2026-01-06T16:00:00+01:00",
        }
    ],
}

_CONSTRAINTS: dict[str, Any] = {
    "documentId": {"value": "CON-1", "schemeAgencyId": "Supplier"},
    "supplier": {"id": [{"value": "OTTO", "schemeAgencyId": "Supplier"}]},
    "customer": {"id": [{"value": "ACME", "schemeAgencyId": "Supplier"}]},
    "worker": {"workerId": [{"value": "W-1", "schemeAgencyId": "Supplier"}]},
    "periodicAvailabilityLine": [
        {
            "lineId": {"value": "A1", "schemeAgencyId": "Supplier"},
            "availabilityStatus": "Available",
            "availabilityPeriod": "Monday",
            "startTime": "08:00:00Z",
            "endTime": "16:00:00Z",
        }
    ],
}


def request(**changes: Any) -> dict[str, Any]:
    """A valid PlanningRequest; keyword arguments replace top-level elements."""
    return {**copy.deepcopy(_REQUEST), **changes}


def assignment(**changes: Any) -> dict[str, Any]:
    """A valid PlanningAssignment referring to request document REQ-1."""
    return {**copy.deepcopy(_ASSIGNMENT), **changes}


def constraints(**changes: Any) -> dict[str, Any]:
    """A valid PlanningConstraints of worker W-1."""
    return {**copy.deepcopy(_CONSTRAINTS), **changes}


def single_planning_line(line_id: str = "S9", day: str = "2026-01-07") -> dict[str, Any]:
    return {
        "lineId": {"value": line_id, "schemeAgencyId": "Customer"},
        "singlePlanningType": "Occasional",
        "startDateTime": f"{day}T07:00:00+01:00",
        "endDateTime": f"{day}T16:00:00+01:00",
        "positionQuantity": 1,
    }


def single_availability_line(line_id: str = "A9") -> dict[str, Any]:
    return {
        "lineId": {"value": line_id, "schemeAgencyId": "Supplier"},
        "singleAvailabilityType": "Occasional",
        "availabilityStatus": "NotAvailable",
        "startDateTime": "2026-02-02T00:00:00+01:00",
        "endDateTime": "2026-02-09T00:00:00+01:00",
    }


def assigned_single_line(line_id: str = "S9", day: str = "2026-01-07") -> dict[str, Any]:
    """A single planning line of an assignment (which carries no positionQuantity)."""
    line = single_planning_line(line_id, day)
    del line["positionQuantity"]
    return line
