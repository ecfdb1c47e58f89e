"""Small valid messages of our own, so the domain tests run without the spec folder."""

from __future__ import annotations

import copy

import pytest

REQUEST = {
    "documentId": {"value": "REQ-1", "schemeAgencyId": "Customer"},
    "supplier": {"id": [{"value": "SUP", "schemeAgencyId": "Customer"}]},
    "customer": {"id": [{"value": "CUS", "schemeAgencyId": "Customer"}]},
    "positionProfile": {
        "positionId": {"value": "POS-1"},
        "positionTask": {"id": {"value": "TASK-1"}},
        "positionLocation": {"name": "Tholen"},
        "positionPeriod": {"start": "2024-01-01", "end": "2024-12-31"},
    },
    "periodicPlanningLine": [
        {
            "lineId": {"value": "P1", "schemeAgencyId": "Customer"},
            "planningPeriod": "Monday",
            "startTime": "08:00:00Z",
            "endTime": "16:00:00Z",
            "breaks": [{"paidOrUnpaid": "Paid", "startTime": "12:00:00Z", "endTime": "12:30:00Z"}],
            "positionQuantity": 2,
        }
    ],
    "singlePlanningLine": [
        {
            "lineId": {"value": "S1", "schemeAgencyId": "Customer"},
            "singlePlanningType": "Occasional",
            "startDateTime": "2024-03-05T07:00:00+01:00",
            "endDateTime": "2024-03-05T15:00:00+01:00",
            "breaks": [
                {
                    "paidOrUnpaid": "Unpaid",
                    "startDateTime": "2024-03-05T11:00:00+01:00",
                    "endDateTime": "2024-03-05T11:30:00+01:00",
                }
            ],
            "positionQuantity": 1,
        }
    ],
}

ASSIGNMENT = {
    "documentId": {"value": "ASG-1", "schemeAgencyId": "Supplier"},
    "supplier": {"id": [{"value": "SUP", "schemeAgencyId": "Customer"}]},
    "customer": {"id": [{"value": "CUS", "schemeAgencyId": "Customer"}]},
    "planningRequestReference": {"documentId": {"value": "REQ-1", "schemeAgencyId": "Customer"}},
    "assignedWorker": {"assignedStatus": True, "workerId": {"value": "W1", "schemeAgencyId": "Supplier"}},
    "positionProfile": {
        "positionId": {"value": "POS-1"},
        "positionLocation": {"name": "Tholen"},
        "positionPeriod": {"start": "2024-01-01"},
    },
    "periodicPlanningLine": [
        {
            "lineId": {"value": "P1", "schemeAgencyId": "Customer"},
            "planningPeriod": "Tuesday",
            "startTime": "07:00:00+00:00",
            "endTime": "16:00:00+00:00",
        }
    ],
    "singlePlanningLine": [
        {
            "lineId": {"value": "S1", "schemeAgencyId": "Customer"},
            "singlePlanningType": "Exception",
            "periodicPlanningLineReference": {"lineId": {"value": "P1", "schemeAgencyId": "Customer"}},
            "startDateTime": "2024-03-05T07:00:00+01:00",
            "endDateTime": "2024-03-05T12:00:00+01:00",
        }
    ],
}

CONSTRAINTS = {
    "documentId": {"value": "CON-1", "schemeAgencyId": "Supplier"},
    "supplier": {"id": [{"value": "SUP", "schemeAgencyId": "Supplier"}]},
    "customer": {"legalId": {"value": "12345678", "schemeAgencyId": "KvK"}},
    "worker": {"workerId": [{"value": "W1", "schemeAgencyId": "Supplier"}]},
    "periodicAvailabilityLine": [
        {
            "lineId": {"value": "A1", "schemeAgencyId": "Supplier"},
            "availabilityStatus": "Available",
            "availabilityPeriod": "Monday",
            "startTime": "08:00:00",
            "endTime": "17:00:00",
        }
    ],
    "singleAvailabilityLine": [
        {
            "lineId": {"value": "A2", "schemeAgencyId": "Supplier"},
            "singleAvailabilityType": "Occasional",
            "availabilityStatus": "NotAvailable",
            "startDateTime": "2024-07-01T00:00:00+02:00",
            "endDateTime": "2024-07-15T00:00:00+02:00",
        }
    ],
}


@pytest.fixture
def request_json() -> dict:
    """A valid PlanningRequest (fresh copy: tests may change it)."""
    return copy.deepcopy(REQUEST)


@pytest.fixture
def assignment_json() -> dict:
    """A valid PlanningAssignment (fresh copy)."""
    return copy.deepcopy(ASSIGNMENT)


@pytest.fixture
def constraints_json() -> dict:
    """A valid PlanningConstraints (fresh copy)."""
    return copy.deepcopy(CONSTRAINTS)
