"""``setu-planning validate``: offline validation of SETU Planning message files, as Semantic Treehouse does online.

A file (or stdin) holds one message in JSON or XML, SETU 1.0 or 2.0; its kind
and version are read from the message itself (the XML root and namespace; the
JSON's elements and v1.0's ``item`` wrappers) unless ``--kind``/``--version``
say them. It is checked by the same codecs and models the server uses: the
XML against the structure of the official XSD, the message against the SETU
JSON Schema and then the business rules (``BR-282`` … ``BR-295`` of the
Schematron, and this project's ``SETU-*`` rules, docs/business-rules.md).
One line per violation: ``FILE: element: reason [rule]``.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from setu_planning.domain.errors import MessageInvalid, SetuError, Violation
from setu_planning.domain.messages import MessageKind, validate_message
from setu_planning.interface import versions, wire
from setu_planning.interface.xml_tables import NAMESPACES

KIND_NAMES = {
    **{kind.value: kind for kind in MessageKind},
    "request": MessageKind.REQUEST,
    "requests": MessageKind.REQUEST,
    "assignment": MessageKind.ASSIGNMENT,
    "assignments": MessageKind.ASSIGNMENT,
    "constraints": MessageKind.CONSTRAINTS,
}
_V1_WRAPPED = (
    ("positionProfile", "positionLocation"),
    ("positionProfile", "positionOrganizations"),
    ("positionProfile", "workingPeriods"),
    ("positionProfile", "positionQualifications"),
    ("positionProfile", "costAllocationRef"),
    ("assignedWorker", "workAssignments"),
    ("worker", "workAssignments"),
)
_V2_ONLY = (("positionProfile", "costAllocation"),)


@dataclass
class Verdict:
    """What one file is and what is wrong with it."""

    file: str
    kind: str | None = None
    version: str | None = None
    format: str | None = None
    violations: list[Violation] = field(default_factory=list)
    more: int = 0
    note: str = ""

    @property
    def valid(self) -> bool:
        return not self.violations

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "kind": self.kind,
            "version": self.version,
            "format": self.format,
            "valid": self.valid,
            "violations": [vars(v) for v in self.violations],
            "moreViolations": self.more,
        }


class NotAMessage(Exception):
    """The file says neither what it is nor in which format."""


def detect_format(body: bytes) -> str:
    first = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if first == b"{":
        return wire.JSON
    if first == b"<":
        return wire.XML
    raise NotAMessage("neither JSON (an object) nor XML")


def detect_xml(body: bytes) -> tuple[MessageKind | None, str | None]:
    """Kind and version from the root element and its namespace (without reading the rest)."""
    try:
        for _, element in etree.iterparse(
            io.BytesIO(body), events=("start",), resolve_entities=False, no_network=True, load_dtd=False
        ):
            name = etree.QName(element)
            kind = MessageKind(name.localname) if name.localname in {k.value for k in MessageKind} else None
            version = next((v for v, ns in NAMESPACES.items() if ns == name.namespace), None)
            return kind, version
    except etree.XMLSyntaxError:
        return None, None
    return None, None


def detect_json(data: Any) -> tuple[MessageKind | None, str | None]:
    """Kind from the elements only one message has; version from v1.0's ``item`` wrappers (else 2.0)."""
    if not isinstance(data, dict):
        return None, None
    if "assignedWorker" in data or "planningRequestReference" in data:
        kind = MessageKind.ASSIGNMENT
    elif "worker" in data or "periodicAvailabilityLine" in data or "singleAvailabilityLine" in data:
        kind = MessageKind.CONSTRAINTS
    elif "positionProfile" in data or "periodicPlanningLine" in data or "singlePlanningLine" in data:
        kind = MessageKind.REQUEST
    else:
        kind = None
    version = "2.0"
    for keys in _V1_WRAPPED:
        holder = data
        for key in keys:
            holder = holder.get(key) if isinstance(holder, dict) else None
        if isinstance(holder, dict) and "item" in holder:
            version = "1.0"
    return kind, version


