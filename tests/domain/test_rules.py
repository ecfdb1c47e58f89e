"""Each business rule refuses what it must and lets the rest through."""

from __future__ import annotations

import copy

import pytest

from setu_planning.domain import rules
from setu_planning.domain.errors import BusinessRuleViolated, MessageInvalid, Violation
from setu_planning.domain.messages import (
    LineKind,
    MessageKind,
    check_replacement,
    line_field,
    to_json,
    validate_line,
    validate_message,
    validate_structure,
)

REQUEST, ASSIGNMENT, CONSTRAINTS = MessageKind.REQUEST, MessageKind.ASSIGNMENT, MessageKind.CONSTRAINTS


def refused(kind: MessageKind, data: dict) -> list[Violation]:
    with pytest.raises(BusinessRuleViolated) as error:
        validate_message(kind, data)
    return error.value.violations


def assert_refused_by(kind: MessageKind, data: dict, rule: str, element: str) -> None:
    violations = refused(kind, data)
    assert (element, rule) in [(v.element, v.rule) for v in violations], violations


# --- the fixtures keep every rule ----------------------------------------------


@pytest.mark.parametrize(
    ("kind", "fixture"),
    [(REQUEST, "request_json"), (ASSIGNMENT, "assignment_json"), (CONSTRAINTS, "constraints_json")],
)
def test_valid_fixture_message_is_accepted(kind, fixture, request):
    data = request.getfixturevalue(fixture)
    assert to_json(validate_message(kind, data)) == data


# --- BR-282 -----------------------------------------------------------------------


def test_constraints_without_availability_line_is_rejected(constraints_json):
    del constraints_json["periodicAvailabilityLine"], constraints_json["singleAvailabilityLine"]
    assert_refused_by(CONSTRAINTS, constraints_json, "BR-282", "periodicAvailabilityLine")


def test_constraints_with_empty_line_lists_is_rejected(constraints_json):
    constraints_json["periodicAvailabilityLine"] = []
    constraints_json["singleAvailabilityLine"] = []
    assert_refused_by(CONSTRAINTS, constraints_json, "BR-282", "periodicAvailabilityLine")


def test_constraints_with_only_a_single_availability_line_is_accepted(constraints_json):
    del constraints_json["periodicAvailabilityLine"]
    validate_message(CONSTRAINTS, constraints_json)


# --- BR-283 / BR-284 ------------------------------------------------------------------


def test_exception_availability_line_without_periodic_reference_is_rejected(constraints_json):
    constraints_json["singleAvailabilityLine"][0]["singleAvailabilityType"] = "Exception"
    assert_refused_by(
        CONSTRAINTS, constraints_json, "BR-283", "singleAvailabilityLine/0/periodicAvailabilityLineReference"
    )


def test_exception_availability_line_with_periodic_reference_is_accepted(constraints_json):
    line = constraints_json["singleAvailabilityLine"][0]
    line["singleAvailabilityType"] = "Exception"
    line["periodicAvailabilityLineReference"] = {"lineId": {"value": "A1", "schemeAgencyId": "Supplier"}}
    validate_message(CONSTRAINTS, constraints_json)


def test_occasional_availability_line_with_periodic_reference_is_rejected(constraints_json):
    constraints_json["singleAvailabilityLine"][0]["periodicAvailabilityLineReference"] = {
        "lineId": {"value": "A1", "schemeAgencyId": "Supplier"}
    }
    assert_refused_by(
        CONSTRAINTS, constraints_json, "BR-284", "singleAvailabilityLine/0/periodicAvailabilityLineReference"
    )


def test_occasional_availability_line_without_reference_is_accepted(constraints_json):
    model = validate_structure(CONSTRAINTS, constraints_json)
    assert rules.br_284_occasional_availability_line_has_no_reference(model.singleAvailabilityLine[0]) == []
    assert rules.br_283_exception_availability_line_references_periodic_line(model.singleAvailabilityLine[0]) == []


