"""XML codec on hand-made messages (no spec files needed): mapping, types, order, safety."""

from __future__ import annotations

import pytest
from lxml import etree

from setu_planning.interface import xml_codec
from setu_planning.interface.xml_codec import (
    XmlInvalid,
    XmlRenderError,
    parse_line_xml,
    parse_xml,
    render_line_xml,
    render_xml,
)

V1 = "https://ontology.setu.nl/planning#"
V2 = "https://ontology.setu.nl/messages"
ID = {"value": "345677", "schemeAgencyId": "Customer"}

REQUEST = {
    "documentId": {"value": "R1", "schemeAgencyId": "Customer"},
    "customer": {"id": [{"value": "C1", "schemeAgencyId": "Customer"}]},
    "positionProfile": {
        "positionId": {"value": "P1"},
        "standByIndicator": False,
        "positionLocation": {"name": "Tholen", "streetName": "Dorpsplein"},
        "positionPeriod": {"start": "2024-01-01"},
        "workingPeriods": [
            {
                "workDuration": {"value": 7.5, "unitCode": {"value": "Hours"}},
                "baseDuration": {"value": 1, "unitCode": {"value": "Daily"}},
            }
        ],
        "costAllocation": {"costCenter": {"code": "CC1"}},
    },
    "periodicPlanningLine": [
        {
            "lineId": ID,
            "planningPeriod": "Monday",
            "startTime": "08:00:00",
            "endTime": "16:00:00Z",
            "hours": 8,
            "breaks": [{"paidOrUnpaid": "Paid", "breakTrigger": {"hours": 5.5, "breakDuration": "00:30:00"}}],
            "positionQuantity": 3,
        }
    ],
}

ASSIGNMENT = {
    "documentId": {"value": "A1", "schemeAgencyId": "Customer"},
    "assignedWorker": {
        "assignedStatus": True,
        "workAssignments": {"id": {"value": "W1", "schemeAgencyId": "Supplier"}},
    },
    "positionProfile": {"positionLocation": {"name": "Tholen"}},
    "singlePlanningLine": [
        {"lineId": ID, "singlePlanningType": "Occasional", "startDateTime": "2024-01-01T08:00:00+01:00"}
    ],
}

CONSTRAINTS = {
    "documentId": {"value": "K1", "schemeAgencyId": "Supplier"},
    "worker": {"workerId": [{"value": "123", "schemeAgencyId": "Supplier"}]},
    "periodicAvailabilityLine": [{"lineId": ID, "availabilityStatus": "Available", "availabilityPeriod": "Monday"}],
}

MESSAGES = {"PlanningRequest": REQUEST, "PlanningAssignment": ASSIGNMENT, "PlanningConstraints": CONSTRAINTS}


def children(xml: bytes, path: str = "*") -> list[str]:
    root = etree.fromstring(xml)
    return [etree.QName(e).localname for e in root.findall(path, {"s": root.nsmap[None]})]


@pytest.mark.parametrize("message", MESSAGES)
def test_v2_round_trip(message):
    data = MESSAGES[message]
    assert parse_xml(render_xml(data, message, "2.0"), message, "2.0") == data


def test_v1_round_trip_folds_only_the_address():
    back = parse_xml(render_xml(REQUEST, "PlanningRequest", "1.0"), "PlanningRequest", "1.0")
    assert back == REQUEST  # streetName alone survives as v1 line
    for message in ("PlanningAssignment", "PlanningConstraints"):
        assert parse_xml(render_xml(MESSAGES[message], message, "1.0"), message, "1.0") == MESSAGES[message]


def test_types_come_back_typed():
    data = parse_xml(render_xml(REQUEST, "PlanningRequest", "2.0"), "PlanningRequest", "2.0")
    line = data["periodicPlanningLine"][0]
    assert line["positionQuantity"] == 3 and type(line["positionQuantity"]) is int
    assert type(line["hours"]) is int and type(line["breaks"][0]["breakTrigger"]["hours"]) is float
    assert data["positionProfile"]["standByIndicator"] is False
    assert line["endTime"] == "16:00:00Z"  # times are kept as written


