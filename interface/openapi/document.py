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
from .extensions import metrics_path, planning_query_paths, service_paths
from .parts import EXTENSION_TAG, JSON, SERVICE_TAG, answer, body, errors, headers, operation, parameters, ref
from .schemas import line_body, message_list_ref, message_ref

#: (path segment, SETU message, line fields, official tag)
KINDS = (
    ("requests", "PlanningRequest", ("periodicPlanningLine", "singlePlanningLine"), "Planning request"),
    ("assignments", "PlanningAssignment", ("periodicPlanningLine", "singlePlanningLine"), "Planning assignment"),
    ("constraints", "PlanningConstraints", ("periodicAvailabilityLine", "singleAvailabilityLine"), "Planning constraints"),
)  # fmt: skip


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
    paths.update(planning_query_paths(authenticated))
    paths.update(service_paths())
    paths["/metrics"] = metrics_path(authenticated)
    components: dict[str, Any] = {
        "schemas": component_schemas(),
        "parameters": parameters(),
        "headers": headers(),
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


def _kind_paths(segment: str, message: str, line_fields: tuple[str, ...], tag: str, auth: bool) -> dict:
    base = f"/planning/{segment}"
    one, many = message_ref(message), message_list_ref(message)
    line_answer = {"anyOf": [line_body(message, f)["anyOf"][1] for f in line_fields]}
    write = [ref("parameters", "setuVersionId"), ref("parameters", "ifMatch"), ref("parameters", "actor")]
    read = [ref("parameters", "answerVersion")]
    past = [ref("parameters", "asOf"), ref("parameters", "version")]
    idp, linep = ref("parameters", "id"), ref("parameters", "lineId")
    op = operation
    paths: dict[str, Any] = {}
    collection: dict[str, Any] = {
        "post": op(
            base,
            "post",
            f"{segment}_submit",
            tag,
            auth,
            parameters=[ref("parameters", "setuVersionId"), ref("parameters", "actor")],
            requestBody=body(one),
            responses={
                "201": answer("Created: the stored message", one, "Location", "ETag", "setuVersionId"),
                **errors(409, 413, 415, authenticated=auth),
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
                "200": answer("The worker's constraints", many, "setuVersionId"),
                **errors(authenticated=auth),
            },
        )
    paths[base] = collection
    by_id = f"{base}/{{id}}"
    current = answer("The resource (now, or as of asOf / at version)", one, "ETag", "setuVersionId")
    if segment == "constraints":
        current = answer(
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
            responses={"200": current, **errors(404, authenticated=auth)},
        ),
        "put": op(
            by_id,
            "put",
            f"{segment}_replace",
            tag,
            auth,
            parameters=write,
            requestBody=body(one),
            responses={
                "200": answer("The stored message", one, "ETag", "setuVersionId"),
                **errors(404, 409, 412, 413, 415, authenticated=auth),
            },
        ),
        "delete": op(
            by_id,
            "delete",
            f"{segment}_cancel",
            tag,
            auth,
            parameters=[*read, ref("parameters", "ifMatch"), ref("parameters", "actor")],
            responses={
                "204": {"description": "Cancelled", "headers": {"ETag": ref("headers", "ETag")}},
                **errors(404, 412, authenticated=auth),
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
                requestBody=body(line_body(message, line_field)),
                responses={
                    "201": answer(
                        "Created: the stored line",
                        line_body(message, line_field)["anyOf"][1],
                        "Location",
                        "ETag",
                        "setuVersionId",
                    ),
                    **errors(404, 409, 412, 413, 415, authenticated=auth),
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
                "200": answer("The line", line_answer, "ETag", "setuVersionId"),
                **errors(404, authenticated=auth),
            },
        ),
        "put": op(
            line_path,
            "put",
            f"{segment}_replace_line",
            tag,
            auth,
            parameters=write,
            requestBody=body(any_line),
            responses={
                "200": answer("The stored line", line_answer, "ETag", "setuVersionId"),
                **errors(404, 409, 412, 413, 415, authenticated=auth),
            },
        ),
        "delete": op(
            line_path,
            "delete",
            f"{segment}_remove_line",
            tag,
            auth,
            parameters=[*read, ref("parameters", "ifMatch"), ref("parameters", "actor")],
            responses={
                "200": answer("The removed line", line_answer, "ETag", "setuVersionId"),
                **errors(404, 412, authenticated=auth),
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
                    "200": answer(
                        "The assignments for the request", message_list_ref("PlanningAssignment"), "setuVersionId"
                    ),
                    **errors(404, authenticated=auth),
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
                    "200": {"description": summary, "content": {JSON: {"schema": ref("schemas", schema)}}},
                    **errors(404, authenticated=auth),
                },
            ),
        }
    return paths