# --- BR-285 ------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "fixture"), [(REQUEST, "request_json"), (ASSIGNMENT, "assignment_json")])
def test_planning_message_without_planning_line_is_rejected(kind, fixture, request):
    data = request.getfixturevalue(fixture)
    del data["periodicPlanningLine"], data["singlePlanningLine"]
    assert_refused_by(kind, data, "BR-285", "periodicPlanningLine")


@pytest.mark.parametrize(("kind", "fixture"), [(REQUEST, "request_json"), (ASSIGNMENT, "assignment_json")])
def test_planning_message_with_only_a_single_line_is_accepted(kind, fixture, request):
    data = request.getfixturevalue(fixture)
    del data["periodicPlanningLine"]
    data["singlePlanningLine"][0]["singlePlanningType"] = "Occasional"
    data["singlePlanningLine"][0].pop("periodicPlanningLineReference", None)
    validate_message(kind, data)


# --- BR-286 / BR-289: a break is timed or triggered --------------------------------------

TRIGGER = {"hours": 4.5, "breakDuration": "00:30:00"}


def test_periodic_break_with_times_and_trigger_is_rejected(request_json):
    request_json["periodicPlanningLine"][0]["breaks"][0]["breakTrigger"] = TRIGGER
    assert_refused_by(REQUEST, request_json, "BR-286", "periodicPlanningLine/0/breaks/0")


def test_periodic_break_with_neither_times_nor_trigger_is_rejected(request_json):
    request_json["periodicPlanningLine"][0]["breaks"] = [{"paidOrUnpaid": "Paid"}]
    assert_refused_by(REQUEST, request_json, "BR-286", "periodicPlanningLine/0/breaks/0")


def test_periodic_break_with_only_a_start_time_is_rejected(request_json):
    request_json["periodicPlanningLine"][0]["breaks"].append({"paidOrUnpaid": "Paid", "startTime": "14:00:00Z"})
    assert_refused_by(REQUEST, request_json, "BR-286", "periodicPlanningLine/0/breaks/1")


def test_periodic_break_with_start_time_beside_trigger_is_rejected(assignment_json):
    assignment_json["periodicPlanningLine"][0]["breaks"] = [
        {"paidOrUnpaid": "Paid", "startTime": "14:00:00Z", "breakTrigger": TRIGGER}
    ]
    assert_refused_by(ASSIGNMENT, assignment_json, "BR-286", "periodicPlanningLine/0/breaks/0")


def test_periodic_break_with_only_a_trigger_is_accepted(request_json):
    request_json["periodicPlanningLine"][0]["breaks"] = [{"paidOrUnpaid": "Unpaid", "breakTrigger": TRIGGER}]
    validate_message(REQUEST, request_json)


def test_single_break_with_date_times_and_trigger_is_rejected(request_json):
    request_json["singlePlanningLine"][0]["breaks"][0]["breakTrigger"] = TRIGGER
    assert_refused_by(REQUEST, request_json, "BR-289", "singlePlanningLine/0/breaks/0")


def test_single_break_with_only_an_end_date_time_is_rejected(assignment_json):
    assignment_json["singlePlanningLine"][0]["breaks"] = [
        {"paidOrUnpaid": "Paid", "endDateTime": "2024-03-05T10:00:00+01:00"}
    ]
    assert_refused_by(ASSIGNMENT, assignment_json, "BR-289", "singlePlanningLine/0/breaks/0")


def test_single_break_with_only_a_trigger_is_accepted(assignment_json):
    assignment_json["singlePlanningLine"][0]["breaks"] = [{"paidOrUnpaid": "Paid", "breakTrigger": TRIGGER}]
    validate_message(ASSIGNMENT, assignment_json)


def test_single_break_with_both_date_times_is_accepted(request_json):
    model = validate_structure(REQUEST, request_json)
    assert rules.br_289_single_break_has_date_times_or_trigger(model.singlePlanningLine[0]) == []
    assert rules.br_286_periodic_break_has_times_or_trigger(model.periodicPlanningLine[0]) == []


# --- BR-287 / BR-288 ----------------------------------------------------------------


