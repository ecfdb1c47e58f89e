"""PlanningAssignment v2.0: the supplier (or customer) says who works the shifts."""

from __future__ import annotations

from typing import Literal

from .common import (
    ActionCode,
    CustomerDocumentId,
    Identifier,
    Number,
    Opt,
    Party,
    PeriodicPlanningLineBase,
    Person,
    PositionProfileBase,
    RelatedWorker,
    SetuModel,
    SinglePlanningLineBase,
)


class PlanningRequestReference(SetuModel):
    """The request this assignment answers (by the request's documentId)."""

    documentId: CustomerDocumentId


class WorkAssignmentId(SetuModel):
    value: str
    schemeAgencyId: Literal["Supplier"]


class WorkAssignments(SetuModel):
    """The supplier's placement (work assignment) of the worker."""

    id: WorkAssignmentId


class AssignedWorker(SetuModel):
    """Whether a worker is assigned and who (BR-293)."""

    assignedStatus: bool
    workerId: Opt[Identifier] = None
    person: Opt[Person] = None
    workAssignments: Opt[WorkAssignments] = None


class AssignmentPositionProfile(PositionProfileBase):
    """The assigned position: shared parts plus the worker's travel distance."""

    travelDistance: Opt[Number] = None


class AssignedPeriodicPlanningLine(PeriodicPlanningLineBase):
    """A recurring shift the worker is assigned to."""

    relatedWorker: Opt[list[RelatedWorker]] = None


class AssignedSinglePlanningLine(SinglePlanningLineBase):
    """One shift the worker is assigned to."""

    relatedWorker: Opt[list[RelatedWorker]] = None


class PlanningAssignmentMessage(SetuModel):
    """The PlanningAssignment message, shaped as the SETU v2.0 JSON Schema."""

    documentId: Identifier
    actionCode: Opt[ActionCode] = None
    supplier: Opt[Party] = None
    customer: Party
    planningRequestReference: Opt[PlanningRequestReference] = None
    assignedWorker: AssignedWorker
    positionProfile: AssignmentPositionProfile
    periodicPlanningLine: Opt[list[AssignedPeriodicPlanningLine]] = None
    singlePlanningLine: Opt[list[AssignedSinglePlanningLine]] = None
