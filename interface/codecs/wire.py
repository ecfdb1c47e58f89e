"""Bodies on the wire: JSON or XML, SETU 1.0 or 2.0, to and from the domain's 2.0 shape.

Everything version- or format-specific happens here, at the edge, so the
application only ever sees SETU 2.0 JSON dicts. Messages, lines and lists of
messages are read and written here, in both directions, for our server and
for the client alike.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element, ParseError, tostring

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException
from lxml import etree

from setu_planning.domain.errors import MessageInvalid, SetuError, Violation
from setu_planning.domain.messages import LineKind, MessageKind, line_field

from . import versions, xml_codec
from .json_codec import dump_json, read_json
from .media import JSON, XML


def _xml_error(error: xml_codec.XmlInvalid) -> MessageInvalid:
    return MessageInvalid([Violation(error.element or "", "xml", error.reason)])


def decode_message(body: bytes, fmt: str, kind: MessageKind, version: str) -> dict[str, Any]:
    """A whole message from the wire, in the 2.0 shape."""
    if fmt == XML:
        try:
            return xml_codec.parse_xml(body, kind.value, version)
        except xml_codec.XmlInvalid as error:
            raise _xml_error(error) from None
    data = read_json(body)
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
    data = read_json(body)
    if not isinstance(data, dict):
        raise MessageInvalid([Violation("", "schema:type", "a SETU line is a JSON object")])
    wrappers = {line_field(kind, k): k for k in LineKind}
    wrapped = [key for key in data if key in wrappers]
    if wrapped:
        if len(data) != 1:
            raise MessageInvalid([Violation("", "schema:maxProperties", f"a line wrapper holds only {wrapped[0]}")])
        field = wrapped[0]
        found = wrappers[field]
        if found not in kinds:
            raise MessageInvalid([Violation(field, "schema:type", f"this endpoint takes a {kinds[0].value} line")])
        lines = data[field]
        if not isinstance(lines, list) or len(lines) != 1 or not isinstance(lines[0], dict):
            raise MessageInvalid([Violation(field, "schema:maxItems", f"{field} must hold exactly one line object")])
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
            return candidate, xml_codec.parse_line_xml(body, kind.value, line_field(kind, candidate), version)
        except xml_codec.XmlInvalid as error:
            failure = failure or error
    assert failure is not None
    raise _xml_error(failure)


def local_name(tag: object) -> str:
    """An element's name without its namespace (``""`` for comments and processing instructions)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


UNDECODABLE_LIST = (SetuError, ValueError, ParseError, DefusedXmlException)
"""What :func:`decode_messages` raises for a body that is not a list of messages."""


def decode_messages(body: bytes, fmt: str, kind: MessageKind, version: str) -> list[dict[str, Any]]:
    """A list answer: a JSON array, or an XML wrapper (``<Constraints>``, ``<Assignments>``) of messages.

    A single message where a list was expected is read as a list of one, and
    an empty body as an empty list: conforming servers differ there.
    """
    if not body.strip():
        return []
    if fmt == JSON:
        items = json.loads(body)
        if not isinstance(items, list):
            raise ValueError("a list answer is a JSON array")
        documents = [json.dumps(item).encode() for item in items]
    else:
        root: Element = safe_et.fromstring(body, forbid_dtd=True)
        elements = [root] if local_name(root.tag) == kind.value else list(root)
        documents = [tostring(element, encoding="utf-8") for element in elements]
    return [decode_message(document, fmt, kind, version) for document in documents]


@dataclass(frozen=True)
class Encoder:
    """How one response is written: its media type and SETU version."""

    fmt: str
    version: str

    def message(self, kind: MessageKind, data: Mapping[str, Any]) -> bytes:
        if self.fmt == XML:
            return xml_codec.render_xml(dict(data), kind.value, self.version)
        body = versions.v2_to_v1(kind.value, dict(data)) if self.version == "1.0" else data
        return dump_json(body)

    def messages(self, kind: MessageKind, items: list[Mapping[str, Any]], wrapper: str) -> bytes:
        """A list answer: a JSON array, or the messages under ``wrapper`` (read by :func:`decode_messages`)."""
        if self.fmt == XML:
            return _xml_list(
                [xml_codec.render_xml(dict(item), kind.value, self.version) for item in items],
                wrapper,
            )
        if self.version == "1.0":
            return dump_json([versions.v2_to_v1(kind.value, dict(item)) for item in items])
        return dump_json(list(items))

    def line(self, kind: MessageKind, line_kind: LineKind, line: Mapping[str, Any]) -> bytes:
        """A line in the official line form: ``{"periodicPlanningLine": [line]}``."""
        field = line_field(kind, line_kind)
        if self.fmt == XML:
            return xml_codec.render_line_xml(dict(line), kind.value, field, self.version)
        body = versions.line_v2_to_v1(kind.value, field, dict(line)) if self.version == "1.0" else line
        return dump_json({field: [body]})


def _xml_list(documents: list[bytes], wrapper: str) -> bytes:
    """Several rendered messages under one wrapper element (``<Constraints>``), as the OpenAPI names it."""
    root = etree.Element(wrapper)
    for document in documents:
        root.append(etree.fromstring(document))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