@pytest.mark.parametrize(("kind", "fixture"), [(REQUEST, "request_json"), (ASSIGNMENT, "assignment_json")])
def test_exception_line_without_periodic_reference_is_rejected(kind, fixture, request):
    data = request.getfixturevalue(fixture)
    data["singlePlanningLine"][0]["singlePlanningType"] = "Exception"
    data["singlePlanningLine"][0].pop("periodicPlanningLineReference", None)
    assert_refused_by(kind, data, "BR-287", "singlePlanningLine/0/periodicPlanningLineReference")


def test_exception_line_with_periodic_reference_is_accepted(assignment_json):
    validate_message(ASSIGNMENT, assignment_json)


@pytest.mark.parametrize(("kind", "fixture"), [(REQUEST, "request_json"), (ASSIGNMENT, "assignment_json")])
def test_occasional_line_with_periodic_reference_is_rejected(kind, fixture, request):
    data = request.getfixturevalue(fixture)
    data["singlePlanningLine"][0]["singlePlanningType"] = "Occasional"
    data["singlePlanningLine"][0]["periodicPlanningLineReference"] = {
        "lineId": {"value": "P1", "schemeAgencyId": "Customer"}
    }
    assert_refused_by(kind, data, "BR-288", "singlePlanningLine/0/periodicPlanningLineReference")


def test_occasional_line_without_periodic_reference_is_accepted(request_json):
    model = validate_structure(REQUEST, request_json)
    assert rules.br_288_occasional_planning_line_has_no_reference(model.singlePlanningLine[0]) == []
    assert rules.br_287_exception_planning_line_references_periodic_line(model.singlePlanningLine[0]) == []


# --- BR-290 -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [REQUEST, ASSIGNMENT, CONSTRAINTS])
@pytest.mark.parametrize("role", ["customer", "supplier"])
def test_party_without_any_id_is_rejected(kind, role, request_json, assignment_json, constraints_json):
    data = {REQUEST: request_json, ASSIGNMENT: assignment_json, CONSTRAINTS: constraints_json}[kind]
    data[role] = {}
    assert_refused_by(kind, data, "BR-290", role)


@pytest.mark.parametrize(
    "party",
    [
        {"id": [{"value": "X", "schemeAgencyId": "Supplier"}]},
        {"legalId": {"value": "12345678", "schemeAgencyId": "KvK"}},
        {"taxId": {"value": "NL0001", "schemeAgencyId": "BTW"}},
    ],
    ids=["id", "legalId", "taxId"],
)
def test_party_with_id_legal_id_or_tax_id_is_accepted(party, request_json):
    request_json["customer"] = party
    validate_message(REQUEST, request_json)


def test_request_without_supplier_is_accepted(request_json):
    del request_json["supplier"]  # optional in the schema; BR-290 only binds a party that is there
    validate_message(REQUEST, request_json)


# --- BR-291 -------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "fixture"), [(REQUEST, "request_json"), (ASSIGNMENT, "assignment_json")])
def test_periodic_lines_without_position_period_are_rejected(kind, fixture, request):
    data = request.getfixturevalue(fixture)
    del data["positionProfile"]["positionPeriod"]
    assert_refused_by(kind, data, "BR-291", "positionProfile/positionPeriod")


def test_single_lines_only_without_position_period_are_accepted(request_json):
    del request_json["positionProfile"]["positionPeriod"], request_json["periodicPlanningLine"]
    validate_message(REQUEST, request_json)


# --- BR-292 (warning only) ------------------------------------------------------------


def test_action_code_is_accepted_and_kept_as_received(request_json):
    request_json["actionCode"] = "POST"
    request_json["periodicPlanningLine"][0]["actionCode"] = "PUT"
    assert to_json(validate_message(REQUEST, request_json)) == request_json


# --- BR-293 -------------------------------------------------------------------------


def test_assigned_status_true_without_worker_id_is_rejected(assignment_json):
    del assignment_json["assignedWorker"]["workerId"]
    assert_refused_by(ASSIGNMENT, assignment_json, "BR-293", "assignedWorker/workerId")


