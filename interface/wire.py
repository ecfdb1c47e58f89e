"""Bodies on the wire: JSON or XML, SETU 1.0 or 2.0, to and from the domain's 2.0 shape.

Everything version- or format-specific happens here, at the edge, so the
application only ever sees SETU 2.0 JSON dicts.
"""

from __future__ import annotations

import json

import orjson
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lxml import etree

from setu_planning.domain.errors import MessageInvalid, SetuError, Violation
from setu_planning.domain.messages import LineKind, MessageKind, line_field

from . import versions, xml_codec

SUPPORTED_VERSIONS = ("1.0", "2.0")
JSON = "application/json"
XML = "application/xml"
_XML_TYPES = {"application/xml", "text/xml"}


class UnsupportedMediaType(SetuError):
    """The body is neither JSON nor XML."""

    code = "SETU-UNSUPPORTED-MEDIA-TYPE"


class UnsupportedVersion(SetuError):
    """The setuVersionId header is missing or names a version we do not speak."""

    code = "SETU-UNSUPPORTED-VERSION"


class MalformedBody(SetuError):
    """The body is not well-formed JSON or XML."""

    code = "SETU-MALFORMED-BODY"


def check_version(value: str | None, *, required: bool) -> str | None:
    """The SETU version a request names in its ``setuVersionId`` header."""
    if value is None or value.strip() == "":
        if required:
            raise UnsupportedVersion(
                "header setuVersionId is required: supported versions are "
                + ", ".join(SUPPORTED_VERSIONS)
            )
        return None
    value = value.strip()
    if value not in SUPPORTED_VERSIONS:
        raise UnsupportedVersion(
            f"setuVersionId {value!r} is not supported: supported versions are "
            + ", ".join(SUPPORTED_VERSIONS)
        )
    return value


def body_format(content_type: str | None) -> str:
    """JSON or XML, from a Content-Type header; anything else is refused.

    A ``charset`` parameter other than UTF-8 is refused too (``check_charset``).
    """
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media == JSON or (media.startswith("application/") and media.endswith("+json")):
        fmt = JSON
    elif media in _XML_TYPES or (media.startswith("application/") and media.endswith("+xml")):
        fmt = XML
    else:
        raise UnsupportedMediaType(
            f"Content-Type {_shown(content_type or '(none)')} is not supported: "
            "send application/json or application/xml"
        )
    check_charset(content_type or "", fmt)
    return fmt


_WHY_UTF8 = {
    JSON: "JSON is exchanged in UTF-8 only (RFC 8259)",
    XML: "SETU XML is accepted in UTF-8 only, the encoding of every official example",
}


def check_charset(content_type: str, fmt: str) -> None:
    """Refuse a Content-Type whose ``charset`` parameter names anything but UTF-8.

    Case-insensitive, quotes allowed (``charset="UTF-8"``, ``'utf-8'``); no charset means
    UTF-8. For JSON, RFC 8259 allows nothing else. For XML we accept UTF-8
    only as well, so a charset parameter can never contradict the document:
    a document declaring another encoding is refused by the XML codec.
    """
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() != "charset":
            continue
        charset = value.strip()
        if len(charset) >= 2 and charset[0] == charset[-1] and charset[0] in "\"'":
            charset = charset[1:-1].strip()
        if charset.lower() != "utf-8":
            raise UnsupportedMediaType(
                f"Content-Type charset {_shown(charset)} is not supported: {_WHY_UTF8[fmt]}; "
                "send charset=utf-8 or no charset"
            )


MAX_JSON_DEPTH = 32
"""Deepest nesting of JSON objects and arrays accepted (SETU 1.0, the deepest, needs 10)."""

_UTF16_OR_32_BOMS = (b"\xff\xfe", b"\xfe\xff")  # also the start of the UTF-32 marks


