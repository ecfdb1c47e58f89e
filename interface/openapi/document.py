"""The service's own OpenAPI 3.1 document: the official operations as this service really answers them.

It starts from the official ``planning.yml`` (its title, tags and every
operation's summary, kept in :mod:`.official`) and says what this service
does where the official document is silent or disagrees: ``201`` for every
POST that creates (the usage notes and the scenarios, not the OpenAPI's
``200`` for request and assignment lines), both SETU versions' schemas chosen
by ``setuVersionId``, ``ETag`` and ``If-Match``, ``?asOf=`` and ``?version=``
reads, and the extensions: history, deliveries, health, metrics and this document.
Every answer carries ``X-Request-ID`` (the client's, or a new one).
With a parties file every ``/planning`` operation needs a bearer token.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from . import official
from .schemas import line_body, message_list_ref, message_ref

JSON = "application/json"
XML = "application/xml"

#: (path segment, SETU message, line fields, official tag)
KINDS = (
    ("requests", "PlanningRequest", ("periodicPlanningLine", "singlePlanningLine"), "Planning request"),
    ("assignments", "PlanningAssignment", ("periodicPlanningLine", "singlePlanningLine"), "Planning assignment"),
    ("constraints", "PlanningConstraints", ("periodicAvailabilityLine", "singleAvailabilityLine"), "Planning constraints"),
)  # fmt: skip

SERVICE_TAG = "Service"
EXTENSION_TAG = "setu-planning extensions"


def _package_version() -> str:
    try:
        return version("setu-planning")
    except PackageNotFoundError:  # running from a source tree without an install
        return "0+unknown"


def build_document(*, authenticated: bool) -> dict[str, Any]:
    """The OpenAPI document of a service with (``authenticated``) or without a parties file."""
    from .schemas import component_schemas

    paths: dict[str, Any] = {}
    for segment, message, line_fields, tag in KINDS:
        paths.update(_kind_paths(segment, message, line_fields, tag, authenticated))
    paths.update(_planning_query_paths(authenticated))
    paths.update(_service_paths())
    paths["/metrics"] = _metrics_path(authenticated)
    components: dict[str, Any] = {
        "schemas": component_schemas(),
        "parameters": _parameters(),
        "headers": _headers(),
    }
    if authenticated:
        components["securitySchemes"] = {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "A token of the party's entry in the parties file (`setu-planning token create`).",
            }
        }
    mode = (
        "Every `/planning` operation needs `Authorization: Bearer` with a party's token; the party "
        "sees only the resources that name it."
        if authenticated
        else "OPEN DEVELOPMENT MODE: no parties file, so no authentication (loopback only)."
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"setu-planning: {official.TITLE}",
            "version": _package_version(),
            "description": (
                f"{official.DESCRIPTION}\n\nThis document describes what this setu-planning service serves. "
                "It is derived from the official SETU Planning OpenAPI (license: "
                f"{official.LICENSE}), with the status codes this service answers and its extensions "
                f"(history, as-of reads, deliveries, ETag/If-Match).\n\n{mode}"
            ),
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "tags": [*official.TAGS, {"name": EXTENSION_TAG}, {"name": SERVICE_TAG}],
        "paths": paths,
        "components": components,
    }


# --------------------------------------------------------------- pieces
def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _parameters() -> dict[str, Any]:
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


def _headers() -> dict[str, Any]:
    return {
        "ETag": {"schema": {"type": "string"}, "description": 'The resource\'s version, e.g. "3", for If-Match.'},
        "Location": {"schema": {"type": "string"}, "description": "Where the created resource or line is."},
        "setuVersionId": {"schema": {"type": "string"}, "description": "The SETU version of the answer."},
    }


def _content(schema: dict[str, Any]) -> dict[str, Any]:
    return {JSON: {"schema": schema}, XML: {"schema": schema}}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": _content(_ref("schemas", "Error"))}


def _errors(*codes: int, authenticated: bool) -> dict[str, Any]:
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
    return {str(code): _error(texts[code]) for code in sorted(set(wanted))}


def _answer(description: str, schema: dict[str, Any], *headers: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {name: _ref("headers", name) for name in headers},
        "content": _content(schema),
    }


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": _content(schema)}


def _operation(path: str, method: str, operation_id: str, tag: str, authenticated: bool, **fields: Any) -> dict:
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


def _kind_paths(segment: str, message: str, line_fields: tuple[str, ...], tag: str, auth: bool) -> dict:
    base = f"/planning/{segment}"
    one, many = message_ref(message), message_list_ref(message)
    line_answer = {"anyOf": [line_body(message, f)["anyOf"][1] for f in line_fields]}
    write = [_ref("parameters", "setuVersionId"), _ref("parameters", "ifMatch"), _ref("parameters", "actor")]
    read = [_ref("parameters", "answerVersion")]
    past = [_ref("parameters", "asOf"), _ref("parameters", "version")]
    idp, linep = _ref("parameters", "id"), _ref("parameters", "lineId")
    op = _operation
    paths: dict[str, Any] = {}
    collection: dict[str, Any] = {
        "post": op(
            base,
            "post",
            f"{segment}_submit",
            tag,
            auth,
            parameters=[_ref("parameters", "setuVersionId"), _ref("parameters", "actor")],
            requestBody=_body(one),
            responses={
                "201": _answer("Created: the stored message", one, "Location", "ETag", "setuVersionId"),
                **_errors(409, 413, 415, authenticated=auth),
            },
        ),
    }
    if segment == "constraints":
        collection["get"] = op(
            base,
            "get",
            "constraints_of_worker",
            tag,
            auth,
            parameters=[
                {
                    "name": "hrId",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string"},
                    "description": "The worker's id (worker/workerId).",
                },
                *read,
            ],
            responses={
                "200": _answer("The worker's constraints", many, "setuVersionId"),
                **_errors(authenticated=auth),
            },
        )
    paths[base] = collection
    by_id = f"{base}/{{id}}"
    current = _answer("The resource (now, or as of asOf / at version)", one, "ETag", "setuVersionId")
    if segment == "constraints":
        current = _answer(
            "The resource; for a segment that is not a UUID, the constraints of that worker "
            "(GET /planning/constraints/{hrID}, as the scenarios write it)",
            {"anyOf": [one, many]},
            "ETag",
            "setuVersionId",
        )
    paths[by_id] = {
        "parameters": [idp],
        "get": op(
            by_id,
            "get",
            f"{segment}_get",
            tag,
            auth,
            parameters=[*read, *past],
            responses={"200": current, **_errors(404, authenticated=auth)},
        ),
        "put": op(
            by_id,
            "put",
            f"{segment}_replace",
            tag,
            auth,
            parameters=write,
            requestBody=_body(one),
            responses={
                "200": _answer("The stored message", one, "ETag", "setuVersionId"),
                **_errors(404, 409, 412, 413, 415, authenticated=auth),
            },
        ),
        "delete": op(
            by_id,
            "delete",
            f"{segment}_cancel",
            tag,
            auth,
            parameters=[*read, _ref("parameters", "ifMatch"), _ref("parameters", "actor")],
            responses={
                "204": {"description": "Cancelled", "headers": {"ETag": _ref("headers", "ETag")}},
                **_errors(404, 412, authenticated=auth),
            },
        ),
    }
    for line_field, suffix in zip(line_fields, ("periodic-lines", "single-lines"), strict=True):
        path = f"{base}/{{id}}/{suffix}"
        paths[path] = {
            "parameters": [idp],
            "post": op(
                path,
                "post",
                f"{segment}_add_{suffix.replace('-', '_')[:-1]}",
                tag,
                auth,
                parameters=write,
                requestBody=_body(line_body(message, line_field)),
                responses={
                    "201": _answer(
                        "Created: the stored line",
                        line_body(message, line_field)["anyOf"][1],
                        "Location",
                        "ETag",
                        "setuVersionId",
                    ),
                    **_errors(404, 409, 412, 413, 415, authenticated=auth),
                },
            ),
        }
    line_path = f"{base}/{{id}}/lines/{{lineId}}"
    any_line = {"anyOf": [line_body(message, f)["anyOf"][0] for f in line_fields] + line_answer["anyOf"]}
    paths[line_path] = {
        "parameters": [idp, linep],
        "get": op(
            line_path,
            "get",
            f"{segment}_get_line",
            tag,
            auth,
            parameters=[*read, *past],
            responses={
                "200": _answer("The line", line_answer, "ETag", "setuVersionId"),
                **_errors(404, authenticated=auth),
            },
        ),
        "put": op(
            line_path,
            "put",
            f"{segment}_replace_line",
            tag,
            auth,
            parameters=write,
            requestBody=_body(any_line),
            responses={
                "200": _answer("The stored line", line_answer, "ETag", "setuVersionId"),
                **_errors(404, 409, 412, 413, 415, authenticated=auth),
            },
        ),
        "delete": op(
            line_path,
            "delete",
            f"{segment}_remove_line",
            tag,
            auth,
            parameters=[*read, _ref("parameters", "ifMatch"), _ref("parameters", "actor")],
            responses={
                "200": _answer("The removed line", line_answer, "ETag", "setuVersionId"),
                **_errors(404, 412, authenticated=auth),
            },
        ),
    }
    if segment == "requests":
        path = f"{base}/{{id}}/assignments"
        paths[path] = {
            "parameters": [idp],
            "get": op(
                path,
                "get",
                "requests_assignments",
                tag,
                auth,
                parameters=read,
                responses={
                    "200": _answer(
                        "The assignments for the request", message_list_ref("PlanningAssignment"), "setuVersionId"
                    ),
                    **_errors(404, authenticated=auth),
                },
            ),
        }
    for name, schema, summary in (
        ("history", "History", f"The audit trail of a {message}: every change, who, when, what"),
        ("deliveries", "Deliveries", f"What was sent, or is owed, to counterparties about a {message}"),
    ):
        path = f"{base}/{{id}}/{name}"
        paths[path] = {
            "parameters": [idp],
            "get": op(
                path,
                "get",
                f"{segment}_{name}",
                tag,
                auth,
                summary=summary,
                responses={
                    "200": {"description": summary, "content": {JSON: {"schema": _ref("schemas", schema)}}},
                    **_errors(404, authenticated=auth),
                },
            ),
        }
    return paths


def _planning_query_paths(auth: bool) -> dict[str, Any]:
    """The planner's questions: availability, conflicts and coverage over a window, as of any moment."""
    window = [
        {"name": "from", "in": "query", "required": True, "schema": {"type": "string", "format": "date-time"},
         "description": "Start of the window (RFC 3339, with offset)."},
        {"name": "to", "in": "query", "required": True, "schema": {"type": "string", "format": "date-time"},
         "description": "End of the window (RFC 3339, with offset)."},
        _ref("parameters", "asOf"),
    ]  # fmt: skip
    answer = {"content": {JSON: {"schema": {"type": "object"}}}}

    def query(operation_id: str, summary: str, parameters: list, *codes: int) -> dict[str, Any]:
        operation: dict[str, Any] = {
            "operationId": operation_id,
            "tags": [EXTENSION_TAG],
            "summary": summary,
            "parameters": parameters,
            "responses": {"200": {"description": summary, **answer}, **_errors(*codes, authenticated=auth)},
        }
        if auth:
            operation["security"] = [{"bearer": []}]
        return {"get": operation}

    hr_id = {"name": "hrId", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "/planning/workers/{hrId}/availability": query(
            "worker_availability", "A worker's availability as concrete times in the window", [hr_id, *window]
        ),
        "/planning/conflicts": query(
            "conflicts",
            "Conflicts of a worker (hrId) or a request (request) in the window",
            [
                {"name": "hrId", "in": "query", "required": False, "schema": {"type": "string"}},
                {"name": "request", "in": "query", "required": False, "schema": {"type": "string"}},
                *window,
            ],
        ),
        "/planning/requests/{id}/coverage": query(
            "request_coverage",
            "How far the request's lines are covered by assignments in the window",
            [_ref("parameters", "id"), *window],
            404,
        ),
    }