def test_assigned_status_false_without_worker_id_is_accepted(assignment_json):
    assignment_json["assignedWorker"] = {"assignedStatus": False}
    validate_message(ASSIGNMENT, assignment_json)


# --- BR-294 -------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "fixture"), [(REQUEST, "request_json"), (ASSIGNMENT, "assignment_json")])
def test_position_profile_without_position_id_or_task_id_is_rejected(kind, fixture, request):
    data = request.getfixturevalue(fixture)
    data["positionProfile"].pop("positionId")
    data["positionProfile"]["positionTask"] = {"description": {"value": "Picking"}}
    assert_refused_by(kind, data, "BR-294", "positionProfile")


def test_position_profile_with_only_a_task_id_is_accepted(request_json):
    del request_json["positionProfile"]["positionId"]
    validate_message(REQUEST, request_json)


def test_position_profile_with_only_a_position_id_is_accepted(request_json):
    del request_json["positionProfile"]["positionTask"]
    validate_message(REQUEST, request_json)


# --- BR-295 -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("element", "change"),
    [
        ("positionProfile/positionId", lambda p: p.update(positionId={"value": "POS-2"})),
        ("positionProfile/positionTask/id", lambda p: p["positionTask"].update(id={"value": "TASK-2"})),
        ("positionProfile/positionLocation", lambda p: p["positionLocation"].update(city="Goes")),
    ],
)
@pytest.mark.parametrize("kind", [REQUEST, ASSIGNMENT])
def test_replacement_changing_position_identity_is_rejected(kind, element, change, request_json):
    replacement = copy.deepcopy(request_json)
    change(replacement["positionProfile"])
    with pytest.raises(BusinessRuleViolated) as error:
        check_replacement(kind, request_json, replacement)
    assert [(v.element, v.rule) for v in error.value.violations] == [(element, "BR-295")]


def test_replacement_adding_a_position_id_is_rejected(request_json):
    stored = copy.deepcopy(request_json)
    del stored["positionProfile"]["positionId"]
    with pytest.raises(BusinessRuleViolated):
        check_replacement(REQUEST, stored, request_json)


def test_replacement_changing_other_elements_is_accepted(request_json):
    replacement = copy.deepcopy(request_json)
    replacement["positionProfile"]["positionTitle"] = "Picker"
    replacement["positionProfile"]["positionTask"]["description"] = {"value": "Picking"}
    replacement["periodicPlanningLine"][0]["endTime"] = "17:00:00Z"
    check_replacement(REQUEST, request_json, replacement)


def test_replacement_leaving_out_position_id_is_accepted(request_json):
    replacement = copy.deepcopy(request_json)
    del replacement["positionProfile"]["positionId"]  # PUT note: an omitted element is not overwritten
    check_replacement(REQUEST, request_json, replacement)


def test_replacement_of_constraints_is_not_checked(constraints_json):
    check_replacement(CONSTRAINTS, constraints_json, {**constraints_json, "maximumTravelDistance": 5})


# --- SETU-LINE-ID-UNIQUE ----------------------------------------------------------------


def test_periodic_and_single_line_sharing_a_line_id_are_rejected(request_json):
    request_json["singlePlanningLine"][0]["lineId"] = {"value": "P1", "schemeAgencyId": "Customer"}
    assert_refused_by(REQUEST, request_json, "SETU-LINE-ID-UNIQUE", "singlePlanningLine/0/lineId")


def test_two_availability_lines_sharing_a_line_id_are_rejected(constraints_json):
    line = copy.deepcopy(constraints_json["singleAvailabilityLine"][0])
    constraints_json["singleAvailabilityLine"].append(line)
    assert_refused_by(CONSTRAINTS, constraints_json, "SETU-LINE-ID-UNIQUE", "singleAvailabilityLine/1/lineId")


def test_lines_with_distinct_line_ids_are_accepted(constraints_json):
    line = copy.deepcopy(constraints_json["singleAvailabilityLine"][0])
    line["lineId"]["value"] = "A3"
    constraints_json["singleAvailabilityLine"].append(line)
    model = validate_message(CONSTRAINTS, constraints_json)
    assert rules.line_ids_are_unique(model) == []


