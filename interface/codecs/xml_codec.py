"""SETU Planning XML <-> the library's dict (the v2.0 JSON shape), both versions.

How the XML maps (read from the official XSDs, see ``xml_tables``):

* every element is qualified: v1.0 namespace ``https://ontology.setu.nl/planning#``,
  v2.0 ``https://ontology.setu.nl/messages``. The v1.0 Schematron's paths with
  an unqualified ``singleAvailabilityLine``/``singlePlanningLine`` are slips in
  the Schematron (they match nothing in an XSD-valid document); unqualified or
  foreign-namespace elements are refused here.
* no attributes: identifiers are child elements (``<lineId><value>..</value>
  <schemeAgencyId>..</schemeAgencyId></lineId>``), exactly the JSON objects.
* a JSON array is the element repeated; rendering follows xs:sequence order,
  so output validates against the XSD.
* xs:boolean/xs:integer/xs:decimal become JSON booleans/ints/numbers; other
  text (dates and times too) stays a string as received (XML ``08:00:00``,
  JSON ``08:00:00Z``: both are kept verbatim).
* v2.0 XML ``costAllocationRef`` is v2.0 JSON ``costAllocation``.
* A line document (POST/PUT of one line) has the line element itself as root,
  ``<periodicPlanningLine xmlns="...">``. The XSDs declare lines only inside
  the message, so there is no official line root; as a tolerance (mirroring
  the JSON line wrapper ``{"periodicPlanningLine": [line]}``) the parser also
  accepts the message root holding exactly one line and nothing else.

Parsing never loads a DTD: any DOCTYPE, entity declaration or external
reference is refused (defusedxml, ``forbid_dtd``). Documents are read as
UTF-8 only (a declaration naming another encoding, or UTF-16/32 bytes, are
refused), elements may nest at most ``MAX_XML_DEPTH`` deep (checked while
parsing, so no step after it can recurse without bound), and comments,
processing instructions and CDATA sections are read as XML says (comments
and PIs dropped, CDATA as text). The codec checks
well-formedness, names, namespaces, cardinality and simple types; required
elements and enumerations are left to the JSON Schema/model validation that
runs on the resulting dict anyway.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException
from lxml import etree

from setu_planning.domain.common import NOT_XML_CHARACTER

from . import versions
from .xml_tables import NAMESPACES, TREES

VERSIONS = tuple(NAMESPACES)
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}
_NOT_XML = NOT_XML_CHARACTER  # characters XML 1.0 cannot carry at all

MAX_XML_DEPTH = 32
"""Deepest element nesting accepted; the deepest SETU element (v1.0 competencyIds/item/value) is 9 deep."""

_UTF16_OR_32_BOMS = (b"\xff\xfe", b"\xfe\xff")  # also the start of the UTF-32 marks
_SPACE = rb"[ \t\r\n]"
_DECLARED_ENCODING = re.compile(
    rb"(?:\xef\xbb\xbf)?<\?xml"
    + _SPACE
    + rb"+version"
    + _SPACE
    + rb"*="
    + _SPACE
    + rb"*(?:\"[^\"]*\"|'[^']*')"
    + _SPACE
    + rb"+encoding"
    + _SPACE
    + rb"*="
    + _SPACE
    + rb"*(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)')"
)


class XmlInvalid(Exception):
    """The XML body cannot be read as the expected SETU message.

    ``element`` is a slash path into the message (JSON names, array indices,
    v1.0 paths keep ``item``), empty for the document as a whole; ``reason``
    says what is wrong.
    """

    def __init__(self, element: str, reason: str):
        self.element = element
        self.reason = reason
        super().__init__(f"{element or '(document)'}: {reason}")


class XmlRenderError(ValueError):
    """A dict cannot be written as the SETU XML (a programming error upstream)."""

    def __init__(self, element: str, reason: str):
        self.element = element
        self.reason = reason
        super().__init__(f"{element or '(document)'}: {reason}")


def _check(message_name: str, version: str) -> None:
    if (version, message_name) not in TREES:
        if version not in NAMESPACES:
            raise ValueError(f"unsupported SETU version {version!r}; expected one of {', '.join(VERSIONS)}")
        raise ValueError(f"unknown SETU Planning message {message_name!r}")


def _line_node(message_name: str, line_field: str, version: str) -> tuple:
    _check(message_name, version)
    versions.check_line(message_name, line_field)
    for node in TREES[(version, message_name)]:
        if node[0] == line_field:
            return node
    raise ValueError(f"{message_name} v{version} has no element {line_field!r}")  # pragma: no cover


def _split(tag: str) -> tuple[str | None, str]:
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return None, tag


def _join(path: str, name: str) -> str:
    return f"{path}/{name}" if path else name


# --- parsing ----------------------------------------------------------------


def _shown(text: str, limit: int = 60) -> str:
    """``text`` quoted for an error message, cut short: hostile input can be a megabyte long."""
    return repr(text if len(text) <= limit else text[:limit] + "…")


def _check_encoding(body: bytes) -> None:
    """SETU XML is read as UTF-8 only: refuse UTF-16/32 bytes and a declaration naming another encoding.

    Accepting only UTF-8 means a Content-Type charset (which must be utf-8,
    see ``wire.check_charset``) can never contradict the document, and a
    declaration such as ``encoding="UTF-16"`` over UTF-8 bytes (a .NET
    StringWriter habit) gets a clear answer.
    """
    if body.startswith(_UTF16_OR_32_BOMS) or b"\x00" in body:
        raise XmlInvalid(
            "",
            "the document is not UTF-8 (a UTF-16 or UTF-32 byte order mark or NUL bytes): SETU XML is accepted in UTF-8 only",
        )
    declared = _DECLARED_ENCODING.match(body)
    if declared:
        encoding = (declared["dq"] if declared["dq"] is not None else declared["sq"]).decode("ascii", "replace")
        if encoding.strip().lower() != "utf-8":
            raise XmlInvalid(
                "", f"the XML declaration names encoding {_shown(encoding)}: SETU XML is accepted in UTF-8 only"
            )


class _DepthLimitedBuilder(TreeBuilder):
    """A TreeBuilder that refuses elements nested deeper than MAX_XML_DEPTH, as they open."""

    def __init__(self) -> None:
        super().__init__()
        self._depth = 0

    def start(self, tag: str, attrs: dict) -> Element:
        self._depth += 1
        if self._depth > MAX_XML_DEPTH:
            raise XmlInvalid("", f"elements nest more than {MAX_XML_DEPTH} deep; no SETU message does")
        return super().start(tag, attrs)

    def end(self, tag: str) -> Element:
        self._depth -= 1
        return super().end(tag)


def _parse_document(body: bytes | str) -> Element:
    if isinstance(body, str):
        body = body.encode("utf-8")
    if not body or not body.strip():
        raise XmlInvalid("", "empty body: expected an XML document")
    _check_encoding(body)
    # encoding="utf-8" overrides whatever the document declares; _check_encoding made them agree.
    parser = safe_et.DefusedXMLParser(
        target=_DepthLimitedBuilder(), encoding="utf-8", forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    try:
        parser.feed(body)
        return parser.close()
    except DefusedXmlException as exc:
        raise XmlInvalid(
            "", f"DTDs, entity declarations and external references are not allowed ({type(exc).__name__})"
        ) from exc
    except ParseError as exc:
        raise XmlInvalid("", f"not well-formed XML: {exc}") from exc
    except LookupError as exc:  # an encoding Python does not know; _check_encoding should have refused it
        raise XmlInvalid("", f"unknown encoding: {exc}") from exc


def _describe_namespace(namespace: str | None) -> str:
    if namespace is None:
        return "no namespace"
    for version, uri in NAMESPACES.items():
        if uri == namespace:
            return f"namespace {namespace} (SETU {version})"
    return f"namespace {namespace}"


def _expect(elem: Element, path: str, namespace: str, allowed: tuple[str, ...]) -> str:
    """Check an element's namespace and name; return its local name."""
    ns, local = _split(elem.tag)
    if ns != namespace:
        raise XmlInvalid(
            path or local,
            f"element '{local}' is in {_describe_namespace(ns)}, expected namespace {namespace}",
        )
    if local not in allowed:
        raise XmlInvalid(path or local, f"unexpected element '{local}', expected {' or '.join(allowed)}")
    return local


