"""Hostile bodies at the edge: each is refused with a SETU error (or read correctly), never a crash.

JSON and XML decoding in ``wire``/``xml_codec``: encodings, duplicate keys, numbers JSON
cannot hold, nesting, DTDs, huge arrays and strings. No timing assertions: the cases
that used to take minutes are pinned by what they answer (a bounded refusal).
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest

from setu_planning.domain.errors import MAX_REPORTED_VIOLATIONS, BusinessRuleViolated, MessageInvalid
from setu_planning.domain.messages import LineKind, MessageKind, to_json, validate_line, validate_message
from setu_planning.interface import wire, xml_codec
from setu_planning.interface.xml_tables import TREES

REQUEST = MessageKind.REQUEST
V2_NS = "https://ontology.setu.nl/messages"
ID = {"value": "1", "schemeAgencyId": "Customer"}
MESSAGE = {
    "documentId": {"value": "R1", "schemeAgencyId": "Customer"},
    "customer": {"id": [ID]},
    "positionProfile": {
        "positionId": {"value": "P1"},
        "positionLocation": {"name": "Tholen"},
        "positionPeriod": {"start": "2024-01-01"},
    },
    "periodicPlanningLine": [{"lineId": ID, "planningPeriod": "Monday", "positionQuantity": 1}],
}


def json_body(data: object) -> bytes:
    return json.dumps(data).encode()


def decode_json(body: bytes, version: str = "2.0") -> dict:
    return wire.decode_message(body, wire.JSON, REQUEST, version)


def decode_xml(body: bytes, version: str = "2.0") -> dict:
    return wire.decode_message(body, wire.XML, REQUEST, version)


def xml_request(inner: str = "", declaration: str = "") -> bytes:
    return f'{declaration}<PlanningRequest xmlns="{V2_NS}">{inner}</PlanningRequest>'.encode()


def malformed(decode, body: bytes) -> str:
    with pytest.raises(wire.MalformedBody) as error:
        decode(body)
    return error.value.description


def xml_refusal(body: bytes, version: str = "2.0") -> str:
    with pytest.raises(MessageInvalid) as error:
        decode_xml(body, version)
    assert [v.rule for v in error.value.violations] == ["xml"]
    return error.value.violations[0].reason


# --- JSON: duplicate keys -----------------------------------------------------------------


def test_duplicate_json_key_is_refused_naming_the_key():
    body = b'{"documentId": {"value": "R1", "value": "R2", "schemeAgencyId": "Customer"}}'
    assert "'value' occurs twice" in malformed(decode_json, body)


def test_duplicate_json_key_at_the_top_is_refused():
    assert "'customer' occurs twice" in malformed(decode_json, b'{"customer": {}, "customer": {}}')


def test_duplicate_json_key_in_a_line_is_refused():
    body = b'{"periodicPlanningLine": [{"hours": 1, "hours": 2}]}'
    with pytest.raises(wire.MalformedBody, match="'hours' occurs twice"):
        wire.decode_line(body, wire.JSON, REQUEST, "2.0", LineKind.PERIODIC)


def test_a_huge_duplicated_key_is_named_cut_short():
    key = "k" * 100_000
    description = malformed(decode_json, f'{{"{key}": 1, "{key}": 2}}'.encode())
    assert "occurs twice" in description and len(description) < 300


# --- JSON: encodings ------------------------------------------------------------------------


def test_invalid_utf8_json_is_refused():
    assert "not valid UTF-8" in malformed(decode_json, b'{"documentId": "\xff\xfe\xfd"}')


def test_overlong_utf8_encoding_is_refused():
    assert "not valid UTF-8" in malformed(decode_json, b'{"a": "\xc0\xaf"}')


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_json_are_refused(encoding):
    description = malformed(decode_json, json.dumps(MESSAGE).encode(encoding))
    assert "UTF-8 only (RFC 8259)" in description


def test_utf8_byte_order_mark_is_tolerated():
    assert decode_json(b"\xef\xbb\xbf" + json_body(MESSAGE)) == MESSAGE


def test_nul_byte_in_json_is_refused():
    assert "NUL" in malformed(decode_json, b'{"a": "b"}\x00')


# --- JSON: numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity"])
def test_nan_and_infinity_literals_are_refused(literal):
    assert "not a JSON number" in malformed(decode_json, b'{"maximumTravelDistance": ' + literal + b"}")


@pytest.mark.parametrize("number", [b"1e999", b"-1e999", b"1" * 400 + b".5", b"1.0E+309"])
def test_numbers_overflowing_to_infinity_are_refused(number):
    assert "overflows to infinity" in malformed(decode_json, b'{"hours": ' + number + b"}")


@pytest.mark.parametrize("number", [b"1" * 4301, b"-" + b"9" * 5000, b"1" * 500_000])
def test_integers_beyond_4300_digits_are_refused_cleanly(number):
    description = malformed(decode_json, b'{"hours": ' + number + b"}")
    assert "more than 4,300 digits" in description and "sys." not in description and len(description) < 300


def test_an_integer_of_4300_digits_is_read():
    assert decode_json(b'{"hours": ' + b"9" * 4300 + b"}")["hours"] == int("9" * 4300)


def test_tiny_and_huge_finite_numbers_are_read():
    assert decode_json(b'{"a": 1e-400, "b": 1.7976931348623157e308}') == {"a": 0.0, "b": 1.7976931348623157e308}


# --- JSON: nesting and shape ------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"a":' * 100_000, b"[" * 100_000 + b"]" * 100_000])
def test_deeply_nested_json_is_refused(body):
    assert "more than 32 deep" in malformed(decode_json, body)


@pytest.mark.parametrize("version", ["1.0", "2.0"])
def test_json_nested_just_too_deep_for_the_cap_is_refused_before_any_recursion(version):
    # 600 levels pass Python's JSON parser but used to overflow the v1.0 conversion (deepcopy).
    body = b'{"positionProfile": ' + b"[" * 600 + b"]" * 600 + b"}"
    assert "more than 32 deep" in malformed(lambda b: decode_json(b, version), body)


def test_json_at_the_depth_cap_is_read():
    nested: object = 1
    for _ in range(wire.MAX_JSON_DEPTH - 1):
        nested = [nested]
    assert decode_json(json_body({"a": nested}))["a"] == nested


def _json_depth(nodes: tuple) -> int:
    """Containers nesting in SETU JSON: an object per complex element, an array per repeated one."""
    return 1 + max((0 if isinstance(n[4], str) else _json_depth(n[4]) + (1 if n[3] else 0)) for n in nodes)


def _xml_depth(nodes: tuple) -> int:
    return 1 + max((1 if isinstance(n[4], str) else _xml_depth(n[4])) for n in nodes)


def test_the_depth_caps_leave_room_for_every_setu_message():
    assert max(_json_depth(nodes) for nodes in TREES.values()) == 10 < wire.MAX_JSON_DEPTH
    assert max(_xml_depth(nodes) for nodes in TREES.values()) == 9 < xml_codec.MAX_XML_DEPTH


@pytest.mark.parametrize("body", [b"", b"   ", b"nul", b"{", b'{"a": 1,}', b"'a'", b"{} {}", b'"\\ud800"x'])
def test_malformed_json_is_refused(body):
    malformed(decode_json, body)


@pytest.mark.parametrize("body", [b"[]", b"1", b'"text"', b"null", b"true"])
def test_json_that_is_no_object_is_refused_as_a_message(body):
    with pytest.raises(MessageInvalid, match="JSON object"):
        decode_json(body)


# --- JSON through the domain: texts XML cannot carry -------------------------------------------


@pytest.mark.parametrize("escape", ["\\u0001", "\\u0000", "\\ud800", "\\udc00", "\\uffff"])
def test_json_text_xml_cannot_carry_is_refused_naming_the_element(escape):
    body = json_body(MESSAGE).replace(b'"Tholen"', f'"Tho{escape}len"'.encode())
    with pytest.raises(BusinessRuleViolated) as error:
        validate_message(REQUEST, decode_json(body))
    assert [(v.element, v.rule) for v in error.value.violations] == [
        ("positionProfile/positionLocation/name", "SETU-XML-CHARACTERS")
    ]
    error.value.description.encode("utf-8")


def test_json_line_with_a_slash_in_its_line_id_is_refused():
    body = (
        b'{"lineId": {"value": "a/b", "schemeAgencyId": "Customer"}, "planningPeriod": "Monday", "positionQuantity": 1}'
    )
    line_kind, line = wire.decode_line(body, wire.JSON, REQUEST, "2.0", LineKind.PERIODIC)
    with pytest.raises(BusinessRuleViolated) as error:
        validate_line(REQUEST, line_kind, line)
    assert [(v.element, v.rule) for v in error.value.violations] == [("lineId/value", "SETU-LINE-ID-ADDRESSABLE")]


def test_twenty_thousand_empty_json_lines_give_a_bounded_refusal():
    data = decode_json(json_body({"periodicPlanningLine": [{}] * 20_000}))
    with pytest.raises(MessageInvalid) as error:
        validate_message(REQUEST, data)
    assert len(error.value.violations) == MAX_REPORTED_VIOLATIONS
    assert error.value.more_violations == 3 * 20_000 + 3 - MAX_REPORTED_VIOLATIONS
    assert "… and 59,983 more violations" in error.value.description


# --- Content-Type charset ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "fmt"),
    [
        ("application/json", wire.JSON),
        ("application/json; charset=utf-8", wire.JSON),
        ("application/json;charset=UTF-8", wire.JSON),
        ('application/json; charset="utf-8"', wire.JSON),
        ("application/json; charset='UTF-8'", wire.JSON),
        ("application/json; foo=bar; charset=Utf-8", wire.JSON),
        ("application/vnd.setu+json; charset=utf-8", wire.JSON),
        ("application/xml; charset=utf-8", wire.XML),
        ('text/xml; charset="UTF-8"', wire.XML),
    ],
)
def test_utf8_charset_or_none_is_accepted(content_type, fmt):
    assert wire.body_format(content_type) == fmt


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json; charset=iso-8859-1",
        "application/json; charset=utf-16",
        "application/json; charset=utf8",
        "application/json; charset=",
        'application/json; charset=""',
        "application/json; charset=utf-8; charset=latin1",
    ],
)
def test_json_with_another_charset_is_refused_saying_why(content_type):
    with pytest.raises(wire.UnsupportedMediaType, match="RFC 8259"):
        wire.body_format(content_type)


@pytest.mark.parametrize("content_type", ["application/xml; charset=utf-16", "text/xml; charset=ISO-8859-1"])
def test_xml_with_another_charset_is_refused_saying_why(content_type):
    with pytest.raises(wire.UnsupportedMediaType, match="UTF-8 only"):
        wire.body_format(content_type)


def test_a_huge_content_type_is_quoted_cut_short():
    with pytest.raises(wire.UnsupportedMediaType) as error:
        wire.body_format("application/json; charset=" + "x" * 100_000)
    assert len(error.value.description) < 300


# --- XML: encodings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding", ["UTF-16", "utf-16le", "ISO-8859-1", "US-ASCII", "X-UNKNOWN-1", "EBCDIC-CP-US", ""]
)
def test_xml_declaring_another_encoding_is_refused_naming_it(encoding):
    body = xml_request(declaration=f'<?xml version="1.0" encoding="{encoding}"?>')
    assert f"names encoding {encoding!r}" in xml_refusal(body)


def test_xml_declaring_utf16_over_utf8_bytes_is_refused():
    # What a .NET StringWriter produces and then sends as UTF-8.
    body = xml_request("<requestComments>é</requestComments>", "<?xml version='1.0' encoding='utf-16' ?>")
    assert "UTF-8 only" in xml_refusal(body)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_xml_in_utf16_or_utf32_is_refused(encoding):
    body = f'<?xml version="1.0" encoding="UTF-16"?><PlanningRequest xmlns="{V2_NS}"/>'.encode(encoding)
    assert "UTF-8 only" in xml_refusal(body)


@pytest.mark.parametrize(
    "declaration",
    ['<?xml version="1.0" encoding="UTF-8"?>', "<?xml version='1.0' encoding='utf-8'?>", '<?xml version="1.0"?>', ""],
)
def test_xml_in_utf8_is_read(declaration):
    assert decode_xml(xml_request("<requestComments>Zeeland ë</requestComments>", declaration)) == {
        "requestComments": ["Zeeland ë"]
    }


def test_xml_with_a_utf8_byte_order_mark_is_read():
    body = b"\xef\xbb\xbf" + xml_request(
        "<requestComments>a</requestComments>", '<?xml version="1.0" encoding="UTF-8"?>'
    )
    assert decode_xml(body) == {"requestComments": ["a"]}


@pytest.mark.parametrize("raw", [b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"caf\xe9"])
def test_invalid_utf8_xml_is_refused(raw):
    body = xml_request("<requestComments>#</requestComments>").replace(b"#", raw)
    assert "not well-formed" in xml_refusal(body)


@pytest.mark.parametrize("reference", ["&#1;", "&#x0;", "&#xFFFE;", "&#xD800;"])
def test_xml_character_references_xml_cannot_carry_are_refused(reference):
    assert "not well-formed" in xml_refusal(xml_request(f"<requestComments>{reference}</requestComments>"))


# --- XML: nesting, size, markup ----------------------------------------------------------------


def test_deeply_nested_xml_is_refused_at_the_cap():
    body = xml_request("<a>" * 100_000 + "</a>" * 100_000)
    assert "more than 32 deep" in xml_refusal(body)


def test_deeply_nested_unclosed_xml_is_refused_at_the_cap():
    assert "more than 32 deep" in xml_refusal(xml_request().replace(b"</PlanningRequest>", b"<a>" * 100_000))


def test_xml_nested_within_the_cap_is_judged_by_its_elements():
    depth = xml_codec.MAX_XML_DEPTH - 1
    assert "unknown element 'a'" in xml_refusal(xml_request("<a>" * depth + "</a>" * depth))


def test_xml_line_document_nested_too_deep_is_refused():
    body = f'<periodicPlanningLine xmlns="{V2_NS}">'.encode() + b"<b>" * 50_000
    with pytest.raises(MessageInvalid, match="more than 32 deep"):
        wire.decode_line(body, wire.XML, REQUEST, "2.0", None)


def test_twenty_thousand_empty_xml_lines_give_a_bounded_refusal():
    data = decode_xml(xml_request("<periodicPlanningLine/>" * 20_000))
    assert len(data["periodicPlanningLine"]) == 20_000
    with pytest.raises(MessageInvalid) as error:
        validate_message(REQUEST, data)
    assert len(error.value.violations) == MAX_REPORTED_VIOLATIONS
    assert error.value.more_violations == 59_983


def test_xml_with_many_xsi_attributes_is_read():
    attributes = " ".join(f'xsi:a{i}="1"' for i in range(20_000))
    body = xml_request().replace(
        b"<PlanningRequest ",
        f'<PlanningRequest xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" {attributes} '.encode(),
    )
    assert decode_xml(body) == {}


def test_xml_with_many_other_attributes_is_refused_at_the_first():
    attributes = " ".join(f'a{i}="1"' for i in range(20_000))
    body = xml_request().replace(b"<PlanningRequest ", f"<PlanningRequest {attributes} ".encode())
    assert "attribute 'a0' is not allowed" in xml_refusal(body)


def test_xml_with_a_duplicated_attribute_is_refused():
    assert "duplicate attribute" in xml_refusal(
        xml_request().replace(b"<PlanningRequest ", b'<PlanningRequest a="1" a="2" ')
    )


def test_xml_with_a_very_long_string_is_read():
    text = "Tholen " * 140_000
    assert decode_xml(xml_request(f"<requestComments>{text}</requestComments>"))["requestComments"] == [text]


def test_xml_with_a_very_long_bad_token_is_refused_quoting_it_cut_short():
    body = xml_request(
        f"<periodicPlanningLine><positionQuantity>{'x' * 500_000}</positionQuantity></periodicPlanningLine>"
    )
    reason = xml_refusal(body)
    assert "must be an integer" in reason and len(reason) < 200


@pytest.mark.parametrize("number", ["1" * 4301, "-" + "9" * 5000])
def test_xml_integers_beyond_4300_digits_are_refused_cleanly(number):
    body = xml_request(f"<periodicPlanningLine><positionQuantity>{number}</positionQuantity></periodicPlanningLine>")
    assert "more than 4,300 digits" in xml_refusal(body)


def test_xml_decimal_overflowing_to_infinity_is_refused_by_the_model():
    body = xml_request(f"<periodicPlanningLine><hours>{'9' * 400}.5</hours></periodicPlanningLine>")
    with pytest.raises(MessageInvalid) as error:
        validate_line(REQUEST, LineKind.PERIODIC, decode_xml(body)["periodicPlanningLine"][0])
    assert ("hours", "schema:type") in [(v.element, v.rule) for v in error.value.violations]


def test_xml_comments_processing_instructions_and_cdata_are_read_as_xml_says():
    body = xml_request(
        "<!-- a comment --><?setu-hint keep?><requestComments>a<![CDATA[<b> & ]]><!-- c -->d<?pi x?></requestComments>",
        '<?xml version="1.0" encoding="UTF-8"?><?xml-stylesheet href="x.xsl"?>',
    )
    assert decode_xml(body) == {"requestComments": ["a<b> & d"]}


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE PlanningRequest [<!ENTITY x "y">]>',
        '<!DOCTYPE PlanningRequest SYSTEM "http://example.org/x.dtd">',
        '<!DOCTYPE PlanningRequest [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>',
    ],
)
def test_xml_doctype_and_entities_are_refused(prolog):
    assert "not allowed" in xml_refusal(xml_request(declaration=prolog))


@pytest.mark.parametrize("body", [b"", b"   ", b"<", b"<PlanningRequest", b"text", b"<a></b>", b"\xef\xbb\xbf"])
def test_malformed_xml_is_refused(body):
    xml_refusal(body)


# --- whatever validates renders, in JSON and XML, SETU 1.0 and 2.0 -----------------------------


def _extreme_message() -> dict:
    message = copy.deepcopy(MESSAGE)
    message["positionProfile"].update(
        positionTitle="Picker 😀 <&> \t\n\r \x7f\x85 \ufffd ]]> " + "é" * 10_000,
        positionPeriod={"start": "0001-01-01", "end": "9999-12-31"},
    )
    message["periodicPlanningLine"][0].update(
        positionQuantity=2.0, hours=1e-300, startTime="00:00:00+14:00", endTime="23:59:59.999999-23:59"
    )
    message["singlePlanningLine"] = [
        {
            "lineId": {"value": "..." + "x" * 1000, "schemeAgencyId": "Supplier"},
            "singlePlanningType": "Occasional",
            "startDateTime": "0001-01-01T00:00:00+14:00",
            "endDateTime": "9999-12-31T23:59:59-14:00",
            "hours": 1.7976931348623157e308,
            "positionQuantity": int("9" * 4300),
        }
    ]
    return message


@pytest.mark.parametrize("fmt", [wire.JSON, wire.XML])
@pytest.mark.parametrize("version", ["1.0", "2.0"])
def test_a_message_at_the_limits_renders_and_reads_back(fmt, version):
    stored = to_json(validate_message(REQUEST, _extreme_message()))
    body = wire.Encoder(fmt, version).message(REQUEST, stored)
    again = to_json(validate_message(REQUEST, wire.decode_message(body, fmt, REQUEST, version)))
    if fmt == wire.XML:  # xs:integer and xs:decimal read back as the number they write
        stored["periodicPlanningLine"][0]["positionQuantity"] = 2
        stored["singlePlanningLine"][0]["hours"] = int(Decimal(repr(stored["singlePlanningLine"][0]["hours"])))
    assert again == stored
