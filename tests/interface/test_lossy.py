"""A rendering in SETU 1.0 or XML reports what it merges or drops; a v2.0 JSON rendering loses nothing."""

from __future__ import annotations

import json

import samples

from setu_planning.domain.messages import MessageKind
from setu_planning.interface import versions, wire
from setu_planning.interface.codecs.lossy import DROPPED, MERGED, OUTSIDE, line_rendering_report, rendering_report


def _with_address(**parts):
    message = samples.request()
    message["positionProfile"]["positionLocation"].update(parts)
    return message


def test_a_house_number_rendered_as_1_0_is_reported_merged_into_line():
    message = _with_address(streetName="Dorpsstraat", houseNumber="12", houseNumberAddition="A")
    report = rendering_report("PlanningRequest", message, "1.0")
    assert not report.lossless
    assert {(loss.path.rsplit("/", 1)[1], loss.what) for loss in report.losses} == {
        ("houseNumber", MERGED),
        ("houseNumberAddition", MERGED),
        ("streetName", MERGED),
    }
    # what the report says is what the rendering does
    rendered = json.loads(wire.Encoder(wire.JSON, "1.0").message(MessageKind.REQUEST, message))
    assert rendered["positionProfile"]["positionLocation"]["item"]["line"] == "Dorpsstraat 12 A"
    warning = report.warning()
    assert "houseNumber merged" in warning and "Dorpsstraat" not in warning, "names elements, never values"


def test_a_street_name_alone_goes_to_1_0_line_and_back_exactly_so_nothing_is_reported():
    message = _with_address(streetName="Dorpsstraat 12")
    assert rendering_report("PlanningRequest", message, "1.0").lossless
    back = versions.v1_to_v2("PlanningRequest", versions.v2_to_v1("PlanningRequest", message))
    assert back["positionProfile"]["positionLocation"]["streetName"] == "Dorpsstraat 12"


def test_the_same_message_in_2_0_json_loses_nothing():
    message = _with_address(streetName="Dorpsstraat", houseNumber="12")
    assert rendering_report("PlanningRequest", message, "2.0", "json").lossless
    assert rendering_report("PlanningRequest", message, "2.0", "json").warning() is None


def test_empty_arrays_are_reported_dropped_in_xml_and_where_1_0_needs_an_item():
    message = samples.request()
    message["positionProfile"]["workingPeriods"] = []
    message["requestComments"] = []
    xml = rendering_report("PlanningRequest", message, "2.0", "xml")
    assert {(loss.path, loss.what) for loss in xml.losses} == {
        ("positionProfile/workingPeriods", DROPPED),
        ("requestComments", DROPPED),
    }
    v1 = rendering_report("PlanningRequest", message, "1.0", "json")
    assert [(loss.path, loss.what) for loss in v1.losses] == [("positionProfile/workingPeriods", DROPPED)]


def test_a_value_outside_1_0_enumerations_is_reported():
    message = samples.constraints()
    message.setdefault("positionProfile", {})["workingPeriods"] = [
        {"workDuration": {"unitCode": {"value": "Weeks"}, "value": 2}}
    ]
    losses = rendering_report("PlanningConstraints", message, "1.0").losses
    assert [(loss.path, loss.what) for loss in losses] == [
        ("positionProfile/workingPeriods/0/workDuration/unitCode/value", OUTSIDE)
    ]


def test_a_line_loses_only_empty_arrays_in_xml():
    line = {"lineId": {"value": "L1", "schemeAgencyId": "Customer"}, "breaks": []}
    assert line_rendering_report("PlanningRequest", line, "1.0", "json").lossless
    assert [loss.path for loss in line_rendering_report("PlanningRequest", line, "2.0", "xml").losses] == ["breaks"]