def test_renders_in_xsd_sequence_order_whatever_the_dict_order():
    shuffled = dict(reversed(list(REQUEST.items())))
    xml = render_xml(shuffled, "PlanningRequest", "2.0")
    assert children(xml) == ["documentId", "customer", "positionProfile", "periodicPlanningLine"]
    line = dict(reversed(list(REQUEST["periodicPlanningLine"][0].items())))
    names = children(render_line_xml(line, "PlanningRequest", "periodicPlanningLine", "2.0"))
    assert names == ["lineId", "planningPeriod", "startTime", "endTime", "hours", "breaks", "positionQuantity"]


def test_v1_rendering_uses_the_v1_namespace_and_item_wrappers():
    xml = render_xml(REQUEST, "PlanningRequest", "1.0")
    root = etree.fromstring(xml)
    assert root.nsmap == {None: V1}
    ns = {"s": V1}
    assert root.find("s:positionProfile/s:positionLocation/s:item/s:line", ns).text == "Dorpsplein"
    assert root.find("s:positionProfile/s:costAllocationRef/s:item/s:costCenter/s:code", ns).text == "CC1"
    assert len(root.findall("s:positionProfile/s:workingPeriods/s:item", ns)) == 1


def test_v2_xml_calls_cost_allocation_cost_allocation_ref():
    root = etree.fromstring(render_xml(REQUEST, "PlanningRequest", "2.0"))
    assert root.find("s:positionProfile/s:costAllocationRef/s:costCenter/s:code", {"s": V2}).text == "CC1"


def test_render_drops_none_values():
    data = dict(CONSTRAINTS, actionCode=None)
    assert parse_xml(render_xml(data, "PlanningConstraints", "2.0"), "PlanningConstraints", "2.0") == CONSTRAINTS


def test_decimals_are_written_without_exponent():
    line = {"lineId": ID, "planningPeriod": "Monday", "hours": 1e-7, "positionQuantity": 1}
    xml = render_line_xml(line, "PlanningRequest", "periodicPlanningLine", "2.0")
    assert b"<hours>0.0000001</hours>" in xml


# --- lines ------------------------------------------------------------------

LINES = {
    ("PlanningRequest", "periodicPlanningLine"): REQUEST["periodicPlanningLine"][0],
    ("PlanningRequest", "singlePlanningLine"): {
        "lineId": ID,
        "singlePlanningType": "Exception",
        "periodicPlanningLineReference": {"lineId": ID},
        "positionQuantity": 1,
    },
    ("PlanningAssignment", "periodicPlanningLine"): {"lineId": ID, "planningPeriod": "Friday"},
    ("PlanningAssignment", "singlePlanningLine"): ASSIGNMENT["singlePlanningLine"][0],
    ("PlanningConstraints", "periodicAvailabilityLine"): CONSTRAINTS["periodicAvailabilityLine"][0],
    ("PlanningConstraints", "singleAvailabilityLine"): {
        "lineId": ID,
        "singleAvailabilityType": "Occasional",
        "availabilityStatus": "RatherNot",
        "startDateTime": "2024-01-01T00:00:00Z",
        "endDateTime": "2024-01-02T00:00:00Z",
        "relatedWorker": [{"workerId": ID, "relatedWorkerType": "Preferred"}],
    },
}


@pytest.mark.parametrize("version", ["1.0", "2.0"])
@pytest.mark.parametrize("message, field", LINES)
def test_line_round_trip(message, field, version):
    line = LINES[(message, field)]
    xml = render_line_xml(line, message, field, version)
    root = etree.fromstring(xml)
    assert root.tag == f"{{{V1 if version == '1.0' else V2}}}{field}"
    assert parse_line_xml(xml, message, field, version) == line


def test_line_wrapped_in_its_message_root_is_accepted():
    line = LINES[("PlanningConstraints", "periodicAvailabilityLine")]
    inner = render_line_xml(line, "PlanningConstraints", "periodicAvailabilityLine", "2.0").split(b"?>", 1)[1]
    wrapped = (
        f'<PlanningConstraints xmlns="{V2}">'.encode()
        + inner.replace(f' xmlns="{V2}"'.encode(), b"")
        + b"</PlanningConstraints>"
    )
    assert parse_line_xml(wrapped, "PlanningConstraints", "periodicAvailabilityLine", "2.0") == line
    twice = wrapped.replace(
        b"</PlanningConstraints>", inner.replace(f' xmlns="{V2}"'.encode(), b"") + b"</PlanningConstraints>"
    )
    with pytest.raises(XmlInvalid, match="exactly one"):
        parse_line_xml(twice, "PlanningConstraints", "periodicAvailabilityLine", "2.0")


