"""v1.0 <-> v2.0 JSON conversion on hand-made messages (no spec files needed)."""

from __future__ import annotations

import copy

import pytest

from setu_planning.interface import versions

ID = {"value": "X1", "schemeAgencyId": "Customer"}

V1_PROFILE = {
    "positionId": {"value": "P1"},
    "positionLocation": {"item": {"id": [ID], "line": "Kerkstraat 12", "city": "Tholen", "name": "Tholen"}},
    "positionOrganizations": {"item": [{"name": "Org A"}, {"name": "Org B"}]},
    "positionQualifications": {
        "item": {
            "positionCompetencies": {"item": [{"competencyIds": {"item": [ID, ID]}, "competencyName": "Picking"}]},
            "licenses": [{"name": "HEF"}],
        }
    },
    "positionPeriod": {"start": "2024-01-01"},
    "workingPeriods": {
        "item": [
            {
                "workDuration": {"value": 32, "unitCode": {"value": "Hours"}},
                "baseDuration": {"value": 1, "unitCode": {"value": "Weekly"}},
            }
        ]
    },
    "costAllocationRef": {"item": {"costCenter": {"code": "CC1"}, "project": {"code": "PR1"}}},
}

V2_PROFILE = {
    "positionId": {"value": "P1"},
    "positionLocation": {"id": [ID], "streetName": "Kerkstraat 12", "city": "Tholen", "name": "Tholen"},
    "positionOrganizations": [{"name": "Org A"}, {"name": "Org B"}],
    "positionQualifications": {
        "positionCompetencies": [{"competencyIds": [ID, ID], "competencyName": "Picking"}],
        "licenses": [{"name": "HEF"}],
    },
    "positionPeriod": {"start": "2024-01-01"},
    "workingPeriods": [
        {
            "workDuration": {"value": 32, "unitCode": {"value": "Hours"}},
            "baseDuration": {"value": 1, "unitCode": {"value": "Weekly"}},
        }
    ],
    "costAllocation": {"costCenter": {"code": "CC1"}, "project": {"code": "PR1"}},
}

WORK_ASSIGNMENT = {"id": {"value": "A1", "schemeAgencyId": "Supplier"}}


def v1_assignment():
    return {
        "documentId": {"value": "D1", "schemeAgencyId": "Customer"},
        "assignedWorker": {"assignedStatus": True, "workAssignments": {"item": WORK_ASSIGNMENT}},
        "positionProfile": copy.deepcopy(V1_PROFILE),
        "periodicPlanningLine": [{"lineId": ID, "planningPeriod": "Monday"}],
    }


def v2_assignment():
    return {
        "documentId": {"value": "D1", "schemeAgencyId": "Customer"},
        "assignedWorker": {"assignedStatus": True, "workAssignments": WORK_ASSIGNMENT},
        "positionProfile": copy.deepcopy(V2_PROFILE),
        "periodicPlanningLine": [{"lineId": ID, "planningPeriod": "Monday"}],
    }


def test_v1_to_v2_removes_every_item_wrapper_and_renames_cost_allocation():
    assert versions.v1_to_v2("PlanningAssignment", v1_assignment()) == v2_assignment()


def test_v2_to_v1_restores_the_wrappers():
    assert versions.v2_to_v1("PlanningAssignment", v2_assignment()) == v1_assignment()


def test_constraints_worker_work_assignments():
    v1 = {"worker": {"workerId": [ID], "workAssignments": {"item": WORK_ASSIGNMENT}}}
    v2 = {"worker": {"workerId": [ID], "workAssignments": WORK_ASSIGNMENT}}
    assert versions.v1_to_v2("PlanningConstraints", v1) == v2
    assert versions.v2_to_v1("PlanningConstraints", v2) == v1


def test_conversion_does_not_touch_its_input():
    source = v1_assignment()
    before = copy.deepcopy(source)
    versions.v2_to_v1("PlanningAssignment", versions.v1_to_v2("PlanningAssignment", source))
    assert source == before