def _check_attributes(elem: Element, path: str) -> None:
    for name in elem.attrib:
        if _split(name)[0] != _XSI:  # xsi:schemaLocation and friends are harmless
            raise XmlInvalid(path, f"attribute '{_split(name)[1]}' is not allowed (SETU XML has no attributes)")


def _complex(elem: Element, nodes: tuple, path: str, namespace: str) -> dict:
    _check_attributes(elem, path)
    local = _split(elem.tag)[1]
    if elem.text and elem.text.strip():
        raise XmlInvalid(path or local, f"element '{local}' holds text, but only child elements are allowed")
    by_name = {node[0]: node for node in nodes}
    out: dict[str, Any] = {}
    for child in elem:
        if not isinstance(child.tag, str):  # pragma: no cover - comments/PIs are dropped by the parser
            continue
        ns, name = _split(child.tag)
        node = by_name.get(name)
        json_name = node[1] if node else name
        child_path = _join(path, json_name)
        if node is not None and node[3]:
            child_path = f"{child_path}/{len(out.get(json_name, []))}"
        if ns != namespace:
            raise XmlInvalid(
                child_path, f"element '{name}' is in {_describe_namespace(ns)}, expected namespace {namespace}"
            )
        if node is None:
            expected = ", ".join(n[0] for n in nodes)
            raise XmlInvalid(child_path, f"unknown element '{name}' in '{local}'; expected one of: {expected}")
        if child.tail and child.tail.strip():
            raise XmlInvalid(path or local, f"element '{local}' holds text, but only child elements are allowed")
        content = node[4]
        value = (
            _leaf(child, content, child_path)
            if isinstance(content, str)
            else _complex(child, content, child_path, namespace)
        )
        if node[3]:
            out.setdefault(json_name, []).append(value)
        elif json_name in out:
            raise XmlInvalid(child_path, f"element '{name}' may occur only once in '{local}'")
        else:
            out[json_name] = value
    return out


