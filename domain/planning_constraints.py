"""PlanningConstraints v2.0: the supplier tells when a worker is (not) available."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .common import (
    ActionCode,
    DateTime,
    Identifier,
    LineReference,
    Number,
    Opt,
    Party,
    PositionPeriod,
    RelatedWorker,
    SetuModel,
    SingleType,
    SupplierDocumentId,
    Time,
)

AvailabilityStatus = Literal["Available", "NotAvailable", "RatherNot"]
AvailabilityPeriod = Literal[
    "Daily",
    "FourWeekly",
    "Friday",
    "Monday",
    "Monthly",
    "Saturday",
    "Sunday",
    "Thursday",
    "Tuesday",
    "Wednesday",
    "Weekly",
]


class WorkAssignmentRef(SetuModel):
    """Unlike the assignment's, this id's scheme agency is free text in the schema."""

    value: str
    schemeAgencyId: str


class ConstraintsWorkAssignments(SetuModel):
    id: WorkAssignmentRef


class Worker(SetuModel):
    """The worker whose availability this is (one or two ids)."""

    workerId: Annotated[list[Identifier], Field(min_length=1, max_length=2)]
    workAssignments: Opt[ConstraintsWorkAssignments] = None


class UnitCode(SetuModel):
    """Free text here, unlike the coded units of request and assignment."""

    value: str


class Duration(SetuModel):
    value: Number
    unitCode: UnitCode


class ConstraintsWorkingPeriod(SetuModel):
    """How much the worker wants to work per period."""

    baseDuration: Duration
    workDuration: Duration


class ConstraintsPositionProfile(SetuModel):
    """Only period and working periods: constraints concern a worker, not a position."""

    positionPeriod: Opt[PositionPeriod] = None
    workingPeriods: Opt[list[ConstraintsWorkingPeriod]] = None


class PeriodicRelatedWorker(RelatedWorker):
    """A related worker, possibly for a limited time."""

    startDateTime: Opt[DateTime] = None
    endDateTime: Opt[DateTime] = None


class PeriodicAvailabilityLine(SetuModel):
    """Recurring (weekday, daily, weekly...) availability."""

    lineId: Identifier
    actionCode: Opt[ActionCode] = None
    availabilityStatus: AvailabilityStatus
    availabilityPeriod: AvailabilityPeriod
    startTime: Opt[Time] = None
    endTime: Opt[Time] = None
    hours: Opt[Number] = None
    relatedWorker: Opt[list[PeriodicRelatedWorker]] = None
    availabilityComment: Opt[str] = None


class SingleAvailabilityLine(SetuModel):
    """Availability for one stretch of time: Occasional, or an Exception to a periodic line."""

    lineId: Identifier
    actionCode: Opt[ActionCode] = None
    singleAvailabilityType: SingleType
    periodicAvailabilityLineReference: Opt[LineReference] = None
    availabilityStatus: AvailabilityStatus
    startDateTime: DateTime
    endDateTime: DateTime
    hours: Opt[Number] = None
    relatedWorker: Opt[list[RelatedWorker]] = None
    availabilityComment: Opt[str] = None


class PlanningConstraintsMessage(SetuModel):
    """The PlanningConstraints message, shaped as the SETU v2.0 JSON Schema."""

    documentId: SupplierDocumentId
    actionCode: Opt[ActionCode] = None
    supplier: Party
    customer: Party
    worker: Worker
    positionProfile: Opt[ConstraintsPositionProfile] = None
    periodicAvailabilityLine: Opt[list[PeriodicAvailabilityLine]] = None
    singleAvailabilityLine: Opt[list[SingleAvailabilityLine]] = None
    maximumTravelDistance: Opt[Number] = None
