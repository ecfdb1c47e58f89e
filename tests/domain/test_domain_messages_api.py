"""The functions the application layer calls."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from setu_planning.domain.errors import MAX_REPORTED_VIOLATIONS, BusinessRuleViolated, MessageInvalid, Violation
from setu_planning.domain.messages import (
    LineKind,
    MessageKind,
    check_business_rules,
    line_field,
    line_id,
    to_json,
    validate_line,
    validate_message,
    validate_structure,
)
from setu_planning.domain.planning_assignment import AssignedSinglePlanningLine, PlanningAssignmentMessage
from setu_planning.domain.planning_constraints import PeriodicAvailabilityLine
from setu_planning.domain.planning_request import PlanningRequestMessage, RequestedPeriodicPlanningLine


@pytest.mark.parametrize(
    ("kind", "line_kind", "field"),
    [
        (MessageKind.REQUEST, LineKind.PERIODIC, "periodicPlanningLine"),
        (MessageKind.REQUEST, LineKind.SINGLE, "singlePlanningLine"),
        (MessageKind.ASSIGNMENT, LineKind.PERIODIC, "periodicPlanningLine"),
        (MessageKind.ASSIGNMENT, LineKind.SINGLE, "singlePlanningLine"),
        (MessageKind.CONSTRAINTS, LineKind.PERIODIC, "periodicAvailabilityLine"),
        (MessageKind.CONSTRAINTS, LineKind.SINGLE, "singleAvailabilityLine"),
    ],
)
def test_line_field_names_the_message_element_of_the_lines(kind, line_kind, field):
    assert line_field(kind, line_kind) == field


def test_kinds_are_their_setu_names(request_json):
    assert [str(k) for k in MessageKind] == ["PlanningRequest", "PlanningAssignment", "PlanningConstraints"]
    assert validate_message("PlanningRequest", request_json).__class__ is PlanningRequestMessage


def test_validate_message_returns_the_message_model(assignment_json):
    assert isinstance(validate_message(MessageKind.ASSIGNMENT, assignment_json), PlanningAssignmentMessage)


def test_any_mapping_is_accepted(request_json):
    assert to_json(validate_message(MessageKind.REQUEST, MappingProxyType(request_json))) == request_json


def test_validate_message_raises_structure_before_rules(request_json):
    request_json["customer"] = {}  # BR-290
    request_json["colour"] = "red"  # schema
    with pytest.raises(MessageInvalid) as error:
        validate_message(MessageKind.REQUEST, request_json)
    assert not isinstance(error.value, BusinessRuleViolated)


def test_check_business_rules_refuses_a_model_of_another_kind(request_json):
    message = validate_structure(MessageKind.REQUEST, request_json)
    with pytest.raises(TypeError):
        check_business_rules(MessageKind.ASSIGNMENT, message)


@pytest.mark.parametrize(
    ("kind", "line_kind", "fixture", "model"),
    [
        (MessageKind.REQUEST, LineKind.PERIODIC, "request_json", RequestedPeriodicPlanningLine),
        (MessageKind.ASSIGNMENT, LineKind.SINGLE, "assignment_json", AssignedSinglePlanningLine),
        (MessageKind.CONSTRAINTS, LineKind.PERIODIC, "constraints_json", PeriodicAvailabilityLine),
    ],
)
def test_validate_line_returns_the_line_model(kind, line_kind, fixture, model, request):
    line = request.getfixturevalue(fixture)[line_field(kind, line_kind)][0]
    validated = validate_line(kind, line_kind, line)
    assert isinstance(validated, model)
    assert to_json(validated) == line
    assert line_id(line) == line_id(validated) == line["lineId"]["value"]


def test_line_structure_errors_are_relative_to_the_line(request_json):
    line = request_json["periodicPlanningLine"][0]
    del line["positionQuantity"]
    line["breaks"][0]["paidOrUnpaid"] = "Sometimes"
    with pytest.raises(MessageInvalid) as error:
        validate_line(MessageKind.REQUEST, LineKind.PERIODIC, line)
    assert not isinstance(error.value, BusinessRuleViolated)
    assert {(v.element, v.rule) for v in error.value.violations} == {
        ("positionQuantity", "schema:required"),
        ("breaks/0/paidOrUnpaid", "schema:enum"),
    }


def test_assigned_line_may_not_carry_a_position_quantity(assignment_json):
    line = assignment_json["periodicPlanningLine"][0]
    line["positionQuantity"] = 1
    with pytest.raises(MessageInvalid) as error:
        validate_line(MessageKind.ASSIGNMENT, LineKind.PERIODIC, line)
    assert [(v.element, v.rule) for v in error.value.violations] == [
        ("positionQuantity", "schema:additionalProperties")
    ]


def test_violation_reads_as_element_reason_and_rule(constraints_json):
    del constraints_json["periodicAvailabilityLine"], constraints_json["singleAvailabilityLine"]
    with pytest.raises(BusinessRuleViolated) as error:
        validate_message(MessageKind.CONSTRAINTS, constraints_json)
    assert error.value.code == "SETU-BUSINESS-RULE"
    assert "[BR-282]" in str(error.value) and "periodicAvailabilityLine" in str(error.value)


def test_wrong_type_errors_speak_json_not_python_class_names():
    from setu_planning.domain.errors import MessageInvalid
    from setu_planning.domain.messages import MessageKind, validate_structure

    with pytest.raises(MessageInvalid) as refused:
        validate_structure(MessageKind.CONSTRAINTS, {"documentId": 5, "worker": {"workerId": 3}})
    reasons = {v.element: v.reason for v in refused.value.violations}
    assert reasons["documentId"] == "must be a JSON object"
    assert reasons["worker/workerId"] == "must be a JSON array"


# --- hostile input: a bounded refusal -------------------------------------------------------


def test_twenty_thousand_empty_lines_give_a_bounded_refusal_counting_the_rest():
    # Each empty line misses lineId, planningPeriod and positionQuantity; the message misses
    # documentId, customer and positionProfile: 60,003 violations, 20 reported.
    with pytest.raises(MessageInvalid) as error:
        validate_message(MessageKind.REQUEST, {"periodicPlanningLine": [{}] * 20_000})
    refusal = error.value
    assert not isinstance(refusal, BusinessRuleViolated)
    assert len(refusal.violations) == MAX_REPORTED_VIOLATIONS == 20
    assert refusal.more_violations == 60_003 - 20
    assert refusal.description.endswith("; … and 59,983 more violations")
    assert refusal.description.count("[schema:required]") == 20
    assert {v.rule for v in refusal.violations} == {"schema:required"}
    assert refusal.violations[3:6] == [
        Violation("periodicPlanningLine/0/lineId", "schema:required", "required element is missing"),
        Violation("periodicPlanningLine/0/planningPeriod", "schema:required", "required element is missing"),
        Violation("periodicPlanningLine/0/positionQuantity", "schema:required", "required element is missing"),
    ]


def test_many_broken_business_rules_give_a_bounded_refusal(request_json):
    line = request_json["periodicPlanningLine"][0]
    request_json["periodicPlanningLine"] = [line] * 1_000  # the same lineId 1,000 times
    with pytest.raises(BusinessRuleViolated) as error:
        validate_message(MessageKind.REQUEST, request_json)
    assert len(error.value.violations) == MAX_REPORTED_VIOLATIONS
    assert error.value.more_violations == 999 - MAX_REPORTED_VIOLATIONS
    assert error.value.description.endswith("… and 979 more violations")


def test_a_refusal_within_the_bound_lists_everything_and_no_more(constraints_json):
    del constraints_json["periodicAvailabilityLine"], constraints_json["singleAvailabilityLine"]
    with pytest.raises(BusinessRuleViolated) as error:
        validate_message(MessageKind.CONSTRAINTS, constraints_json)
    assert error.value.more_violations == 0
    assert "more violation" not in error.value.description


def test_one_violation_beyond_the_bound_is_counted_in_the_singular():
    refusal = MessageInvalid([Violation(f"requestComments/{i}", "schema:type", "must be a string") for i in range(21)])
    assert refusal.more_violations == 1
    assert refusal.description.endswith("; … and 1 more violation")


def test_the_same_violation_twice_is_reported_once(request_json):
    # Two pydantic errors, one violation: the root key "positionProfile/colour" and the key
    # "colour" inside positionProfile both read positionProfile/colour. De-duplicated linearly.
    request_json["positionProfile/colour"] = "red"
    request_json["positionProfile"]["colour"] = "red"
    with pytest.raises(MessageInvalid) as error:
        validate_structure(MessageKind.REQUEST, request_json)
    assert [(v.element, v.rule) for v in error.value.violations] == [
        ("positionProfile/colour", "schema:additionalProperties")
    ]
    assert error.value.more_violations == 0


def test_a_description_always_encodes_as_utf8():
    # A JSON key may hold a lone surrogate (from a \ud800 escape); the description echoes paths.
    refusal = MessageInvalid([Violation("positionProfile/\ud800", "schema:additionalProperties", "unknown")])
    assert "\\ud800" in refusal.description
    refusal.description.encode("utf-8")
