"""Every check of the conformance kit: its id, severity and the SETU source it rests on.

A check is only as good as its source, so each names the file and section of
the official SETU material (the OpenAPI ``planning.yml``, the usage notes in
``docs/``, the Schematron business rules) it enforces. Where that material
contradicts itself, ``contradiction`` names the other source and the check can
at best end in WARN: a server cannot satisfy both.

Severities: ``MUST`` (a failure makes the run fail), ``SHOULD`` (a failure is a
warning), ``INFO`` (reported, never fails).
"""

from __future__ import annotations

from dataclasses import dataclass

MUST, SHOULD, INFO = "MUST", "SHOULD", "INFO"
KINDS = ("requests", "assignments", "constraints")

OPENAPI = "openapi/planning.yml"
CODES = "docs/response-codes.md"
SYNC = "docs/synchronous.md"
COMPLIANCE = "docs/compliance.md"
PUT_NOTE = "docs/put-behavior.md"
SCENARIO = "scenarios/customer-planning-supplier-backoffice.md"


@dataclass(frozen=True)
class Check:
    """One thing the kit verifies about a server."""

    id: str
    title: str
    severity: str
    source: str
    contradiction: str | None = None


def _path(kind: str, rest: str = "") -> str:
    return f"/planning/{kind}{rest}"


def _kind_checks(kind: str) -> list[Check]:
    collection, resource = _path(kind), _path(kind, "/{id}")
    lines = _path(kind, "/{id}/periodic-lines")
    line = _path(kind, "/{id}/lines/{lineId}")
    planning = kind != "constraints"
    found = [
        Check(
            f"{kind}.post.201",
            "POST of the official example answers 201 Created",
            MUST,
            f"{SYNC} 'Technical processing of planning messages'; {OPENAPI} POST {collection} responses '201'",
        ),
        Check(
            f"{kind}.post.not-202",
            "POST never answers 202 Accepted",
            MUST,
            f"{CODES} 'Remark' (202 cannot be used); {SYNC} 'Technical processing of planning messages'",
        ),
        Check(
            f"{kind}.post.location",
            "POST answers a Location naming the new resource",
            MUST,
            f"{OPENAPI} components/headers/Location; POST {collection} responses '201' headers",
        ),
        Check(
            f"{kind}.post.body",
            "POST answers the created message",
            SHOULD,
            f"{OPENAPI} POST {collection} responses '201' content ('as submitted in the request body')",
        ),
        Check(
            f"{kind}.get.200",
            "GET of the new resource answers 200 with the message as posted",
            MUST,
            f"{OPENAPI} GET {resource} responses '200'",
        ),
        Check(
            f"{kind}.get.unknown-404",
            "GET of an unknown resource id answers 404",
            MUST,
            f"{CODES} '404' (the resource is not known)",
        ),
        Check(
            f"{kind}.put.200",
            "PUT of a changed message answers 200 and the change is kept",
            MUST,
            f"{OPENAPI} PUT {resource} responses '200'",
        ),
        Check(
            f"{kind}.put.omitted-element",
            "an optional element left out of a PUT is kept",
            SHOULD,
            f"{PUT_NOTE} (an omitted optional element is not overwritten)",
            f"{OPENAPI} PUT {resource} summary ('replaces all previous shared information')",
        ),
    ]
    if planning:
        found.append(
            Check(
                f"{kind}.put.br-295",
                "a PUT changing positionProfile/positionId answers 400",
                MUST,
                f"{OPENAPI} PUT {resource} requestBody 'Restriction'; "
                f"v1.0/{_message(kind)}/{_message(kind)}_BRs_v1.0.xml rule 295",
            )
        )
    if planning:
        found.append(
            Check(
                f"{kind}.line.post",
                "POST of a periodic and a single line answers 201 (or 200)",
                MUST,
                f"{CODES} '201' and {SYNC} (every POST that creates answers 201)",
                f"{OPENAPI} POST {lines} responses '200'",
            )
        )
    else:
        found.append(
            Check(
                f"{kind}.line.post",
                "POST of a periodic and a single line answers 201",
                MUST,
                f"{OPENAPI} POST {lines} responses '201'; {SYNC} 'Technical processing of planning messages'",
            )
        )
    found += [
        Check(
            f"{kind}.line.location",
            "a line POST answers a Location naming …/lines/{lineId}",
            SHOULD,
            f"{OPENAPI} POST {lines} responses headers Location",
        ),
        Check(
            f"{kind}.line.get",
            "GET of a line answers 200 with the line as posted",
            MUST,
            f"{OPENAPI} GET {line} responses '200'",
        ),
        Check(
            f"{kind}.line.put",
            "PUT of a changed line answers 200 and the change is kept",
            MUST,
            f"{OPENAPI} PUT {line} responses '200'",
        ),
        Check(
            f"{kind}.line.delete",
            "DELETE of a line answers 200 (or 204), then the line answers 404",
            MUST,
            f"{OPENAPI} DELETE {line} responses '200'",
            f"{CODES} '204' (the answer to a successful DELETE)",
        ),
        Check(
            f"{kind}.bad.malformed",
            "a malformed body answers 400, never 5xx",
            MUST,
            f"{CODES} '400' (malformed syntax, invalid request body)",
        ),
        Check(
            f"{kind}.bad.missing-element",
            "a message without documentId answers 400",
            MUST,
            f"{COMPLIANCE} 4 and 7 (mandatory elements, schema-valid); {SYNC} (content validation against the schema)",
        ),
        Check(
            f"{kind}.bad.unknown-element",
            "a message with an element the standard lacks answers 400",
            MUST,
            f"{COMPLIANCE} 5 and 15 (only elements specified in the standard)",
        ),
        Check(
            f"{kind}.bad.no-version",
            "a POST without setuVersionId answers 400",
            MUST,
            f"{OPENAPI} components/parameters/VersionId (required); {CODES} '400' (missing mandatory parameter)",
        ),
        Check(
            f"{kind}.bad.wrong-version",
            "a POST naming an unsupported setuVersionId answers 400",
            MUST,
            f"{CODES} '400' (unsupported version of request body)",
        ),
        Check(
            f"{kind}.bad.content-type",
            "a body of another Content-Type answers 415",
            MUST,
            f"{OPENAPI} POST {collection} Content-Type enum; {CODES} (RFC 7231 codes: 415 Unsupported Media Type)",
        ),
        Check(
            f"{kind}.delete.204",
            "DELETE answers 204 No Content",
            MUST,
            f"{OPENAPI} DELETE {resource} responses '204'; {CODES} '204'",
        ),
        Check(
            f"{kind}.delete.gone",
            "after DELETE, GET of the resource answers 404",
            MUST,
            f"{CODES} '404' (the resource is not known)",
        ),
    ]
    if kind == "constraints":
        found += [
            Check(
                "constraints.by-worker",
                "GET /planning/constraints?hrId= lists the worker's constraints",
                MUST,
                f"{OPENAPI} GET /planning/constraints (parameter hrId)",
            ),
            Check(
                "constraints.by-worker-path",
                "GET /planning/constraints/{hrID} lists the worker's constraints",
                INFO,
                f"{SCENARIO} (GET /planning/constraints/{{hrID}})",
                f"{OPENAPI} GET /planning/constraints/{{id}} (a resource id)",
            ),
        ]
    if kind == "requests":
        found.append(
            Check(
                "requests.assignments",
                "GET /planning/requests/{id}/assignments lists the assignments of the request",
                MUST,
                f"{OPENAPI} GET /planning/requests/{{id}}/assignments; docs/identifiers.md",
            )
        )
    return found