def test_line_document_with_another_root_is_refused():
    xml = render_line_xml(
        LINES[("PlanningRequest", "singlePlanningLine")], "PlanningRequest", "singlePlanningLine", "2.0"
    )
    with pytest.raises(XmlInvalid) as err:
        parse_line_xml(xml, "PlanningRequest", "periodicPlanningLine", "2.0")
    assert "singlePlanningLine" in err.value.reason


def test_unknown_line_field_is_a_value_error():
    with pytest.raises(ValueError):
        render_line_xml({}, "PlanningConstraints", "periodicPlanningLine", "2.0")
    with pytest.raises(ValueError, match="unsupported SETU version"):
        parse_xml(b"<x/>", "PlanningRequest", "3.0")


# --- refusals ---------------------------------------------------------------


def constraints_xml(body: str, ns: str = V2) -> bytes:
    return f'<?xml version="1.0"?><PlanningConstraints xmlns="{ns}">{body}</PlanningConstraints>'.encode()


@pytest.mark.parametrize(
    "payload",
    [
        # XXE: external entity reading a local file
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<PlanningConstraints xmlns="https://ontology.setu.nl/messages"><documentId><value>&x;</value></documentId></PlanningConstraints>',
        # billion laughs
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
        b'<PlanningConstraints xmlns="https://ontology.setu.nl/messages"><documentId><value>&d;</value></documentId></PlanningConstraints>',
        # external DTD
        b'<?xml version="1.0"?><!DOCTYPE PlanningConstraints SYSTEM "http://127.0.0.1:1/evil.dtd">'
        b'<PlanningConstraints xmlns="https://ontology.setu.nl/messages"/>',
        # a bare, harmless-looking DOCTYPE
        b'<!DOCTYPE PlanningConstraints><PlanningConstraints xmlns="https://ontology.setu.nl/messages"/>',
        # parameter entity
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:1/p.dtd"> %p;]>'
        b'<PlanningConstraints xmlns="https://ontology.setu.nl/messages"/>',
    ],
    ids=["xxe", "billion-laughs", "external-dtd", "doctype", "parameter-entity"],
)
def test_dtds_and_entities_are_refused(payload):
    with pytest.raises(XmlInvalid, match="DTD|not well-formed") as err:
        parse_xml(payload, "PlanningConstraints", "2.0")
    assert err.value.element == ""


@pytest.mark.parametrize("body", [b"", b"   ", b"<PlanningConstraints", b"not xml at all", b"<a></b>"])
def test_malformed_xml(body):
    with pytest.raises(XmlInvalid) as err:
        parse_xml(body, "PlanningConstraints", "2.0")
    assert err.value.element == ""


def test_unknown_element_is_named_with_its_path():
    xml = constraints_xml("<worker><workerId><value>1</value><colour>red</colour></workerId></worker>")
    with pytest.raises(XmlInvalid) as err:
        parse_xml(xml, "PlanningConstraints", "2.0")
    assert err.value.element == "worker/workerId/0/colour"
    assert "unknown element 'colour'" in err.value.reason


def test_wrong_root_element():
    with pytest.raises(XmlInvalid, match="expected PlanningRequest"):
        parse_xml(constraints_xml(""), "PlanningRequest", "2.0")


def test_wrong_version_namespace_is_explained():
    with pytest.raises(XmlInvalid) as err:
        parse_xml(constraints_xml("", V1), "PlanningConstraints", "2.0")
    assert "SETU 1.0" in err.value.reason and V2 in err.value.reason


def test_unqualified_child_is_refused():
    xml = constraints_xml('<singleAvailabilityLine xmlns=""><lineId/></singleAvailabilityLine>')
    with pytest.raises(XmlInvalid) as err:
        parse_xml(xml, "PlanningConstraints", "2.0")
    assert err.value.element == "singleAvailabilityLine/0" and "no namespace" in err.value.reason