# --- SETU-LINE-ID-ADDRESSABLE ------------------------------------------------------------

ADDRESSABLE = "SETU-LINE-ID-ADDRESSABLE"
UNADDRESSABLE_IDS = ["", ".", "..", "a/b", "/", "a\\b", "a\x01b", "tab\there", "line\n", "\x7f", "c1\x85"]


@pytest.mark.parametrize("value", UNADDRESSABLE_IDS)
def test_line_id_that_cannot_be_a_url_path_segment_is_rejected(value, request_json):
    request_json["singlePlanningLine"][0]["lineId"]["value"] = value
    assert_refused_by(REQUEST, request_json, ADDRESSABLE, "singlePlanningLine/0/lineId/value")


def test_every_line_of_a_message_is_checked_for_an_addressable_line_id(constraints_json):
    constraints_json["periodicAvailabilityLine"][0]["lineId"]["value"] = "a/b"
    constraints_json["singleAvailabilityLine"][0]["lineId"]["value"] = ".."
    elements = [v.element for v in refused(CONSTRAINTS, constraints_json) if v.rule == ADDRESSABLE]
    assert elements == ["periodicAvailabilityLine/0/lineId/value", "singleAvailabilityLine/0/lineId/value"]


@pytest.mark.parametrize(
    ("kind", "line_kind", "fixture"),
    [
        (REQUEST, LineKind.PERIODIC, "request_json"),
        (ASSIGNMENT, LineKind.SINGLE, "assignment_json"),
        (CONSTRAINTS, LineKind.SINGLE, "constraints_json"),
    ],
)
def test_line_added_or_replaced_alone_with_an_unaddressable_line_id_is_rejected(kind, line_kind, fixture, request):
    line = request.getfixturevalue(fixture)[line_field(kind, line_kind)][0]
    line["lineId"]["value"] = "2024/05"
    with pytest.raises(BusinessRuleViolated) as error:
        validate_line(kind, line_kind, line)
    assert [(v.element, v.rule) for v in error.value.violations] == [("lineId/value", ADDRESSABLE)]
    assert "slash" in error.value.violations[0].reason


@pytest.mark.parametrize(
    "value", ["P1", "...", ".hidden", "a.b", "50%", "a b", "100%2F", "ünïcode", "x?y#z", "é" * 200]
)
def test_line_id_that_is_one_url_path_segment_is_accepted(value, request_json):
    request_json["periodicPlanningLine"][0]["lineId"]["value"] = value
    model = validate_message(REQUEST, request_json)
    assert rules.line_id_is_addressable(model.periodicPlanningLine[0]) == []


def test_a_reference_to_a_line_is_not_an_address(assignment_json):
    # Only a line's own lineId is addressed over REST; a reference merely names one.
    reference = assignment_json["singlePlanningLine"][0]["periodicPlanningLineReference"]
    reference["lineId"]["value"] = "a/b"
    validate_message(ASSIGNMENT, assignment_json)


# --- SETU-XML-CHARACTERS ---------------------------------------------------------------------

XML_CHARACTERS = "SETU-XML-CHARACTERS"
NOT_XML = ["\x00", "\x01", "\x08", "\x0b", "\x1f", "\ud800", "\udfff", "\ufffe", "\uffff"]


@pytest.mark.parametrize("character", NOT_XML)
def test_text_xml_cannot_carry_is_rejected_naming_the_element(character, request_json):
    request_json["positionProfile"]["positionTitle"] = f"Picker{character}"
    violations = refused(REQUEST, request_json)
    assert [(v.element, v.rule) for v in violations] == [("positionProfile/positionTitle", XML_CHARACTERS)]
    assert f"U+{ord(character):04X}" in violations[0].reason