def _leaf(elem: Element, kind: str, path: str) -> Any:
    _check_attributes(elem, path)
    name = _split(elem.tag)[1]
    if len(elem):
        raise XmlInvalid(path, f"element '{name}' must hold text only, found child element '{_split(elem[0].tag)[1]}'")
    text = elem.text or ""
    if kind == "string":
        return text
    token = text.strip()
    if kind == "boolean":
        if token not in _BOOLEANS:
            raise XmlInvalid(path, f"element '{name}' must be a boolean (true/false), got {_shown(token)}")
        return _BOOLEANS[token]
    if kind == "integer":
        if not _INTEGER.fullmatch(token):
            raise XmlInvalid(path, f"element '{name}' must be an integer, got {_shown(token)}")
        return _int(token, name, path)
    if kind == "decimal":
        if not _DECIMAL.fullmatch(token):
            raise XmlInvalid(path, f"element '{name}' must be a decimal number, got {_shown(token)}")
        return _int(token, name, path) if "." not in token else float(token)
    return token  # date, time, dateTime: whitespace-collapsed text, kept as received


_MAX_INTEGER_DIGITS = 4300  # Python's own limit on int() of a text (sys.get_int_max_str_digits)


def _int(token: str, name: str, path: str) -> int:
    if len(token.lstrip("+-")) > _MAX_INTEGER_DIGITS:
        raise XmlInvalid(path, f"element '{name}' holds a number of more than {_MAX_INTEGER_DIGITS:,} digits")
    return int(token)


def parse_xml(body: bytes, message_name: str, version: str) -> dict:
    """A SETU XML message of ``version`` as the v2.0 JSON-shaped dict.

    Raises XmlInvalid for anything that is not that message in that version's
    namespace (including DTDs and entities, which are never processed).
    """
    _check(message_name, version)
    root = _parse_document(body)
    namespace = NAMESPACES[version]
    _expect(root, "", namespace, (message_name,))
    data = _complex(root, TREES[(version, message_name)], "", namespace)
    return versions.v1_to_v2(message_name, data) if version == "1.0" else data


def parse_line_xml(body: bytes, message_name: str, line_field: str, version: str) -> dict:
    """One line (root ``<line_field>``) of ``version`` as a v2.0 line dict.

    Also accepts the message root holding exactly that one line (tolerance,
    like the JSON line wrapper).
    """
    node = _line_node(message_name, line_field, version)
    root = _parse_document(body)
    namespace = NAMESPACES[version]
    if _expect(root, "", namespace, (line_field, message_name)) == message_name:
        _check_attributes(root, "")
        children = list(root)
        if len(children) != 1 or (root.text and root.text.strip()):
            raise XmlInvalid(
                message_name, f"a line document wrapped in '{message_name}' must hold exactly one '{line_field}'"
            )
        root = children[0]
        _expect(root, line_field, namespace, (line_field,))
    line = _complex(root, node[4], line_field, namespace)
    return versions.line_v1_to_v2(message_name, line_field, line) if version == "1.0" else line