def _v1_shape(kind: MessageKind, data: dict) -> list[Violation]:
    """A v1.0 message must have v1.0's shape: what v2.0 writes differently is named."""
    found = []
    for keys in _V2_ONLY:
        holder = data
        for key in keys[:-1]:
            holder = holder.get(key) if isinstance(holder, dict) else None
        if isinstance(holder, dict) and keys[-1] in holder:
            found.append(Violation("/".join(keys), "schema:additionalProperties", "a SETU 2.0 element, not in 1.0"))
    if versions.v2_to_v1(kind.value, versions.v1_to_v2(kind.value, data)) != data:
        for keys in _V1_WRAPPED:
            holder = data
            for key in keys:
                holder = holder.get(key) if isinstance(holder, dict) else None
            if holder is not None and not (isinstance(holder, dict) and set(holder) == {"item"}):
                found.append(
                    Violation("/".join(keys), "schema:required", "SETU 1.0 wraps this element in item (2.0 does not)")
                )
    return found


def validate_bytes(body: bytes, name: str, kind: MessageKind | None = None, version: str | None = None) -> Verdict:
    """Validate one message file's content; never raises for what the file holds."""
    verdict = Verdict(name)
    try:
        fmt = detect_format(body)
    except NotAMessage as error:
        verdict.violations.append(Violation("", "syntax", f"the file is {error}"))
        return verdict
    verdict.format = "json" if fmt == wire.JSON else "xml"
    data: Any = None
    if fmt == wire.XML:
        found_kind, found_version = detect_xml(body)
    else:
        try:
            data = json.loads(body.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as error:
            verdict.violations.append(Violation("", "syntax", f"the file is not well-formed JSON: {error}"))
            return verdict
        found_kind, found_version = detect_json(data)
    kind, version = kind or found_kind, version or found_version
    verdict.kind, verdict.version = (kind.value if kind else None), version
    if kind is None or version is None:
        what = "kind" if kind is None else "version"
        verdict.violations.append(Violation("", "detect", f"the {what} of the message cannot be told: give --{what}"))
        return verdict
    if fmt == wire.JSON and version == "1.0" and isinstance(data, dict):
        verdict.violations += _v1_shape(kind, data)
    try:
        validate_message(kind, wire.decode_message(body, fmt, kind, version))
    except MessageInvalid as error:
        verdict.violations += error.violations
        verdict.more = error.more_violations
    except SetuError as error:
        verdict.violations.append(Violation("", "syntax", error.description))
    return verdict


def validate_file(path: str, kind: MessageKind | None = None, version: str | None = None) -> Verdict:
    body = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    return validate_bytes(body, "<stdin>" if path == "-" else path, kind, version)


def add_validate_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("validate", help="validate SETU Planning message files offline (schema and rules)")
    parser.add_argument("files", nargs="+", metavar="FILE", help="message files (JSON or XML); - reads stdin")
    parser.add_argument("--kind", choices=sorted(KIND_NAMES), help="the message kind (default: read from the file)")
    parser.add_argument("--version", choices=wire.SUPPORTED_VERSIONS, help="the SETU version (default: from the file)")
    parser.add_argument("--json", action="store_true", help="one JSON document with a verdict per file")


def run_validate(args: argparse.Namespace) -> int:
    """Exit 0 when every file is valid, 1 when one is not, 2 when one cannot be read."""
    kind = KIND_NAMES[args.kind] if args.kind else None
    verdicts = []
    for path in args.files:
        try:
            verdicts.append(validate_file(path, kind, args.version))
        except OSError as error:
            print(f"setu-planning validate: cannot read {path}: {error.strerror}", file=sys.stderr)
            return 2
    if args.json:
        print(json.dumps([v.as_dict() for v in verdicts], indent=2, ensure_ascii=False))
    else:
        for verdict in verdicts:
            what = " ".join(p for p in (verdict.kind, verdict.version, verdict.format) if p)
            if verdict.valid:
                print(f"{verdict.file}: valid {what}")
            for violation in verdict.violations:
                print(f"{verdict.file}: {violation}")
            if verdict.more:
                print(f"{verdict.file}: … and {verdict.more} more violations")
    return 0 if all(v.valid for v in verdicts) else 1