def _shown(text: str, limit: int = 60) -> str:
    """``text`` quoted for an error message, cut short: hostile input can be a megabyte long."""
    return repr(text if len(text) <= limit else text[:limit] + "…")


def _json_text(body: bytes) -> str:
    """The body as text: UTF-8 only (RFC 8259); a UTF-8 byte order mark is tolerated and dropped."""
    if body.startswith(_UTF16_OR_32_BOMS) or b"\x00" in body:
        raise MalformedBody(
            "the body is not UTF-8 (a UTF-16 or UTF-32 byte order mark or NUL bytes): "
            "JSON is exchanged in UTF-8 only (RFC 8259)"
        )
    try:
        return body.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        raise MalformedBody(
            f"the body is not valid UTF-8: byte 0x{body[error.start]:02x} at offset {error.start}"
        ) from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are all different: parsers disagree on which duplicate wins."""
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise MalformedBody(
                    f"the body is ambiguous JSON: key {_shown(key)} occurs twice in one object"
                )
            seen.add(key)
    return found


def _no_constant(name: str) -> Any:
    raise MalformedBody(f"the body is not JSON: {name} is not a JSON number (RFC 8259)")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise MalformedBody(f"the JSON number {_shown(text)} is too large for a number (it overflows to infinity)")
    return value


_MAX_INTEGER_DIGITS = 4300  # Python's own limit on int() of a text (sys.get_int_max_str_digits)


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_INTEGER_DIGITS:
        raise MalformedBody(
            f"the JSON number {_shown(text)} has more than {_MAX_INTEGER_DIGITS:,} digits; no SETU number does"
        )
    return int(text)


def _check_depth(data: Any) -> None:
    """Refuse nesting deeper than MAX_JSON_DEPTH, without recursion (later steps recurse).

    Level by level, looking only at containers: the common message costs a few microseconds.
    """
    level, depth = [data], 1
    while level:
        if depth > MAX_JSON_DEPTH:
            raise MalformedBody(
                f"the body nests JSON objects and arrays more than {MAX_JSON_DEPTH} deep; no SETU message does"
            )
        deeper = []
        for value in level:
            for child in value.values() if type(value) is dict else value:
                if type(child) is dict or type(child) is list:
                    deeper.append(child)
        level, depth = deeper, depth + 1


def _json_object(body: bytes) -> Any:
    """Strict JSON: UTF-8, unique keys, finite numbers, bounded nesting. Else ``MalformedBody``."""
    text = _json_text(body)
    try:
        data = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_constant=_no_constant,
            parse_float=_finite_float,
            parse_int=_bounded_int,
        )
    except ValueError as error:  # JSONDecodeError
        raise MalformedBody(f"the body is not well-formed JSON: {error}") from None
    except RecursionError:
        raise MalformedBody(
            f"the body nests JSON objects and arrays more than {MAX_JSON_DEPTH} deep; no SETU message does"
        ) from None
    if isinstance(data, (dict, list)):
        _check_depth(data)
    return data


def _xml_error(error: xml_codec.XmlInvalid) -> MessageInvalid:
    return MessageInvalid([Violation(error.element or "", "xml", error.reason)])


def decode_message(body: bytes, fmt: str, kind: MessageKind, version: str) -> dict[str, Any]:
    """A whole message from the wire, in the 2.0 shape."""
    if fmt == XML:
        try:
            return xml_codec.parse_xml(body, kind.value, version)
        except xml_codec.XmlInvalid as error:
            raise _xml_error(error) from None
    data = _json_object(body)
    if not isinstance(data, dict):
        raise MessageInvalid([Violation("", "schema:type", "a SETU message is a JSON object")])
    return versions.v1_to_v2(kind.value, data) if version == "1.0" else data


def decode_line(
    body: bytes, fmt: str, kind: MessageKind, version: str, line_kind: LineKind | None
) -> tuple[LineKind, dict[str, Any]]:
    """One line from the wire: the bare line object, or the official wrapper with one line.

    ``line_kind`` is the kind the endpoint expects (None when any kind will do,
    as for PUT of a line, where the stored line decides).
    """
    kinds = [line_kind] if line_kind else list(LineKind)
    if fmt == XML:
        return _decode_line_xml(body, kind, version, kinds)
    data = _json_object(body)
    if not isinstance(data, dict):
        raise MessageInvalid([Violation("", "schema:type", "a SETU line is a JSON object")])
    wrappers = {line_field(kind, k): k for k in LineKind}
    wrapped = [key for key in data if key in wrappers]
    if wrapped:
        if len(data) != 1:
            raise MessageInvalid(
                [Violation("", "schema:maxProperties", f"a line wrapper holds only {wrapped[0]}")]
            )
        field = wrapped[0]
        found = wrappers[field]
        if found not in kinds:
            raise MessageInvalid(
                [Violation(field, "schema:type", f"this endpoint takes a {kinds[0].value} line")]
            )
        lines = data[field]
        if not isinstance(lines, list) or len(lines) != 1 or not isinstance(lines[0], dict):
            raise MessageInvalid(
                [Violation(field, "schema:maxItems", f"{field} must hold exactly one line object")]
            )
        line, chosen = lines[0], found
    else:
        line, chosen = data, kinds[0]
    if version == "1.0":
        line = versions.line_v1_to_v2(kind.value, line_field(kind, chosen), line)
    return chosen, line


def _decode_line_xml(
    body: bytes, kind: MessageKind, version: str, kinds: list[LineKind]
) -> tuple[LineKind, dict[str, Any]]:
    failure: xml_codec.XmlInvalid | None = None
    for candidate in kinds:
        try:
            return candidate, xml_codec.parse_line_xml(
                body, kind.value, line_field(kind, candidate), version
            )
        except xml_codec.XmlInvalid as error:
            failure = failure or error
    assert failure is not None
    raise _xml_error(failure)


@dataclass(frozen=True)
class Encoder:
    """How one response is written: its media type and SETU version."""

    fmt: str
    version: str

    def message(self, kind: MessageKind, data: Mapping[str, Any]) -> bytes:
        if self.fmt == XML:
            return xml_codec.render_xml(dict(data), kind.value, self.version)
        body = versions.v2_to_v1(kind.value, dict(data)) if self.version == "1.0" else data
        return _dump(body)

    def messages(self, kind: MessageKind, items: list[Mapping[str, Any]], wrapper: str) -> bytes:
        if self.fmt == XML:
            return _xml_list(
                [xml_codec.render_xml(dict(item), kind.value, self.version) for item in items],
                wrapper,
            )
        if self.version == "1.0":
            return _dump([versions.v2_to_v1(kind.value, dict(item)) for item in items])
        return _dump(list(items))

    def line(self, kind: MessageKind, line_kind: LineKind, line: Mapping[str, Any]) -> bytes:
        """A line in the official line form: ``{"periodicPlanningLine": [line]}``."""
        field = line_field(kind, line_kind)
        if self.fmt == XML:
            return xml_codec.render_line_xml(dict(line), kind.value, field, self.version)
        body = versions.line_v2_to_v1(kind.value, field, dict(line)) if self.version == "1.0" else line
        return _dump({field: [body]})


def _xml_list(documents: list[bytes], wrapper: str) -> bytes:
    """Several rendered messages under one wrapper element (``<Constraints>``), as the OpenAPI names it."""
    root = etree.Element(wrapper)
    for document in documents:
        root.append(etree.fromstring(document))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _dump(data: Any) -> bytes:
    """JSON bytes of an answer: orjson (several times faster), stdlib for what it refuses (integers
    beyond 64 bits, which the SETU schemas allow)."""
    try:
        return orjson.dumps(data)
    except orjson.JSONEncodeError:
        return json.dumps(data, ensure_ascii=False).encode("utf-8", "backslashreplace")
