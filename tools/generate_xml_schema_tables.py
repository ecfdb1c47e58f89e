#!/usr/bin/env python3
"""Generate ``interface/codecs/xml_tables.py`` from the official SETU Planning XSDs.

Why: the XML codec needs each element's sequence order, cardinality and simple
type, but the official XSDs are not ours to ship. This script reads them (from
``SETU_SPEC_DIR``, default ``../shared/setu-spec``) once and writes that
structural knowledge as a plain Python data module, which is committed.

It also cross-checks every generated tree against the official JSON Schema of
the same message version (property names, arrays, required, types), so a
disagreement between the XSD and the JSON Schema fails here rather than in
production. The only known disagreement is a name: v2.0 XML says
``costAllocationRef`` where v2.0 JSON says ``costAllocation`` (see JSON_NAMES).

Usage::

    python tools/generate_xml_schema_tables.py            # rewrite the module
    python tools/generate_xml_schema_tables.py --check    # exit 1 when stale
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import yaml
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "interface" / "codecs" / "xml_tables.py"
XS = "{http://www.w3.org/2001/XMLSchema}"
MESSAGES = ("PlanningRequest", "PlanningAssignment", "PlanningConstraints")
VERSIONS = ("1.0", "2.0")

# XML element name -> JSON property name, where they differ (per version).
JSON_NAMES = {"2.0": {"costAllocationRef": "costAllocation"}}

# XSD simple type -> (JSON Schema type, JSON Schema format or None)
SIMPLE_TYPES = {
    "xs:string": ("string", None),
    "xs:boolean": ("boolean", None),
    "xs:integer": ("integer", None),
    "xs:decimal": ("number", None),
    "xs:date": ("string", "date"),
    "xs:time": ("string", "time"),
    "xs:dateTime": ("string", "date-time"),
}


def spec_dir() -> Path:
    configured = os.environ.get("SETU_SPEC_DIR")
    return Path(configured) if configured else ROOT.parent / "shared" / "setu-spec"


def _simple_type(el: etree._Element) -> str:
    name = el.get("type")
    if name is None:
        restriction = el.find(f"{XS}simpleType/{XS}restriction")
        if restriction is None:
            raise SystemExit(f"element {el.get('name')}: neither type= nor simpleType/restriction")
        name = restriction.get("base")
    if name not in SIMPLE_TYPES:
        raise SystemExit(f"element {el.get('name')}: unsupported simple type {name}")
    return name[3:]


def _node(el: etree._Element, version: str) -> tuple:
    """(xml name, json name, required, repeated, content) of one xs:element."""
    name = el.get("name")
    if name is None or el.get("ref") is not None:
        raise SystemExit("only named local elements are supported (no ref=)")
    required = el.get("minOccurs", "1") != "0"
    repeated = el.get("maxOccurs", "1") != "1"
    json_name = JSON_NAMES.get(version, {}).get(name, name)
    complex_type = el.find(f"{XS}complexType")
    if complex_type is None:
        return (name, json_name, required, repeated, _simple_type(el))
    unsupported = [c.tag for c in complex_type if c.tag not in (f"{XS}sequence", f"{XS}annotation")]
    if unsupported:
        raise SystemExit(f"element {name}: unsupported content model {unsupported}")
    sequence = complex_type.find(f"{XS}sequence")
    children = tuple(
        _node(child, version) for child in (sequence if sequence is not None else ()) if child.tag == f"{XS}element"
    )
    if sequence is not None and any(c.tag not in (f"{XS}element", f"{XS}annotation") for c in sequence):
        raise SystemExit(f"element {name}: sequence holds more than elements")
    return (name, json_name, required, repeated, children)


def read_xsd(path: Path, version: str) -> tuple[str, tuple]:
    schema = etree.parse(str(path)).getroot()
    if schema.get("elementFormDefault") != "qualified":
        raise SystemExit(f"{path}: expected elementFormDefault='qualified'")
    globals_ = schema.findall(f"{XS}element")
    if len(globals_) != 1:
        raise SystemExit(f"{path}: expected one global element, found {len(globals_)}")
    return schema.get("targetNamespace"), _node(globals_[0], version)


def check_against_json_schema(node: tuple, schema: dict, where: str) -> None:
    """Fail when the XSD tree and the JSON Schema disagree on structure or types."""
    _, json_name, _, repeated, content = node
    if repeated != (schema.get("type") == "array"):
        raise SystemExit(f"{where}: XSD repeated={repeated} but JSON type={schema.get('type')}")
    if repeated:
        schema = schema["items"]
    if isinstance(content, str):
        expected = SIMPLE_TYPES["xs:" + content]
        actual = (schema.get("type"), schema.get("format"))
        if expected != actual:
            raise SystemExit(f"{where}: XSD {content} but JSON {actual}")
        return
    properties = schema.get("properties", {})
    by_json = {child[1]: child for child in content}
    if set(by_json) != set(properties):
        raise SystemExit(f"{where}: XSD children {sorted(by_json)} != JSON properties {sorted(properties)}")
    required = {child[1] for child in content if child[2] and not child[3]}
    required_arrays = {child[1] for child in content if child[2] and child[3]}
    json_required = set(schema.get("required", []))
    if required - json_required:
        raise SystemExit(f"{where}: required in XSD, optional in JSON: {sorted(required - json_required)}")
    if json_required - required - required_arrays:
        raise SystemExit(f"{where}: required in JSON, optional in XSD: {sorted(json_required - required)}")
    for child in content:
        check_against_json_schema(child, properties[child[1]], f"{where}/{child[1]}")


class Emitter:
    """Writes nested tuples, naming each complex content that occurs more than once."""

    def __init__(self) -> None:
        self.counts: dict[tuple, int] = {}
        self.names: dict[tuple, str] = {}
        self.lines: list[str] = []

    def count(self, content) -> None:
        if isinstance(content, str):
            return
        self.counts[content] = self.counts.get(content, 0) + 1
        if self.counts[content] == 1:
            for child in content:
                self.count(child[4])

    def ref(self, content) -> str:
        if isinstance(content, str):
            return repr(content)
        if content in self.names:
            return self.names[content]
        rendered = self.render(content)
        if self.counts.get(content, 0) > 1 or len(content) > 1:
            name = f"_C{len(self.names)}"
            self.names[content] = name
            self.lines.append(f"{name} = {rendered}")
            return name
        return rendered

    def render(self, content: tuple) -> str:
        parts = []
        for xml_name, json_name, required, repeated, child in content:
            parts.append(f"({xml_name!r}, {json_name!r}, {required}, {repeated}, {self.ref(child)})")
        if len(parts) == 1:
            return "(" + parts[0] + ",)"
        joined = ",\n    ".join(parts)
        return "(\n    " + joined + ",\n)"


def generate(spec: Path) -> str:
    namespaces: dict[str, str] = {}
    roots: dict[tuple[str, str], tuple] = {}
    for version in VERSIONS:
        for message in MESSAGES:
            folder = spec / f"v{version}" / message
            namespace, root = read_xsd(folder / f"{message}_v{version}.xsd", version)
            if namespaces.setdefault(version, namespace) != namespace:
                raise SystemExit(f"v{version}: messages disagree on the namespace")
            if root[0] != message:
                raise SystemExit(f"{message} v{version}: root element is {root[0]}")
            suffix = "yaml" if version == "2.0" else "yml"
            json_schema = yaml.safe_load((folder / f"{message}_v{version}.{suffix}").read_text())
            check_against_json_schema(root, json_schema, f"{message} v{version}")
            roots[(version, message)] = root[4]

    emitter = Emitter()
    for content in roots.values():
        emitter.count(content)
    tree_refs = {key: emitter.ref(content) for key, content in roots.items()}

    out = [
        '"""Structure of the SETU Planning XML messages: GENERATED, do not edit.',
        "",
        "Derived from the official XSDs (v1.0 and v2.0: PlanningRequest,",
        "PlanningAssignment, PlanningConstraints) by tools/generate_xml_schema_tables.py,",
        "and cross-checked there against the official JSON Schemas. Regenerate with",
        "``python tools/generate_xml_schema_tables.py`` (reads SETU_SPEC_DIR).",
        "",
        "A node is ``(xml_name, json_name, required, repeated, content)``; content is",
        "either a simple type name (string, boolean, integer, decimal, date, time,",
        "dateTime) or a tuple of child nodes in xs:sequence order. All XSDs use",
        "elementFormDefault='qualified', no attributes and only the root as a",
        "global element.",
        '"""',
        "",
        "# fmt: off",
        f"NAMESPACES = {namespaces!r}",
        "",
        *emitter.lines,
        "",
        "# (version, message) -> children of the root element",
        "TREES = {",
        *(f"    {key!r}: {ref}," for key, ref in tree_refs.items()),
        "}",
        "",
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec-dir", type=Path, default=None, help="default: $SETU_SPEC_DIR or ../shared/setu-spec")
    parser.add_argument("--check", action="store_true", help="exit 1 when the committed module is stale")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    text = generate(args.spec_dir or spec_dir())
    if args.check:
        current = args.output.read_text() if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is stale: run tools/generate_xml_schema_tables.py", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