def _metrics_path(authenticated: bool) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": "metrics",
        "tags": [SERVICE_TAG],
        "summary": "Prometheus metrics: requests, durations, delivery attempts and the delivery queue",
        "responses": {"200": {"description": "The Prometheus text exposition format",
                              "content": {"text/plain": {"schema": {"type": "string"}}}}},
    }  # fmt: skip
    if authenticated:
        operation["description"] = "Only with the bearer token of SETU_PLANNING_METRICS_TOKEN, never a party's."
        operation["security"] = [{"bearer": []}]
        operation["responses"]["401"] = {
            "description": "Not the metrics token",
            "content": {JSON: {"schema": _ref("schemas", "Error")}},
        }
    else:
        operation["security"] = []
    return {"get": operation}


def _service_paths() -> dict[str, Any]:
    def get(operation_id: str, summary: str, media: dict[str, Any], *extra: str) -> dict[str, Any]:
        responses: dict[str, Any] = {"200": {"description": summary, "content": media}}
        for code in extra:
            responses[code] = {"description": "No such asset", "content": {JSON: {"schema": _ref("schemas", "Error")}}}
        return {
            "get": {
                "operationId": operation_id,
                "tags": [SERVICE_TAG],
                "summary": summary,
                "security": [],
                "responses": responses,
            }
        }

    text = {"text/html": {"schema": {"type": "string"}}}
    return {
        "/health": get("health", "The process answers", {JSON: {"schema": _ref("schemas", "Health")}}),
        "/openapi.json": get("openapi_json", "This document, as JSON", {JSON: {"schema": {"type": "object"}}}),
        "/openapi.yaml": get("openapi_yaml", "This document, as YAML",
                             {"application/yaml": {"schema": {"type": "object"}}}),
        "/docs": get("docs", "The interactive documentation of this document (Swagger UI)", text),
        "/docs/{asset}": {
            "parameters": [{"name": "asset", "in": "path", "required": True, "schema": {"type": "string"}}],
            **get("docs_asset", "A file of the documentation page (script, style, icon)",
                  {"*/*": {"schema": {"type": "string"}}}, "404"),
        },
    }  # fmt: skip
