"""The models: strict structure, exact round-trip, strict date/time strings."""

from __future__ import annotations

import datetime as dt

import pytest

from setu_planning.domain.common import parse_date, parse_datetime, parse_time
from setu_planning.domain.errors import BusinessRuleViolated, MessageInvalid
from setu_planning.domain.messages import MessageKind, to_json, validate_structure

REQUEST, CONSTRAINTS = MessageKind.REQUEST, MessageKind.CONSTRAINTS


def structure_violations(kind: MessageKind, data: dict) -> list[tuple[str, str]]:
    with pytest.raises(MessageInvalid) as error:
        validate_structure(kind, data)
    assert not isinstance(error.value, BusinessRuleViolated)
    return [(v.element, v.rule) for v in error.value.violations]


# --- times, dates, date-times -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("08:00:00", dt.time(8)),
        ("08:00:00Z", dt.time(8, tzinfo=dt.UTC)),
        ("07:00:00+00:00", dt.time(7, tzinfo=dt.UTC)),
        ("23:59:59.5-05:30", dt.time(23, 59, 59, 500000, tzinfo=dt.timezone(-dt.timedelta(hours=5, minutes=30)))),
        ("00:00:00.1234567z", dt.time(0, 0, 0, 123456, tzinfo=dt.UTC)),
    ],
)
def test_time_forms_of_json_and_xml_are_parsed(text, expected):
    assert parse_time(text) == expected
    assert parse_time(text).tzinfo == expected.tzinfo


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "8:00:00",
        "08:00",
        "24:00:00",
        "12:60:00",
        "12:00:60",
        "08:00:00+2",
        "08:00:00+24:00",
        "08:00:00+01:60",
        "08:00:00.",
        "08:00:00 Z",
        " 08:00:00",
        "０８:00:00",
    ],
)
def test_malformed_time_is_rejected(text):
    with pytest.raises(ValueError):
        parse_time(text)


@pytest.mark.parametrize("text", ["2023-02-30", "2023-6-13", "20230613", "2023-06-13T00:00:00", "0000-01-01", "abc"])
def test_malformed_date_is_rejected(text):
    with pytest.raises(ValueError):
        parse_date(text)


def test_date_is_parsed():
    assert parse_date("2024-02-29") == dt.date(2024, 2, 29)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022-09-14T07:00:00+02:00", dt.datetime(2022, 9, 14, 5, tzinfo=dt.UTC)),
        ("2022-09-14T07:00:00", dt.datetime(2022, 9, 14, 7)),
        ("2022-09-14t05:00:00.25Z", dt.datetime(2022, 9, 14, 5, 0, 0, 250000, tzinfo=dt.UTC)),
    ],
)
def test_date_time_forms_are_parsed(text, expected):
    assert parse_datetime(text) == expected


@pytest.mark.parametrize("text", ["2022-09-14 07:00:00", "2022-09-14T07:00", "2022-09-31T07:00:00Z", "2022-09-14"])
def test_malformed_date_time_is_rejected(text):
    with pytest.raises(ValueError):
        parse_datetime(text)


@pytest.mark.parametrize("text", ["08:00:00", "08:00:00Z", "07:00:00+00:00", "08:00:00.000Z"])
def test_time_text_round_trips_exactly(text, request_json):
    request_json["periodicPlanningLine"][0]["startTime"] = text
    dumped = to_json(validate_structure(REQUEST, request_json))
    assert dumped["periodicPlanningLine"][0]["startTime"] == text


def test_malformed_time_in_message_is_a_format_violation(request_json):
    request_json["periodicPlanningLine"][0]["breaks"][0]["endTime"] = "half past twelve"
    assert structure_violations(REQUEST, request_json) == [("periodicPlanningLine/0/breaks/0/endTime", "schema:format")]


