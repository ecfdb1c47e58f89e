"""Small messages for planning tests: a worker's constraints, a request, assignments, by their lines."""

from __future__ import annotations

from typing import Any

SUPPLIER = {"id": [{"value": "OTTO", "schemeAgencyId": "Customer"}]}
CUSTOMER = {"id": [{"value": "OTTO_NLTHO001", "schemeAgencyId": "Customer"}]}
PERIOD = {"start": "2026-01-05", "end": "2026-12-31"}


def _id(value: str, agency: str = "Customer") -> dict[str, str]:
    return {"value": value, "schemeAgencyId": agency}


def periodic(line_id: str, day: str, start: str, end: str, **extra: Any) -> dict[str, Any]:
    return {"lineId": _id(line_id), "planningPeriod": day, "startTime": start, "endTime": end, **extra}


def single(line_id: str, start: str, end: str, kind: str = "Occasional", **extra: Any) -> dict[str, Any]:
    return {"lineId": _id(line_id), "singlePlanningType": kind, "startDateTime": start, "endDateTime": end, **extra}


def available(line_id: str, day: str, start: str, end: str, status: str = "Available") -> dict[str, Any]:
    return {
        "lineId": _id(line_id, "Supplier"),
        "availabilityStatus": status,
        "availabilityPeriod": day,
        "startTime": start,
        "endTime": end,
    }


def available_once(
    line_id: str, start: str, end: str, status: str, kind: str = "Occasional", reference: str | None = None
):
    line = {
        "lineId": _id(line_id, "Supplier"),
        "singleAvailabilityType": kind,
        "availabilityStatus": status,
        "startDateTime": start,
        "endDateTime": end,
    }
    if reference:
        line["periodicAvailabilityLineReference"] = {"lineId": _id(reference, "Supplier")}
    return line


def constraints(worker: str, periodic_lines=(), single_lines=(), document: str | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {
        "documentId": _id(document or f"C-{worker}", "Supplier"),
        "supplier": SUPPLIER,
        "customer": CUSTOMER,
        "worker": {"workerId": [_id(worker, "Supplier")]},
    }
    if periodic_lines:
        message["periodicAvailabilityLine"] = list(periodic_lines)
    if single_lines:
        message["singleAvailabilityLine"] = list(single_lines)
    return message


def _position(period: dict[str, str] | None) -> dict[str, Any]:
    profile: dict[str, Any] = {"positionId": {"value": "PICKER"}, "positionLocation": {"name": "Tholen"}}
    if period:
        profile["positionPeriod"] = period
    return profile


def request(
    document: str, periodic_lines=(), single_lines=(), period: dict[str, str] | None = PERIOD
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "documentId": _id(document),
        "supplier": SUPPLIER,
        "customer": CUSTOMER,
        "positionProfile": _position(period),
    }
    if periodic_lines:
        message["periodicPlanningLine"] = list(periodic_lines)
    if single_lines:
        message["singlePlanningLine"] = list(single_lines)
    return message


def assignment(
    document: str,
    worker: str,
    periodic_lines=(),
    single_lines=(),
    *,
    request_document: str | None = None,
    period: dict[str, str] | None = PERIOD,
    assigned: bool = True,
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "documentId": _id(document),
        "supplier": SUPPLIER,
        "customer": CUSTOMER,
        "assignedWorker": {"assignedStatus": assigned, "workerId": _id(worker, "Supplier")},
        "positionProfile": _position(period),
    }
    if request_document:
        message["planningRequestReference"] = {"documentId": _id(request_document)}
    if periodic_lines:
        message["periodicPlanningLine"] = list(periodic_lines)
    if single_lines:
        message["singlePlanningLine"] = list(single_lines)
    return message