@pytest.mark.parametrize(
    "line, element, words",
    [
        ("<positionQuantity>two</positionQuantity>", "periodicPlanningLine/0/positionQuantity", "integer"),
        ("<positionQuantity>1.5</positionQuantity>", "periodicPlanningLine/0/positionQuantity", "integer"),
        ("<hours>8h</hours>", "periodicPlanningLine/0/hours", "decimal"),
        ("<lineId>text<value>1</value></lineId>", "periodicPlanningLine/0/lineId", "holds text"),
        ("<planningPeriod><b>Monday</b></planningPeriod>", "periodicPlanningLine/0/planningPeriod", "text only"),
        (
            "<planningPeriod>Monday</planningPeriod><planningPeriod>Friday</planningPeriod>",
            "periodicPlanningLine/0/planningPeriod",
            "only once",
        ),
        ('<planningPeriod kind="x">Monday</planningPeriod>', "periodicPlanningLine/0/planningPeriod", "attribute"),
    ],
)
def test_bad_content_is_named(line, element, words):
    xml = (
        f'<PlanningRequest xmlns="{V2}"><periodicPlanningLine>{line}</periodicPlanningLine></PlanningRequest>'.encode()
    )
    with pytest.raises(XmlInvalid) as err:
        parse_xml(xml, "PlanningRequest", "2.0")
    assert err.value.element == element and words in str(err.value)


def test_booleans_accept_the_xsd_lexical_forms():
    for text, value in (("true", True), ("1", True), (" false ", False), ("0", False)):
        xml = f'<PlanningAssignment xmlns="{V2}"><assignedWorker><assignedStatus>{text}</assignedStatus></assignedWorker></PlanningAssignment>'
        assert parse_xml(xml.encode(), "PlanningAssignment", "2.0") == {"assignedWorker": {"assignedStatus": value}}
    with pytest.raises(XmlInvalid, match="boolean"):
        parse_xml(xml.replace(">0<", ">yes<").encode(), "PlanningAssignment", "2.0")


def test_comments_and_xsi_attributes_are_ignored():
    xml = (
        f'<PlanningConstraints xmlns="{V2}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{V2} x.xsd"><!-- hello --><documentId><value>K1</value></documentId></PlanningConstraints>'
    ).encode()
    assert parse_xml(xml, "PlanningConstraints", "2.0") == {"documentId": {"value": "K1"}}


def test_v1_paths_in_errors_keep_item():
    xml = f'<PlanningRequest xmlns="{V1}"><positionProfile><positionLocation><item><nme>x</nme></item></positionLocation></positionProfile></PlanningRequest>'
    with pytest.raises(XmlInvalid) as err:
        parse_xml(xml.encode(), "PlanningRequest", "1.0")
    assert err.value.element == "positionProfile/positionLocation/item/nme"


@pytest.mark.parametrize(
    "data, element",
    [
        (dict(CONSTRAINTS, colour="red"), "colour"),
        ({"worker": {"workerId": {"value": "1"}}}, "worker/workerId"),
        ({"worker": "W1"}, "worker"),
        ({"documentId": {"value": 5}}, "documentId/value"),
        ({"documentId": {"value": "bad \x00 char"}}, "documentId/value"),
    ],
)
def test_render_refuses_what_the_xsd_cannot_hold(data, element):
    with pytest.raises(XmlRenderError) as err:
        render_xml(data, "PlanningConstraints", "2.0")
    assert err.value.element == element


@pytest.mark.parametrize("value", [True, "3", 2.5])
def test_render_refuses_non_integers(value):
    line = {"lineId": ID, "planningPeriod": "Monday", "positionQuantity": value}
    with pytest.raises(XmlRenderError, match="integer"):
        render_line_xml(line, "PlanningRequest", "periodicPlanningLine", "2.0")


def test_render_writes_an_integral_float_as_an_integer():
    # The models accept 2.0 for an integer (JSON Schema 2020-12), so rendering must too.
    line = {"lineId": ID, "planningPeriod": "Monday", "positionQuantity": 2.0}
    xml = render_line_xml(line, "PlanningRequest", "periodicPlanningLine", "2.0")
    assert parse_line_xml(xml, "PlanningRequest", "periodicPlanningLine", "2.0")["positionQuantity"] == 2


def test_error_document():
    xml = xml_codec.render_error_xml("SETU-INVALID", 'a < b & "c" \x01')
    root = etree.fromstring(xml)
    assert root.tag == "error" and [c.tag for c in root] == ["code", "description"]
    assert root.findtext("code") == "SETU-INVALID"
    assert root.findtext("description") == 'a < b & "c" \ufffd'