def test_malformed_break_duration_is_a_format_violation(request_json):
    request_json["periodicPlanningLine"][0]["breaks"] = [
        {"paidOrUnpaid": "Paid", "breakTrigger": {"hours": 4, "breakDuration": "PT30M"}}
    ]
    assert structure_violations(REQUEST, request_json) == [
        ("periodicPlanningLine/0/breaks/0/breakTrigger/breakDuration", "schema:format")
    ]


# --- strict structure -------------------------------------------------------------------


def test_null_for_an_optional_element_is_rejected(request_json):
    request_json["positionProfile"]["positionTitle"] = None
    assert structure_violations(REQUEST, request_json) == [("positionProfile/positionTitle", "schema:type")]


@pytest.mark.parametrize("value", ["2", True, 1.5, None])
def test_position_quantity_must_be_an_integer(value, request_json):
    request_json["periodicPlanningLine"][0]["positionQuantity"] = value
    assert structure_violations(REQUEST, request_json) == [("periodicPlanningLine/0/positionQuantity", "schema:type")]


def test_integral_float_counts_as_integer_as_in_json_schema(request_json):
    request_json["periodicPlanningLine"][0]["positionQuantity"] = 2.0
    assert to_json(validate_structure(REQUEST, request_json)) == request_json


@pytest.mark.parametrize("value", [8, 7.5])
def test_numbers_keep_their_json_type(value, request_json):
    request_json["periodicPlanningLine"][0]["hours"] = value
    dumped = to_json(validate_structure(REQUEST, request_json))["periodicPlanningLine"][0]["hours"]
    assert dumped == value and type(dumped) is type(value)


@pytest.mark.parametrize("value", ["8", True, float("nan")])
def test_number_must_be_a_json_number(value, constraints_json):
    constraints_json["maximumTravelDistance"] = value
    assert structure_violations(CONSTRAINTS, constraints_json) == [("maximumTravelDistance", "schema:type")]


def test_number_is_not_coerced_to_string(request_json):
    request_json["positionProfile"]["positionLocation"]["houseNumber"] = 12
    assert structure_violations(REQUEST, request_json) == [
        ("positionProfile/positionLocation/houseNumber", "schema:type")
    ]


def test_every_structural_violation_is_listed(request_json):
    request_json["colour"] = "red"
    del request_json["customer"]
    request_json["documentId"]["schemeAgencyId"] = "Supplier"
    request_json["periodicPlanningLine"][0]["planningPeriod"] = "Funday"
    request_json["supplier"]["id"] = [{"value": str(i), "schemeAgencyId": "Customer"} for i in range(3)]
    assert sorted(structure_violations(REQUEST, request_json)) == sorted(
        [
            ("colour", "schema:additionalProperties"),
            ("customer", "schema:required"),
            ("documentId/schemeAgencyId", "schema:const"),
            ("periodicPlanningLine/0/planningPeriod", "schema:enum"),
            ("supplier/id", "schema:maxItems"),
        ]
    )


def test_worker_needs_at_least_one_worker_id(constraints_json):
    constraints_json["worker"]["workerId"] = []
    assert structure_violations(CONSTRAINTS, constraints_json) == [("worker/workerId", "schema:minItems")]


@pytest.mark.parametrize("data", [[], "message", None, 3])
def test_a_message_that_is_not_an_object_is_rejected(data):
    with pytest.raises(MessageInvalid) as error:
        validate_structure(REQUEST, data)
    assert [(v.element, v.rule) for v in error.value.violations] == [("", "schema:type")]


def test_structure_ignores_business_rules(request_json):
    request_json["customer"] = {}  # breaks BR-290, but the schema allows it
    del request_json["periodicPlanningLine"], request_json["singlePlanningLine"]  # breaks BR-285
    assert to_json(validate_structure(REQUEST, request_json)) == request_json


def test_empty_lists_round_trip(request_json):
    request_json["requestComments"] = []
    request_json["positionProfile"]["workingPeriods"] = []
    assert to_json(validate_structure(REQUEST, request_json)) == request_json