@pytest.mark.parametrize(
    ("where", "element"),
    [
        (lambda m: m["documentId"].update(value="R\x01"), "documentId/value"),
        (lambda m: m["customer"]["id"][0].update(value="C\x02"), "customer/id/0/value"),
        (
            lambda m: m["positionProfile"]["positionLocation"].update(name="\x03"),
            "positionProfile/positionLocation/name",
        ),
        (
            lambda m: m["positionProfile"]["positionTask"].update(description={"value": "\x04"}),
            "positionProfile/positionTask/description/value",
        ),
        (lambda m: m.update(requestComments=["fine", "bad\x05"]), "requestComments/1"),
        (
            lambda m: m["periodicPlanningLine"][0].update(planningLineName="\x06"),
            "periodicPlanningLine/0/planningLineName",
        ),
        (
            lambda m: m["singlePlanningLine"][0].update(planningLineName="\ud83d"),
            "singlePlanningLine/0/planningLineName",
        ),
    ],
)
def test_every_text_of_a_message_is_checked_for_xml_characters(where, element, request_json):
    where(request_json)
    assert_refused_by(REQUEST, request_json, XML_CHARACTERS, element)


def test_a_line_alone_is_checked_for_xml_characters(constraints_json):
    line = constraints_json["singleAvailabilityLine"][0]
    line["availabilityComment"] = "ill\x07"
    with pytest.raises(BusinessRuleViolated) as error:
        validate_line(CONSTRAINTS, LineKind.SINGLE, line)
    assert [(v.element, v.rule) for v in error.value.violations] == [("availabilityComment", XML_CHARACTERS)]


def test_lines_of_a_message_are_checked_once_for_xml_characters(constraints_json):
    constraints_json["periodicAvailabilityLine"][0]["availabilityComment"] = "\x07"
    violations = [v for v in refused(CONSTRAINTS, constraints_json) if v.rule == XML_CHARACTERS]
    assert [v.element for v in violations] == ["periodicAvailabilityLine/0/availabilityComment"]


@pytest.mark.parametrize(
    "text", ["tab\tline\nreturn\r", "\x7f\x85\x9f", "\ud7ff\ue000\ufffd", "😀 \U0010ffff", "<&>\"'"]
)
def test_text_xml_can_carry_is_accepted(text, request_json):
    request_json["positionProfile"]["positionTitle"] = text
    model = validate_message(REQUEST, request_json)
    assert rules.text_holds_only_xml_characters(model) == []


# --- extreme dates and offsets ----------------------------------------------------------------

EXTREME_DATE_TIMES = [
    ("0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00-14:00"),
    ("0001-01-01T00:00:00+23:59", "0001-01-01T00:00:00Z"),
    ("9999-12-31T23:59:59+14:00", "9999-12-31T23:59:59-14:00"),
    ("9999-12-31T00:00:00Z", "9999-12-31T23:59:59.999999-23:59"),
    ("0001-01-01T00:00:00", "9999-12-31T23:59:59"),
    ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"),
]


@pytest.mark.parametrize(("start", "end"), EXTREME_DATE_TIMES)
def test_extreme_date_times_in_order_are_accepted(start, end, request_json):
    line = request_json["singlePlanningLine"][0]
    line.update(startDateTime=start, endDateTime=end)
    line.pop("breaks")
    validate_message(REQUEST, request_json)


@pytest.mark.parametrize(("start", "end"), EXTREME_DATE_TIMES)
def test_extreme_date_times_in_reverse_are_rejected_by_the_rule(start, end, request_json):
    line = request_json["singlePlanningLine"][0]
    line.update(startDateTime=end, endDateTime=start)
    line.pop("breaks")
    assert_refused_by(REQUEST, request_json, END, "singlePlanningLine/0/endDateTime")


@pytest.mark.parametrize(
    ("start", "end", "after"),
    [
        ("0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00Z", True),  # 0000-12-31T10:00Z in UTC
        ("9999-12-31T23:59:59-14:00", "9999-12-31T23:59:59Z", False),  # 10000-01-01T13:59:59Z in UTC
        ("0001-01-01T00:00:00", "0001-01-01T00:00:00+14:00", False),  # same clock: equal
        ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", False),
    ],
)
def test_date_times_beyond_the_utc_calendar_compare_without_overflow(start, end, after):
    assert rules.datetime_ends_after_start(start, end) is after


