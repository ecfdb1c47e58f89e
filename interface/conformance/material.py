"""The messages a run sends: the official examples, re-labelled with the run's own documentIds.

The kit sends the official SETU examples (read where the SETU material lies,
never copied), so a server is judged on the standard's own messages. Every
documentId gets the run's prefix, so what a run creates is recognisable, and
new line ids carry it too.
"""

from __future__ import annotations

import copy
import json
import secrets
from pathlib import Path
from typing import Any

from lxml import etree

from setu_planning.domain.messages import LineKind, line_field
from setu_planning.interface import wire

from .probe import KIND_OF

EXTENSIONS = {"json": "json", "xml": "xml"}


class MaterialMissing(Exception):
    """The official SETU material is not where the run was told to find it."""


def run_prefix() -> str:
    """A documentId prefix of this run alone."""
    return f"setu-conformance-{secrets.token_hex(4)}"


def example_path(spec_dir: Path, kind: str, version: str, fmt: str) -> Path:
    message = KIND_OF[kind].value
    return spec_dir / f"v{version}" / message / f"{message}_Example_v{version}.{EXTENSIONS[fmt]}"


class Material:
    """The examples of one version and format, relabelled for one run."""

    def __init__(self, spec_dir: Path, version: str, fmt: str, prefix: str):
        self.spec_dir, self.version, self.format, self.prefix = spec_dir, version, fmt, prefix
        for kind in KIND_OF:
            path = example_path(spec_dir, kind, version, fmt)
            if not path.is_file():
                raise MaterialMissing(f"official example not found: {path}")

    def document_id(self, kind: str, suffix: str = "") -> str:
        return f"{self.prefix}-{kind}{('-' + suffix) if suffix else ''}"

    def example_bytes(self, kind: str) -> bytes:
        """The official example file as it is, but for its documentId value."""
        raw = example_path(self.spec_dir, kind, self.version, self.format).read_bytes()
        value = self.document_id(kind)
        if self.format == "json":
            data = json.loads(raw)
            data["documentId"]["value"] = value
            return json.dumps(data, indent=2, ensure_ascii=False).encode()
        root = etree.fromstring(raw, etree.XMLParser(resolve_entities=False, no_network=True))
        namespace = etree.QName(root).namespace
        found = root.find(f"{{{namespace}}}documentId/{{{namespace}}}value")
        if found is None:
            raise MaterialMissing(f"the official {kind} example has no documentId/value")
        found.text = value
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    def message(self, kind: str, suffix: str = "") -> dict[str, Any]:
        """The example in the 2.0 shape (as the codecs read it), with the run's documentId."""
        media = wire.JSON if self.format == "json" else wire.XML
        message = wire.decode_message(self.example_bytes(kind), media, KIND_OF[kind], self.version)
        message["documentId"]["value"] = self.document_id(kind, suffix)
        return message

    def new_line(self, kind: str, line_kind: LineKind, message: dict[str, Any]) -> dict[str, Any]:
        """A line to add: the example's first line of that kind under a new line id of the run."""
        field = line_field(KIND_OF[kind], line_kind)
        lines = message.get(field) or []
        if lines:
            line = copy.deepcopy(lines[0])
        else:  # not in every example: a plain line of its own
            line = _plain_line(kind, line_kind)
        line["lineId"] = {**line.get("lineId", {}), "value": f"{self.prefix}-{line_kind.value}"}
        if line_kind is LineKind.SINGLE:  # stands alone: no reference to a periodic line
            for key in ("singlePlanningType", "singleAvailabilityType"):
                if key in line:
                    line[key] = "Occasional"
            line.pop("periodicPlanningLineReference", None)
            line.pop("periodicAvailabilityLineReference", None)
        return line


def _plain_line(kind: str, line_kind: LineKind) -> dict[str, Any]:
    if kind == "constraints":
        if line_kind is LineKind.PERIODIC:
            return {
                "lineId": {"value": "", "schemeAgencyId": "Supplier"},
                "availabilityStatus": "Available",
                "availabilityPeriod": "Tuesday",
                "startTime": "08:00:00Z",
                "endTime": "16:00:00Z",
            }
        return {
            "lineId": {"value": "", "schemeAgencyId": "Supplier"},
            "singleAvailabilityType": "Occasional",
            "availabilityStatus": "Available",
            "startDateTime": "2026-01-10T08:00:00+01:00",
            "endDateTime": "2026-01-10T16:00:00+01:00",
        }
    quantity = {"positionQuantity": 1} if kind == "requests" else {}
    if line_kind is LineKind.PERIODIC:
        return {
            "lineId": {"value": "", "schemeAgencyId": "Customer"},
            "planningPeriod": "Tuesday",
            "startTime": "08:00:00Z",
            "endTime": "16:00:00Z",
            **quantity,
        }
    return {
        "lineId": {"value": "", "schemeAgencyId": "Customer"},
        "singlePlanningType": "Occasional",
        "startDateTime": "2026-01-10T08:00:00+01:00",
        "endDateTime": "2026-01-10T16:00:00+01:00",
        **quantity,
    }


def with_unknown_element(body: bytes, fmt: str) -> bytes:
    """A message body holding one element no SETU schema has."""
    if fmt == "json":
        data = json.loads(body)
        data["conformanceUnknownElement"] = "not in the standard"
        return json.dumps(data).encode()
    root = etree.fromstring(body)
    extra = etree.SubElement(root, f"{{{etree.QName(root).namespace}}}conformanceUnknownElement")
    extra.text = "not in the standard"
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def malformed(fmt: str) -> bytes:
    """A body that is not well-formed: cut off in the middle."""
    return b'{"documentId": {"value": ' if fmt == "json" else b"<?xml version='1.0'?><PlanningRequest><documentId>"