def _message(kind: str) -> str:
    return {"requests": "PlanningRequest", "assignments": "PlanningAssignment", "constraints": "PlanningConstraints"}[
        kind
    ]


GLOBAL_CHECKS = [
    Check("auth.401", "a request without credentials answers 401", MUST, f"{CODES} '401'"),
    Check("auth.bad-token", "a request with an unknown bearer token answers 401", MUST, f"{CODES} '401'"),
    Check(
        "auth.www-authenticate",
        "a 401 answer carries WWW-Authenticate",
        SHOULD,
        f"{CODES} (codes as RFC 7231 defines them; RFC 7235 section 3.1 requires WWW-Authenticate on 401)",
    ),
    Check("http.unknown-path", "an unknown path answers 404", MUST, f"{CODES} '404' (the API path is not recognized)"),
    Check(
        "http.wrong-method",
        "a method a path does not implement answers 405 (or 404)",
        MUST,
        f"{CODES} '404' (method and path not implemented; alternatively 405)",
    ),
    Check(
        "responses.content-type",
        "every answer with a body names application/json or application/xml as asked",
        MUST,
        f"{OPENAPI} responses content (application/json, application/xml)",
    ),
    Check(
        "responses.valid",
        "every message or line answered is valid per the schema and business rules",
        MUST,
        f"{COMPLIANCE} 7 and 8 (an output message validates against the schemas); v1.0 *_BRs_v1.0.xml",
    ),
    Check(
        "errors.error-object",
        "every 4xx answer carries the SETU error object (code, description)",
        MUST,
        f"{OPENAPI} components/schemas/error-object; components/responses '400', '401', '404'",
    ),
    Check(
        "fuzz.no-5xx",
        "no generated request makes the server answer 5xx",
        MUST,
        f"{CODES} '400' (an invalid request is a 400, not a server error); {OPENAPI} (every operation)",
    ),
    Check(
        "fuzz.valid", "every message or line answered to a generated request is valid", MUST, f"{COMPLIANCE} 7 and 8"
    ),
    Check("run.cleanup", "everything the run created was deleted again", SHOULD, f"{OPENAPI} DELETE operations"),
]


def catalogue(kinds: tuple[str, ...] = KINDS) -> list[Check]:
    """The checks for the kinds a server hosts, in the order they run."""
    found = [c for c in GLOBAL_CHECKS if c.id.startswith("auth.")]
    for kind in KINDS:
        if kind in kinds:
            found += _kind_checks(kind)
    found += [c for c in GLOBAL_CHECKS if not c.id.startswith("auth.")]
    return found


def by_id(kinds: tuple[str, ...] = KINDS) -> dict[str, Check]:
    return {check.id: check for check in catalogue(kinds)}