def test_key_order_is_kept_where_a_key_is_renamed():
    v2 = versions.v1_to_v2("PlanningAssignment", v1_assignment())
    assert list(v2["positionProfile"])[-1] == "costAllocation"
    assert list(v2["positionProfile"]["positionLocation"]) == ["id", "streetName", "city", "name"]


def test_v2_address_fields_are_folded_into_v1_line():
    v2 = {
        "positionProfile": {
            "positionLocation": {
                "name": "Depot",
                "streetName": "Dorpsplein",
                "houseNumber": "10",
                "houseNumberAddition": "A",
            }
        }
    }
    v1 = versions.v2_to_v1("PlanningRequest", v2)
    assert v1["positionProfile"]["positionLocation"] == {"item": {"name": "Depot", "line": "Dorpsplein 10 A"}}
    assert versions.lost_in_v1("PlanningRequest", v2) == list(versions.V2_ONLY_ELEMENTS["PlanningRequest"])


def test_house_number_without_street_still_reaches_v1():
    v2 = {"positionProfile": {"positionLocation": {"name": "Depot", "houseNumber": "10"}}}
    location = versions.v2_to_v1("PlanningRequest", v2)["positionProfile"]["positionLocation"]["item"]
    assert location == {"name": "Depot", "line": "10"}


def test_empty_arrays_are_left_out_of_v1():
    v2 = {
        "positionProfile": {
            "positionOrganizations": [],
            "workingPeriods": [],
            "positionQualifications": {"positionCompetencies": []},
        }
    }
    v1 = versions.v2_to_v1("PlanningRequest", v2)
    assert v1 == {"positionProfile": {"positionQualifications": {"item": {}}}}
    assert versions.lost_in_v1("PlanningRequest", v2) == [
        "positionProfile/positionOrganizations",
        "positionProfile/workingPeriods",
        "positionProfile/positionQualifications/positionCompetencies",
    ]


def test_values_v1_cannot_carry_are_reported():
    v2 = {
        "worker": {"workAssignments": {"id": {"value": "A1", "schemeAgencyId": "Customer"}}},
        "positionProfile": {
            "workingPeriods": [
                {
                    "workDuration": {"value": 8, "unitCode": {"value": "Hours"}},
                    "baseDuration": {"value": 1, "unitCode": {"value": "Fortnightly"}},
                }
            ]
        },
    }
    assert versions.lost_in_v1("PlanningConstraints", v2) == [
        "positionProfile/workingPeriods/0/baseDuration/unitCode/value",
        "worker/workAssignments/id/schemeAgencyId",
    ]


def test_already_converted_shapes_are_left_alone():
    v2 = v2_assignment()
    assert versions.v1_to_v2("PlanningAssignment", v2) == v2
    v1 = v1_assignment()
    assert versions.v2_to_v1("PlanningAssignment", v1) == v1


def test_v2_only_elements_are_documented():
    assert "positionProfile/positionLocation/houseNumber" in versions.V2_ONLY_ELEMENTS["PlanningAssignment"]
    assert versions.V2_ONLY_ELEMENTS["PlanningConstraints"] == ()
    assert versions.V1_ONLY_ELEMENTS["PlanningRequest"] == ("positionProfile/positionLocation/line",)


@pytest.mark.parametrize("message, field", [(m, f) for m, fields in versions.LINE_FIELDS.items() for f in fields])
def test_lines_are_the_same_in_both_versions(message, field):
    line = {"lineId": ID, "breaks": [{"paidOrUnpaid": "Paid"}]}
    converted = versions.line_v1_to_v2(message, field, line)
    assert converted == line and converted is not line
    assert versions.line_v2_to_v1(message, field, line) == line


def test_unknown_message_or_line_field_is_refused():
    with pytest.raises(ValueError, match="unknown SETU Planning message"):
        versions.v1_to_v2("Timecard", {})
    with pytest.raises(ValueError, match="no line field"):
        versions.line_v1_to_v2("PlanningConstraints", "periodicPlanningLine", {})