@pytest.mark.parametrize("time", ["00:00:00+14:00", "23:59:59-14:00", "00:00:00+23:59", "23:59:59.999999-23:59"])
def test_extreme_offsets_on_clock_times_are_accepted(time, constraints_json):
    line = constraints_json["periodicAvailabilityLine"][0]
    line.update(startTime=time, endTime="12:00:00Z")
    validate_message(CONSTRAINTS, constraints_json)


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
def test_position_period_at_the_ends_of_the_calendar_is_accepted(value, constraints_json):
    constraints_json["positionProfile"] = {"positionPeriod": {"start": "0001-01-01", "end": value}}
    validate_message(CONSTRAINTS, constraints_json)


@pytest.mark.parametrize(
    "value",
    [
        "2024-01-01T00:00:00+24:00",
        "2024-01-01T00:00:00+99:99",
        "2024-01-01T00:00:00-00:60",
        "0000-01-01T00:00:00Z",
        "10000-01-01T00:00:00Z",
        "9999-12-32T00:00:00Z",
        "9999-12-31T24:00:00Z",
        "9999-12-31T23:59:60Z",
    ],
)
def test_impossible_date_times_are_refused_as_a_format(value, request_json):
    request_json["singlePlanningLine"][0]["endDateTime"] = value
    with pytest.raises(MessageInvalid) as error:
        validate_message(REQUEST, request_json)
    assert [(v.element, v.rule) for v in error.value.violations] == [
        ("singlePlanningLine/0/endDateTime", "schema:format")
    ]


# --- SETU-END-AFTER-START -----------------------------------------------------------------

END = "SETU-END-AFTER-START"


def test_periodic_line_ending_when_it_starts_is_rejected(request_json):
    request_json["periodicPlanningLine"][0]["endTime"] = "08:00:00Z"
    assert_refused_by(REQUEST, request_json, END, "periodicPlanningLine/0/endTime")


def test_periodic_line_ending_when_it_starts_in_another_offset_is_rejected(request_json):
    request_json["periodicPlanningLine"][0]["endTime"] = "10:00:00+02:00"  # 08:00:00Z
    assert_refused_by(REQUEST, request_json, END, "periodicPlanningLine/0/endTime")


def test_night_shift_crossing_midnight_is_accepted(request_json):
    line = request_json["periodicPlanningLine"][0]
    line.update(startTime="22:00:00Z", endTime="06:00:00Z")
    line["breaks"] = [{"paidOrUnpaid": "Paid", "startTime": "23:45:00Z", "endTime": "00:15:00Z"}]
    validate_message(REQUEST, request_json)


def test_periodic_break_ending_when_it_starts_is_rejected(request_json):
    request_json["periodicPlanningLine"][0]["breaks"][0]["endTime"] = "12:00:00Z"
    assert_refused_by(REQUEST, request_json, END, "periodicPlanningLine/0/breaks/0/endTime")


def test_periodic_availability_line_ending_when_it_starts_is_rejected(constraints_json):
    constraints_json["periodicAvailabilityLine"][0]["endTime"] = "08:00:00"
    assert_refused_by(CONSTRAINTS, constraints_json, END, "periodicAvailabilityLine/0/endTime")


def test_times_without_offset_compare_on_the_clock_of_the_other(constraints_json):
    constraints_json["periodicAvailabilityLine"][0]["endTime"] = "08:00:00+02:00"
    assert_refused_by(CONSTRAINTS, constraints_json, END, "periodicAvailabilityLine/0/endTime")


def test_single_line_ending_before_it_starts_is_rejected(request_json):
    request_json["singlePlanningLine"][0]["endDateTime"] = "2024-03-05T06:00:00+01:00"
    assert_refused_by(REQUEST, request_json, END, "singlePlanningLine/0/endDateTime")


