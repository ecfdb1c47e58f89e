"""The paths this service adds beside the official operations: the planner's queries, health, metrics, this document."""

from __future__ import annotations

from typing import Any

from .parts import EXTENSION_TAG, JSON, SERVICE_TAG, errors, ref


def planning_query_paths(auth: bool) -> dict[str, Any]:
    """The planner's questions: availability, conflicts and coverage over a window, as of any moment."""
    window = [
        {"name": "from", "in": "query", "required": True, "schema": {"type": "string", "format": "date-time"},
         "description": "Start of the window (RFC 3339, with offset)."},
        {"name": "to", "in": "query", "required": True, "schema": {"type": "string", "format": "date-time"},
         "description": "End of the window (RFC 3339, with offset)."},
        ref("parameters", "asOf"),
    ]  # fmt: skip
    answer = {"content": {JSON: {"schema": {"type": "object"}}}}

    def query(operation_id: str, summary: str, parameters: list, *codes: int) -> dict[str, Any]:
        operation: dict[str, Any] = {
            "operationId": operation_id,
            "tags": [EXTENSION_TAG],
            "summary": summary,
            "parameters": parameters,
            "responses": {"200": {"description": summary, **answer}, **errors(*codes, authenticated=auth)},
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
            [ref("parameters", "id"), *window],
            404,
        ),
    }


def metrics_path(authenticated: bool) -> dict[str, Any]:
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
            "content": {JSON: {"schema": ref("schemas", "Error")}},
        }
    else:
        operation["security"] = []
    return {"get": operation}


def service_paths() -> dict[str, Any]:
    def get(operation_id: str, summary: str, media: dict[str, Any], *extra: str) -> dict[str, Any]:
        responses: dict[str, Any] = {"200": {"description": summary, "content": media}}
        for code in extra:
            responses[code] = {"description": "No such asset", "content": {JSON: {"schema": ref("schemas", "Error")}}}
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
        "/health": get("health", "The process answers", {JSON: {"schema": ref("schemas", "Health")}}),
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