# --- rendering --------------------------------------------------------------


def _text(value: Any, kind: str, path: str) -> str:
    if kind == "boolean":
        if not isinstance(value, bool):
            raise XmlRenderError(path, f"expected a boolean, got {value!r}")
        return "true" if value else "false"
    if kind == "integer":
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # JSON Schema 2020-12 counts 2.0 as an integer; xs:integer writes 2
        if isinstance(value, bool) or not isinstance(value, int):
            raise XmlRenderError(path, f"expected an integer, got {value!r}")
        return str(value)
    if kind == "decimal":
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            raise XmlRenderError(path, f"expected a number, got {value!r}")
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float) and not math.isfinite(value):
            raise XmlRenderError(path, f"expected a finite number, got {value!r}")
        text = format(Decimal(repr(value)) if isinstance(value, float) else value, "f")
        return text
    if not isinstance(value, str):
        raise XmlRenderError(path, f"expected a string, got {value!r}")
    if _NOT_XML.search(value):
        raise XmlRenderError(path, "text holds characters XML 1.0 cannot carry")
    return value


def _fill(parent: etree._Element, data: Any, nodes: tuple, path: str, namespace: str) -> None:
    if not isinstance(data, dict):
        raise XmlRenderError(path, f"expected an object, got {type(data).__name__}")
    known = {node[1] for node in nodes}
    unknown = [key for key, value in data.items() if key not in known and value is not None]
    if unknown:
        raise XmlRenderError(_join(path, unknown[0]), f"'{unknown[0]}' is not an element here")
    for xml_name, json_name, _required, repeated, content in nodes:
        value = data.get(json_name)
        if value is None:
            continue
        child_path = _join(path, json_name)
        if repeated:
            if not isinstance(value, list):
                raise XmlRenderError(child_path, f"expected an array, got {type(value).__name__}")
            items = [(f"{child_path}/{i}", item) for i, item in enumerate(value)]
        else:
            items = [(child_path, value)]
        for item_path, item in items:
            child = etree.SubElement(parent, f"{{{namespace}}}{xml_name}")
            if isinstance(content, str):
                child.text = _text(item, content, item_path)
            else:
                _fill(child, item, content, item_path, namespace)


def _serialize(root: etree._Element, pretty: bool) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=pretty)


def render_xml(data: dict, message_name: str, version: str, *, pretty: bool = False) -> bytes:
    """The v2.0-shaped ``data`` as SETU XML of ``version`` (elements in XSD order).

    For v1.0 the dict goes through ``versions.v2_to_v1`` first (address fields
    folded, see there). ``None`` values are treated as absent.
    """
    _check(message_name, version)
    if version == "1.0":
        data = versions.v2_to_v1(message_name, data)
    namespace = NAMESPACES[version]
    root = etree.Element(f"{{{namespace}}}{message_name}", nsmap={None: namespace})
    _fill(root, data, TREES[(version, message_name)], "", namespace)
    return _serialize(root, pretty)


def render_line_xml(line: dict, message_name: str, line_field: str, version: str, *, pretty: bool = False) -> bytes:
    """One v2.0 line dict as a line document of ``version``: root ``<line_field>``."""
    node = _line_node(message_name, line_field, version)
    if version == "1.0":
        line = versions.line_v2_to_v1(message_name, line_field, line)
    namespace = NAMESPACES[version]
    root = etree.Element(f"{{{namespace}}}{line_field}", nsmap={None: namespace})
    _fill(root, line, node[4], line_field, namespace)
    return _serialize(root, pretty)


def render_error_xml(code: str, description: str) -> bytes:
    """``<error><code>..</code><description>..</description></error>`` (no namespace).

    Characters XML cannot carry (the description may echo a bad request) are
    replaced by U+FFFD instead of failing the error response itself.
    """
    root = etree.Element("error")
    etree.SubElement(root, "code").text = _NOT_XML.sub("\ufffd", str(code))
    etree.SubElement(root, "description").text = _NOT_XML.sub("\ufffd", str(description))
    return _serialize(root, False)
