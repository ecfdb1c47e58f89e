"""The pieces every path of the service's OpenAPI document is made of: references, parameters, answers."""

from __future__ import annotations

from typing import Any

from . import official

JSON = "application/json"
XML = "application/xml"
SERVICE_TAG = "Service"
EXTENSION_TAG = "setu-planning extensions"


def ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def parameters() -> dict[str, Any]:
    return {
        "id": {"name": "id", "in": "path", "required": True, "schema": {"type": "string"},
               "description": "The resource id the server assigned (the Location of its POST)."},
        "lineId": {"name": "lineId", "in": "path", "required": True, "schema": {"type": "string"},
                   "description": "The line's lineId value."},
        "setuVersionId": {"name": "setuVersionId", "in": "header", "required": True,
                          "schema": {"type": "string", "enum": ["1.0", "2.0"]},
                          "description": "The SETU version of the body."},
        "answerVersion": {"name": "setuVersionId", "in": "header", "required": False,
                          "schema": {"type": "string", "enum": ["1.0", "2.0"]},
                          "description": "The SETU version of the answer (default: the resource's own)."},
        "ifMatch": {"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"},
                    "description": 'Only if the resource is at this version (its ETag, e.g. "3"); else 412.'},
        "actor": {"name": "X-SETU-Actor", "in": "header", "required": False, "schema": {"type": "string"},
                  "description": "The user the calling system acts for (recorded as on-behalf-of)."},
        "asOf": {"name": "asOf", "in": "query", "required": False,
                 "schema": {"type": "string", "format": "date-time"},
                 "description": "The resource as it was at this moment (RFC 3339, with offset)."},
        "version": {"name": "version", "in": "query", "required": False,
                    "schema": {"type": "integer", "minimum": 1},
                    "description": "The resource as it was at this version (not with asOf)."},
    }  # fmt: skip


def headers() -> dict[str, Any]:
    return {
        "ETag": {"schema": {"type": "string"}, "description": 'The resource\'s version, e.g. "3", for If-Match.'},
        "Location": {"schema": {"type": "string"}, "description": "Where the created resource or line is."},
        "setuVersionId": {"schema": {"type": "string"}, "description": "The SETU version of the answer."},
    }


def content(schema: dict[str, Any]) -> dict[str, Any]:
    return {JSON: {"schema": schema}, XML: {"schema": schema}}


def error(description: str) -> dict[str, Any]:
    return {"description": description, "content": content(ref("schemas", "Error"))}


def errors(*codes: int, authenticated: bool) -> dict[str, Any]:
    texts = {
        400: "The request is invalid: the SETU error object names the element, the rule and why",
        401: "No valid bearer token",
        403: "The party may not do this (it is not named in the message)",
        404: "No such resource or line (or not visible to the party)",
        409: "Conflicts with what is stored (a documentId in use, a lineId that exists)",
        412: "If-Match names another version than the current one",
        413: "The body is larger than the service accepts",
        415: "The body is neither JSON nor XML",
    }
    wanted = [400, *(c for c in codes), *((401, 403) if authenticated else ())]
    return {str(code): error(texts[code]) for code in sorted(set(wanted))}


def answer(description: str, schema: dict[str, Any], *headers: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {name: ref("headers", name) for name in headers},
        "content": content(schema),
    }


def body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": content(schema)}


def operation(path: str, method: str, operation_id: str, tag: str, authenticated: bool, **fields: Any) -> dict:
    text = official.OPERATIONS.get((path, method))
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "tags": text["tags"] if text else [tag, EXTENSION_TAG],
        "summary": text["summary"] if text else fields.pop("summary"),
    }
    fields.pop("summary", None)
    operation.update(fields)
    if authenticated:
        operation["security"] = [{"bearer": []}]
    return operation
