"""Structure of the SETU Planning XML messages: GENERATED, do not edit.

Derived from the official XSDs (v1.0 and v2.0: PlanningRequest,
PlanningAssignment, PlanningConstraints) by tools/generate_xml_schema_tables.py,
and cross-checked there against the official JSON Schemas. Regenerate with
``python tools/generate_xml_schema_tables.py`` (reads SETU_SPEC_DIR).

A node is ``(xml_name, json_name, required, repeated, content)``; content is
either a simple type name (string, boolean, integer, decimal, date, time,
dateTime) or a tuple of child nodes in xs:sequence order. All XSDs use
elementFormDefault='qualified', no attributes and only the root as a
global element.
"""

# fmt: off
NAMESPACES = {'1.0': 'https://ontology.setu.nl/planning#', '2.0': 'https://ontology.setu.nl/messages'}

_C0 = (
    ('value', 'value', True, False, 'string'),
    ('schemeAgencyId', 'schemeAgencyId', True, False, 'string'),
)
_C1 = (
    ('id', 'id', False, True, _C0),
    ('legalId', 'legalId', False, False, _C0),
    ('taxId', 'taxId', False, False, _C0),
)
_C2 = (('value', 'value', True, False, 'string'),)
_C3 = (
    ('id', 'id', False, False, _C2),
    ('description', 'description', False, False, _C2),
)
_C4 = (
    ('id', 'id', False, True, _C0),
    ('line', 'line', False, False, 'string'),
    ('countryCode', 'countryCode', False, False, _C2),
    ('city', 'city', False, False, 'string'),
    ('postalCode', 'postalCode', False, False, 'string'),
    ('name', 'name', True, False, 'string'),
)
_C5 = (('item', 'item', True, False, _C4),)
_C6 = (('name', 'name', True, False, (('formattedName', 'formattedName', True, False, 'string'),)),)
_C7 = (
    ('workerId', 'workerId', True, False, _C0),
    ('person', 'person', False, False, _C6),
)
_C8 = (
    ('taxId', 'taxId', False, False, _C0),
    ('legalId', 'legalId', False, False, _C0),
    ('responsibilityCode', 'responsibilityCode', False, False, _C2),
    ('id', 'id', False, False, _C0),
    ('name', 'name', False, False, 'string'),
)
_C9 = (('item', 'item', True, True, _C8),)
_C10 = (
    ('competencyIds', 'competencyIds', False, False, (('item', 'item', True, True, _C0),)),
    ('competencyName', 'competencyName', False, False, 'string'),
)
_C11 = (
    ('name', 'name', True, False, 'string'),
    ('issuingAuthority', 'issuingAuthority', False, False, (('name', 'name', True, False, 'string'),)),
)
_C12 = (
    ('positionCompetencies', 'positionCompetencies', False, False, (('item', 'item', True, True, _C10),)),
    ('licenses', 'licenses', False, True, _C11),
)
_C13 = (
    ('start', 'start', True, False, 'date'),
    ('end', 'end', False, False, 'date'),
)
_C14 = (
    ('value', 'value', True, False, 'decimal'),
    ('unitCode', 'unitCode', True, False, _C2),
)
_C15 = (
    ('workDuration', 'workDuration', True, False, _C14),
    ('baseDuration', 'baseDuration', True, False, _C14),
)
_C16 = (('item', 'item', True, True, _C15),)
_C17 = (
    ('name', 'name', False, False, 'string'),
    ('code', 'code', False, False, 'string'),
)
_C18 = (
    ('costCenter', 'costCenter', False, False, _C17),
    ('project', 'project', False, False, (('code', 'code', False, False, 'string'),)),
)
_C19 = (('item', 'item', True, False, _C18),)
_C20 = (
    ('positionId', 'positionId', False, False, _C2),
    ('positionTitle', 'positionTitle', False, False, 'string'),
    ('positionTask', 'positionTask', False, False, _C3),
    ('standByIndicator', 'standByIndicator', False, False, 'boolean'),
    ('positionLocation', 'positionLocation', True, False, _C5),
    ('requestedWorker', 'requestedWorker', False, True, _C7),
    ('positionOrganizations', 'positionOrganizations', False, False, _C9),
    ('positionQualifications', 'positionQualifications', False, False, (('item', 'item', True, False, _C12),)),
    ('positionPeriod', 'positionPeriod', False, False, _C13),
    ('workingPeriods', 'workingPeriods', False, False, _C16),
    ('shiftDescription', 'shiftDescription', False, False, 'string'),
    ('costAllocationRef', 'costAllocationRef', False, False, _C19),
)
_C21 = (
    ('hours', 'hours', True, False, 'decimal'),
    ('breakDuration', 'breakDuration', True, False, 'time'),
)
_C22 = (
    ('paidOrUnpaid', 'paidOrUnpaid', True, False, 'string'),
    ('startTime', 'startTime', False, False, 'time'),
    ('endTime', 'endTime', False, False, 'time'),
    ('breakTrigger', 'breakTrigger', False, False, _C21),
)
_C23 = (
    ('lineId', 'lineId', True, False, _C0),
    ('actionCode', 'actionCode', False, False, 'string'),
    ('planningLineName', 'planningLineName', False, False, 'string'),
    ('planningPeriod', 'planningPeriod', True, False, 'string'),
    ('startTime', 'startTime', False, False, 'time'),
    ('endTime', 'endTime', False, False, 'time'),
    ('hours', 'hours', False, False, 'decimal'),
    ('breaks', 'breaks', False, True, _C22),
    ('positionQuantity', 'positionQuantity', True, False, 'integer'),
)
_C24 = (('lineId', 'lineId', True, False, _C0),)
_C25 = (
    ('paidOrUnpaid', 'paidOrUnpaid', True, False, 'string'),
    ('startDateTime', 'startDateTime', False, False, 'dateTime'),
    ('endDateTime', 'endDateTime', False, False, 'dateTime'),
    ('breakTrigger', 'breakTrigger', False, False, _C21),
)
_C26 = (
    ('lineId', 'lineId', True, False, _C0),
    ('actionCode', 'actionCode', False, False, 'string'),
    ('planningLineName', 'planningLineName', False, False, 'string'),
    ('singlePlanningType', 'singlePlanningType', True, False, 'string'),
    ('periodicPlanningLineReference', 'periodicPlanningLineReference', False, False, _C24),
    ('startDateTime', 'startDateTime', False, False, 'dateTime'),
    ('endDateTime', 'endDateTime', False, False, 'dateTime'),
    ('hours', 'hours', False, False, 'decimal'),
    ('breaks', 'breaks', False, True, _C25),
    ('positionQuantity', 'positionQuantity', True, False, 'integer'),
)
_C27 = (
    ('documentId', 'documentId', True, False, _C0),
    ('actionCode', 'actionCode', False, False, 'string'),
    ('supplier', 'supplier', False, False, _C1),
    ('customer', 'customer', True, False, _C1),
    ('positionProfile', 'positionProfile', True, False, _C20),
    ('requestComments', 'requestComments', False, True, 'string'),
    ('periodicPlanningLine', 'periodicPlanningLine', False, True, _C23),
    ('singlePlanningLine', 'singlePlanningLine', False, True, _C26),
)
_C28 = (('documentId', 'documentId', True, False, _C0),)
_C29 = (('id', 'id', True, False, _C0),)
_C30 = (('item', 'item', True, False, _C29),)
_C31 = (
    ('assignedStatus', 'assignedStatus', True, False, 'boolean'),
    ('workerId', 'workerId', False, False, _C0),
    ('person', 'person', False, False, _C6),
    ('workAssignments', 'workAssignments', False, False, _C30),
)
_C32 = (
    ('positionId', 'positionId', False, False, _C2),
    ('positionTitle', 'positionTitle', False, False, 'string'),
    ('positionTask', 'positionTask', False, False, _C3),
    ('standByIndicator', 'standByIndicator', False, False, 'boolean'),
    ('positionLocation', 'positionLocation', True, False, _C5),
    ('positionOrganizations', 'positionOrganizations', False, False, _C9),
    ('positionPeriod', 'positionPeriod', False, False, _C13),
    ('workingPeriods', 'workingPeriods', False, False, _C16),
    ('shiftDescription', 'shiftDescription', False, False, 'string'),
    ('travelDistance', 'travelDistance', False, False, 'decimal'),
    ('costAllocationRef', 'costAllocationRef', False, False, _C19),
)
_C33 = (
    ('workerId', 'workerId', True, False, _C0),
    ('relatedWorkerType', 'relatedWorkerType', True, False, 'string'),
)
_C34 = (
    ('lineId', 'lineId', True, False, _C0),
    ('actionCode', 'actionCode', False, False, 'string'),
    ('planningLineName', 'planningLineName', False, False, 'string'),
    ('planningPeriod', 'planningPeriod', True, False, 'string'),
    ('startTime', 'startTime', False, False, 'time'),
    ('endTime', 'endTime', False, False, 'time'),
    ('hours', 'hours', False, False, 'decimal'),
    ('breaks', 'breaks', False, True, _C22),
    ('relatedWorker', 'relatedWorker', False, True, _C33),
)
_C35 = (
    ('lineId', 'lineId', True, False, _C0),
    ('actionCode', 'actionCode', False, False, 'string'),
    ('planningLineName', 'planningLineName', False, False, 'string'),
    ('singlePlanningType', 'singlePlanningType', True, False, 'string'),
    ('periodicPlanningLineReference', 'periodicPlanningLineReference', False, False, _C24),
    ('startDateTime', 'startDateTime', False, False, 'dateTime'),
    ('endDateTime', 'endDateTime', False, False, 'dateTime'),
    ('hours', 'hours', False, False, 'decimal'),
    ('breaks', 'breaks', False, True, _C25),
    ('relatedWorker', 'relatedWorker', False, True, _C33),
)
_C36 = (
    ('documentId', 'documentId', True, False, _C0),
    ('actionCode', 'actionCode', False, False, 'string'),
    ('supplier', 'supplier', False, False, _C1),
    ('customer', 'customer', True, False, _C1),
    ('planningRequestReference', 'planningRequestReference', False, False, _C28),
    ('assignedWorker', 'assignedWorker', True, False, _C31),
    ('positionProfile', 'positionProfile', True, False, _C32),
    ('periodicPlanningLine', 'periodicPlanningLine', False, True, _C34),
    ('singlePlanningLine', 'singlePlanningLine', False, True, _C35),
)
_C37 = (
    ('workerId', 'workerId', True, True, _C0),
    ('workAssignments', 'workAssignments', False, False, _C30),
)
_C38 = (
    ('positionPeriod', 'positionPeriod', False, False, _C13),
    ('workingPeriods', 'workingPeriods', False, False, _C16),
)
_C39 = (
    ('workerId', 'workerId', True, False, _C0),
    ('relatedWorkerType', 'relatedWorkerType', True, False, 'string'),
    ('startDateTime', 'startDateTime', False, False, 'dateTime'),
    ('endDateTime', 'endDateTime', False, False, 'dateTime'),
)
_C40 = (
    ('lineId', 'lineId', True, False, _C0),
    ('actionCode', 'actionCode', False, False, 'string'),
    ('availabilityStatus', 'availabilityStatus', True, False, 'string'),
    ('availabilityPeriod', 'availabilityPeriod', True, False, 'string'),
    ('startTime', 'startTime', False, False, 'time'),
    ('endTime', 'endTime', False, False, 'time'),
    ('hours', 'hours', False, False, 'decimal'),
    ('relatedWorker', 'relatedWorker', False, True, _C39),
    ('availabilityComment', 'availabilityComment', False, False, 'string'),
)
_C41 = (
    ('lineId', 'lineId', True, False, _C0),
    ('actionCode', 'actionCode', False, False, 'string'),
    ('singleAvailabilityType', 'singleAvailabilityType', True, False, 'string'),
    ('periodicAvailabilityLineReference', 'periodicAvailabilityLineReference', False, False, _C24),
    ('availabilityStatus', 'availabilityStatus', True, False, 'string'),
    ('startDateTime', 'startDateTime', True, False, 'dateTime'),
    ('endDateTime', 'endDateTime', True, False, 'dateTime'),
    ('hours', 'hours', False, False, 'decimal'),
    ('relatedWorker', 'relatedWorker', False, True, _C33),
    ('availabilityComment', 'availabilityComment', False, False, 'string'),
)
_C42 = (
    ('documentId', 'documentId', True, False, _C0),
    ('actionCode', 'actionCode', False, False, 'string'),
    ('supplier', 'supplier', True, False, _C1),
    ('customer', 'customer', True, False, _C1),
    ('worker', 'worker', True, False, _C37),
    ('positionProfile', 'positionProfile', False, False, _C38),
    ('periodicAvailabilityLine', 'periodicAvailabilityLine', False, True, _C40),
    ('singleAvailabilityLine', 'singleAvailabilityLine', False, True, _C41),
    ('maximumTravelDistance', 'maximumTravelDistance', False, False, 'decimal'),
)
_C43 = (
    ('id', 'id', False, True, _C0),
    ('name', 'name', True, False, 'string'),
    ('countryCode', 'countryCode', False, False, _C2),
    ('city', 'city', False, False, 'string'),
    ('postalCode', 'postalCode', False, False, 'string'),
    ('streetName', 'streetName', False, False, 'string'),
    ('houseNumber', 'houseNumber', False, False, 'string'),
    ('houseNumberAddition', 'houseNumberAddition', False, False, 'string'),
)
_C44 = (
    ('competencyIds', 'competencyIds', False, True, _C0),
    ('competencyName', 'competencyName', False, False, 'string'),
)
_C45 = (
    ('positionCompetencies', 'positionCompetencies', False, True, _C44),
    ('licenses', 'licenses', False, True, _C11),
)
_C46 = (
    ('positionId', 'positionId', False, False, _C2),
    ('positionTitle', 'positionTitle', False, False, 'string'),
    ('positionTask', 'positionTask', False, False, _C3),
    ('standByIndicator', 'standByIndicator', False, False, 'boolean'),
    ('positionLocation', 'positionLocation', True, False, _C43),
    ('requestedWorker', 'requestedWorker', False, True, _C7),
    ('positionOrganizations', 'positionOrganizations', False, True, _C8),
    ('positionQualifications', 'positionQualifications', False, False, _C45),
    ('positionPeriod', 'positionPeriod', False, False, _C13),
    ('workingPeriods', 'workingPeriods', False, True, _C15),
    ('shiftDescription', 'shiftDescription', False, False, 'string'),
    ('costAllocationRef', 'costAllocation', False, False, _C18),
)
_C47 = (
    ('documentId', 'documentId', True, False, _C0),
    ('actionCode', 'actionCode', False, False, 'string'),
    ('supplier', 'supplier', False, False, _C1),
    ('customer', 'customer', True, False, _C1),
    ('positionProfile', 'positionProfile', True, False, _C46),
    ('requestComments', 'requestComments', False, True, 'string'),
    ('periodicPlanningLine', 'periodicPlanningLine', False, True, _C23),
    ('singlePlanningLine', 'singlePlanningLine', False, True, _C26),
)
_C48 = (
    ('assignedStatus', 'assignedStatus', True, False, 'boolean'),
    ('workerId', 'workerId', False, False, _C0),
    ('person', 'person', False, False, _C6),
    ('workAssignments', 'workAssignments', False, False, _C29),
)
_C49 = (
    ('id', 'id', False, False, _C0),
    ('legalId', 'legalId', False, False, _C0),
    ('taxId', 'taxId', False, False, _C0),
    ('responsibilityCode', 'responsibilityCode', False, False, _C2),
    ('name', 'name', False, False, 'string'),
)
_C50 = (
    ('positionId', 'positionId', False, False, _C2),
    ('positionTitle', 'positionTitle', False, False, 'string'),
    ('positionTask', 'positionTask', False, False, _C3),
    ('standByIndicator', 'standByIndicator', False, False, 'boolean'),
    ('positionLocation', 'positionLocation', True, False, _C43),
    ('positionOrganizations', 'positionOrganizations', False, True, _C49),
    ('positionPeriod', 'positionPeriod', False, False, _C13),
    ('workingPeriods', 'workingPeriods', False, True, _C15),
    ('shiftDescription', 'shiftDescription', False, False, 'string'),
    ('travelDistance', 'travelDistance', False, False, 'decimal'),
    ('costAllocationRef', 'costAllocation', False, False, _C18),
)
_C51 = (
    ('documentId', 'documentId', True, False, _C0),
    ('actionCode', 'actionCode', False, False, 'string'),
    ('supplier', 'supplier', False, False, _C1),
    ('customer', 'customer', True, False, _C1),
    ('planningRequestReference', 'planningRequestReference', False, False, _C28),
    ('assignedWorker', 'assignedWorker', True, False, _C48),
    ('positionProfile', 'positionProfile', True, False, _C50),
    ('periodicPlanningLine', 'periodicPlanningLine', False, True, _C34),
    ('singlePlanningLine', 'singlePlanningLine', False, True, _C35),
)
_C52 = (
    ('workerId', 'workerId', True, True, _C0),
    ('workAssignments', 'workAssignments', False, False, _C29),
)
_C53 = (
    ('positionPeriod', 'positionPeriod', False, False, _C13),
    ('workingPeriods', 'workingPeriods', False, True, _C15),
)
_C54 = (
    ('documentId', 'documentId', True, False, _C0),
    ('actionCode', 'actionCode', False, False, 'string'),
    ('supplier', 'supplier', True, False, _C1),
    ('customer', 'customer', True, False, _C1),
    ('worker', 'worker', True, False, _C52),
    ('positionProfile', 'positionProfile', False, False, _C53),
    ('periodicAvailabilityLine', 'periodicAvailabilityLine', False, True, _C40),
    ('singleAvailabilityLine', 'singleAvailabilityLine', False, True, _C41),
    ('maximumTravelDistance', 'maximumTravelDistance', False, False, 'decimal'),
)

# (version, message) -> children of the root element
TREES = {
    ('1.0', 'PlanningRequest'): _C27,
    ('1.0', 'PlanningAssignment'): _C36,
    ('1.0', 'PlanningConstraints'): _C42,
    ('2.0', 'PlanningRequest'): _C47,
    ('2.0', 'PlanningAssignment'): _C51,
    ('2.0', 'PlanningConstraints'): _C54,
}