def test_single_line_ending_when_it_starts_is_rejected(request_json):
    request_json["singlePlanningLine"][0]["endDateTime"] = "2024-03-05T06:00:00Z"  # = 07:00+01:00
    assert_refused_by(REQUEST, request_json, END, "singlePlanningLine/0/endDateTime")


def test_single_line_end_earlier_in_utc_though_later_on_the_clock_is_rejected(request_json):
    line = request_json["singlePlanningLine"][0]
    line.update(startDateTime="2024-03-05T05:30:00Z", endDateTime="2024-03-05T06:00:00+01:00")
    line.pop("breaks")
    assert_refused_by(REQUEST, request_json, END, "singlePlanningLine/0/endDateTime")


def test_single_line_end_later_in_utc_though_earlier_on_the_clock_is_accepted(request_json):
    line = request_json["singlePlanningLine"][0]
    line.update(startDateTime="2024-03-05T07:00:00+01:00", endDateTime="2024-03-05T06:30:00Z")
    line.pop("breaks")
    validate_message(REQUEST, request_json)


def test_single_break_ending_before_it_starts_is_rejected(request_json):
    request_json["singlePlanningLine"][0]["breaks"][0]["endDateTime"] = "2024-03-05T10:59:00+01:00"
    assert_refused_by(REQUEST, request_json, END, "singlePlanningLine/0/breaks/0/endDateTime")


def test_single_availability_line_ending_before_it_starts_is_rejected(constraints_json):
    constraints_json["singleAvailabilityLine"][0]["endDateTime"] = "2024-06-30T00:00:00+02:00"
    assert_refused_by(CONSTRAINTS, constraints_json, END, "singleAvailabilityLine/0/endDateTime")


def test_related_worker_period_ending_before_it_starts_is_rejected(constraints_json):
    constraints_json["periodicAvailabilityLine"][0]["relatedWorker"] = [
        {
            "workerId": {"value": "W2", "schemeAgencyId": "Supplier"},
            "relatedWorkerType": "Preferred",
            "startDateTime": "2024-02-01T00:00:00",
            "endDateTime": "2024-01-01T00:00:00",
        }
    ]
    assert_refused_by(CONSTRAINTS, constraints_json, END, "periodicAvailabilityLine/0/relatedWorker/0/endDateTime")


def test_position_period_ending_before_it_starts_is_rejected(request_json):
    request_json["positionProfile"]["positionPeriod"] = {"start": "2024-06-01", "end": "2024-05-31"}
    assert_refused_by(REQUEST, request_json, END, "positionProfile/positionPeriod/end")


def test_position_period_of_one_day_is_accepted(constraints_json):
    constraints_json["positionProfile"] = {"positionPeriod": {"start": "2024-06-01", "end": "2024-06-01"}}
    model = validate_message(CONSTRAINTS, constraints_json)
    assert rules.position_period_ends_after_start(model) == []


# --- all violations together, and one line alone -----------------------------------------


def test_every_violated_rule_is_listed(assignment_json):
    del assignment_json["assignedWorker"]["workerId"]
    assignment_json["customer"] = {}
    assignment_json["singlePlanningLine"][0].pop("periodicPlanningLineReference")
    rules_broken = {v.rule for v in refused(ASSIGNMENT, assignment_json)}
    assert rules_broken == {"BR-293", "BR-290", "BR-287"}


def test_line_alone_is_checked_with_paths_relative_to_the_line(request_json):
    line = request_json["singlePlanningLine"][0]
    line["singlePlanningType"] = "Exception"
    line["breaks"][0]["breakTrigger"] = TRIGGER
    with pytest.raises(BusinessRuleViolated) as error:
        validate_line(REQUEST, LineKind.SINGLE, line)
    assert {(v.element, v.rule) for v in error.value.violations} == {
        ("periodicPlanningLineReference", "BR-287"),
        ("breaks/0", "BR-289"),
    }


def test_line_alone_that_keeps_the_rules_is_accepted(constraints_json):
    line = constraints_json["periodicAvailabilityLine"][0]
    assert to_json(validate_line(CONSTRAINTS, LineKind.PERIODIC, line)) == line
