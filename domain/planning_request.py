"""PlanningRequest v2.0: a customer asks a supplier to staff a position."""

from __future__ import annotations

from typing import Literal

from .common import (
    ActionCode,
    CustomerDocumentId,
    Identifier,
    Integer,
    Opt,
    Party,
    PeriodicPlanningLineBase,
    Person,
    PositionProfileBase,
    SetuModel,
    SinglePlanningLineBase,
)


class RequestedWorker(SetuModel):
    """A worker the customer asks for by name."""

    workerId: Identifier
    person: Opt[Person] = None


class CompetencyId(SetuModel):
    value: str
    schemeAgencyId: Literal["Customer", "Supplier", "[Any other value]"]


class PositionCompetency(SetuModel):
    competencyIds: Opt[list[CompetencyId]] = None
    competencyName: Opt[str] = None


class IssuingAuthority(SetuModel):
    name: str


class License(SetuModel):
    """A licence or certificate the worker must hold (forklift, VCA...)."""

    name: str
    issuingAuthority: Opt[IssuingAuthority] = None


class PositionQualifications(SetuModel):
    """What the worker must be able to do and hold."""

    positionCompetencies: Opt[list[PositionCompetency]] = None
    licenses: Opt[list[License]] = None


class RequestPositionProfile(PositionProfileBase):
    """The requested position: shared parts plus requested workers and qualifications."""

    requestedWorker: Opt[list[RequestedWorker]] = None
    positionQualifications: Opt[PositionQualifications] = None


class RequestedPeriodicPlanningLine(PeriodicPlanningLineBase):
    """Every given weekday, ``positionQuantity`` workers are needed."""

    positionQuantity: Integer


class RequestedSinglePlanningLine(SinglePlanningLineBase):
    """Once, ``positionQuantity`` workers are needed."""

    positionQuantity: Integer


class PlanningRequestMessage(SetuModel):
    """The PlanningRequest message, shaped as the SETU v2.0 JSON Schema."""

    documentId: CustomerDocumentId
    actionCode: Opt[ActionCode] = None
    supplier: Opt[Party] = None
    customer: Party
    positionProfile: RequestPositionProfile
    requestComments: Opt[list[str]] = None
    periodicPlanningLine: Opt[list[RequestedPeriodicPlanningLine]] = None
    singlePlanningLine: Opt[list[RequestedSinglePlanningLine]] = None
