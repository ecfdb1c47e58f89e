"""Schemathesis over every operation of the official OpenAPI: the server never answers 5xx.

Both generation modes run (positive: what the OpenAPI allows; negative: what it
does not), in the examples and fuzzing phases. Only the ``not_a_server_error``
check runs: the other checks would flag the deliberate, documented deviations
(see test_rest_conformance.DEVIATIONS).
Each operation gets a fresh application seeded with the six official JSON
examples, so generated path ids hit real resources (and their real line ids)
part of the time, not only 404s. Generation is derandomized and bounded, so
the run is reproducible and fast.
"""

from __future__ import annotations

import json
import os
import zlib

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from support import VERSIONS, TestPlanningApplication, example_path, spec_location

from setu_planning.interface.http import create_app

pytestmark = pytest.mark.conformance

MAX_EXAMPLES = 15
SEED = 20240601
# The coverage phase (boundary and negative values of every parameter and body property) makes
# about 11,400 requests here and takes some 90 s: too slow for every run, so it is left out by
# default; SETU_SCHEMATHESIS_PHASES=examples,coverage,fuzzing runs it (no 5xx when last run).
PHASES = "examples,fuzzing"
WORKER = "123456"
PATHS = {
    "requests": "PlanningRequest",
    "assignments": "PlanningAssignment",
    "constraints": "PlanningConstraints",
}


def _load_schema():
    """The official OpenAPI, loaded at import time (schemathesis parametrizes at collection).

    Without the official material the module is skipped, as the ``spec_dir`` fixture does
    (or fails, under SETU_SPEC_REQUIRED=1). ``schemathesis.pytest.from_fixture`` would load it
    lazily, but its wrapper sets ``request.node._nodeid``, which pytest 9 no longer has.
    """
    path = spec_location() / "openapi" / "planning.local.yml"
    if not path.is_file():
        reason = f"official SETU OpenAPI not found at {path}: put it at ../shared/setu-spec or set SETU_SPEC_DIR"
        if os.environ.get("SETU_SPEC_REQUIRED") == "1":
            raise RuntimeError(reason)
        pytest.skip(reason, allow_module_level=True)
    loaded = schemathesis.openapi.from_path(path)
    loaded.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True)
    loaded.config.seed = SEED
    loaded.config.phases.update(phases=os.environ.get("SETU_SCHEMATHESIS_PHASES", PHASES).split(","))
    return loaded


schema = _load_schema()


@pytest.fixture
def seeded(spec_dir):
    """A Flask app with the official examples (v1.0 and v2.0) stored; known ids and line ids per kind."""
    application = TestPlanningApplication("memory://")
    app = create_app(application)
    client = app.test_client()
    known: dict[str, list[tuple[str, list[str]]]] = {segment: [] for segment in PATHS}
    for segment, message in PATHS.items():
        for version in VERSIONS:
            example = json.loads(example_path(spec_dir, message, version, "json").read_text())
            if version == "2.0":  # another documentId: the same one with v2.0 content would be a 409
                example["documentId"]["value"] += "-v2"
            posted = client.post(f"/planning/{segment}", json=example, headers={"setuVersionId": version})
            assert posted.status_code == 201, posted.get_data(as_text=True)
            lines = [
                line["lineId"]["value"] for field, value in example.items() if field.endswith("Line") for line in value
            ]
            known[segment].append((posted.headers["Location"].rsplit("/", 1)[1], lines))
    yield app, known
    application.close()


def _pick(value: str, choices: list):
    """Deterministically, for about two values in three, a known choice instead of the generated value."""
    digest = zlib.crc32(value.encode())
    if digest % 3 == 0:
        return None
    return choices[digest % len(choices)]


def aim_at_known_resources(case, known) -> None:
    """Swap generated path ids for ids (and line ids) of the seeded resources, most of the time."""
    query = case.query or {}
    if isinstance(query.get("hrId"), str) and _pick(query["hrId"], [True]):
        query["hrId"] = WORKER  # the worker of the official constraints examples
    parameters = case.path_parameters or {}
    if "id" not in parameters:
        return
    resources = known[case.operation.path.split("/")[2]]
    chosen = _pick(str(parameters["id"]), resources)
    if chosen is None:
        return
    resource_id, lines = chosen
    parameters["id"] = resource_id
    if "lineId" in parameters and lines:
        line_id = _pick(str(parameters["lineId"]), lines)
        if line_id is not None:
            parameters["lineId"] = line_id


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_request_makes_the_server_fail(case, seeded):
    """Whatever the OpenAPI lets a client send (and what it nearly lets it send), the answer is never 5xx."""
    app, known = seeded
    aim_at_known_resources(case, known)
    response = case.call(app=app)
    case.validate_response(response, checks=[not_a_server_error])


def test_every_operation_of_the_openapi_is_generated():
    """The run above covers all operations: 29 in planning.local.yml, none failing to load."""
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 29
    assert {op.method.upper() for op in operations} == {"GET", "POST", "PUT", "DELETE"}
