"""JSON Schemas of the SETU Planning messages and lines, both versions, for the service's OpenAPI.

Built from the structure the XML codec already ships (:mod:`..xml_tables`,
generated from the official XSDs and cross-checked against the official JSON
Schemas), so the document needs no copy of the official schema files: every
element's JSON name, whether it is required, repeated, and its simple type.
Enumerations and patterns are left to the business rules, which the server
checks anyway; these schemas say the shape a client sends and receives.
"""

from __future__ import annotations

from typing import Any

from ..codecs import xml_tables
from ..codecs.versions import LINE_FIELDS, MESSAGES

VERSIONS = ("1.0", "2.0")

_SIMPLE: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "boolean": {"type": "boolean"},
    "integer": {"type": "integer"},
    "decimal": {"type": "number"},
    "date": {"type": "string", "format": "date"},
    "time": {"type": "string", "examples": ["08:00:00Z"]},  # XML writes 08:00:00, JSON 08:00:00Z
    "dateTime": {"type": "string", "format": "date-time"},
}


def message_schema_name(message: str, version: str) -> str:
    return f"{message}_v{version}"


def line_schema_name(message: str, line_field: str) -> str:
    return f"{message}_{line_field}"


def _node_schema(content: Any) -> dict[str, Any]:
    if isinstance(content, str):
        return dict(_SIMPLE[content])
    properties: dict[str, Any] = {}
    required: list[str] = []
    for _xml, json_name, is_required, repeated, child in content:
        schema = _node_schema(child)
        properties[json_name] = {"type": "array", "items": schema} if repeated else schema
        if is_required:
            required.append(json_name)
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _line_content(message: str, line_field: str) -> Any:
    return next(node[4] for node in xml_tables.TREES[("2.0", message)] if node[1] == line_field)


def component_schemas() -> dict[str, Any]:
    """Every schema the document refers to, by component name."""
    schemas: dict[str, Any] = {}
    for message in MESSAGES:
        for version in VERSIONS:
            schema = _node_schema(xml_tables.TREES[(version, message)])
            schema["description"] = f"SETU {message}, version {version} (setuVersionId: {version})"
            schema["xml"] = {"name": message if message != "PlanningConstraints" else "HumanResourceAvailability"}
            schemas[message_schema_name(message, version)] = schema
    for message, fields in LINE_FIELDS.items():
        for line_field in fields:
            schema = _node_schema(_line_content(message, line_field))
            schema["xml"] = {"name": line_field}
            schemas[line_schema_name(message, line_field)] = schema
    schemas.update(_extension_schemas())
    return schemas


def message_ref(message: str) -> dict[str, Any]:
    """A body or answer of ``message`` in either version (setuVersionId says which)."""
    return {"anyOf": [_ref(message_schema_name(message, v)) for v in VERSIONS]}


def message_list_ref(message: str) -> dict[str, Any]:
    return {"type": "array", "items": message_ref(message)}


def line_body(message: str, line_field: str) -> dict[str, Any]:
    """A line as sent: the line itself, or the official line schema's wrapper holding exactly one."""
    line = _ref(line_schema_name(message, line_field))
    wrapper = {
        "type": "object",
        "properties": {line_field: {"type": "array", "items": line, "minItems": 1, "maxItems": 1}},
        "required": [line_field],
    }
    return {"anyOf": [line, wrapper]}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _extension_schemas() -> dict[str, Any]:
    nullable_string = {"type": ["string", "null"]}
    nullable_moment = {"type": ["string", "null"], "format": "date-time"}
    return {
        "Error": {
            "type": "object",
            "description": "The SETU error object: which element, which rule and why.",
            "properties": {"code": {"type": "string"}, "description": {"type": "string"}},
            "required": ["code", "description"],
        },
        "History": {
            "type": "object",
            "description": "Every change of a resource: who made it, when, in which SETU version, what changed.",
            "properties": {
                "id": {"type": "string"},
                "events": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "version": {"type": "integer", "minimum": 1},
                            "timestamp": {"type": "string", "format": "date-time"},
                            "type": {"type": "string"},
                            "actor": nullable_string,
                            "party": nullable_string,
                            "onBehalfOf": nullable_string,
                            "setuVersionId": nullable_string,
                            "changes": {"type": "object"},
                        },
                        "required": ["version", "timestamp", "type", "changes"],
                    },
                },
            },
            "required": ["id", "events"],
        },
        "Deliveries": {
            "type": "object",
            "description": "What this system sent, or owes, counterparties about the resource.",
            "properties": {
                "id": {"type": "string"},
                "deliveries": {"type": "array", "items": {"type": "object", "properties": {
                    "id": {"type": "string", "format": "uuid"},
                    "resource": {"type": "string", "format": "uuid"},
                    "kind": {"type": "string"},
                    "party": {"type": "string"},
                    "change": {"type": "string"},
                    "lineId": nullable_string,
                    "status": {"type": "string", "enum": ["pending", "delivered", "failed", "skipped"]},
                    "attempts": {"type": "integer", "minimum": 0},
                    "remoteId": nullable_string,
                    "lastError": nullable_string,
                    "queued": nullable_moment,
                    "lastAttempt": nullable_moment,
                    "nextAttempt": nullable_moment,
                    "warning": {"type": ["string", "null"],
                                "description": "What the party's rendering (SETU 1.0, XML) could not carry: "
                                               "elements, never values."},
                }, "required": ["id", "party", "change", "status", "attempts"]}},
            },
            "required": ["id", "deliveries"],
        },
        "Health": {
            "type": "object",
            "properties": {"status": {"type": "string", "const": "ok"}},
            "required": ["status"],
        },
    }  # fmt: skip
