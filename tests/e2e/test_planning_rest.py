"""The planner's REST routes on a real ``setu-planning serve``: official conflicts, each kind, asOf, refusals, parties."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from planning_samples import assignment, available, constraints, periodic, request, single

from setu_planning.interface.parties import token_hash

pytestmark = pytest.mark.e2e

JSON = {"Content-Type": "application/json", "setuVersionId": "2.0"}
OFFICIAL_WEEK = {"from": "2023-06-19T00:00:00Z", "to": "2023-06-26T00:00:00Z"}
WEEK = {"from": "2026-01-12T00:00:00+01:00", "to": "2026-01-19T00:00:00+01:00"}


def post(http, path, message, headers=None):
    reply = http.request("POST", f"/planning/{path}", json.dumps(message).encode(), {**JSON, **(headers or {})})
    assert reply.status == 201, reply
    return reply.headers["Location"].rsplit("/", 1)[1]


def get(http, path, query, headers=None):
    return http.request("GET", f"{path}?{urlencode(query)}", headers=headers)


@pytest.fixture
def official(http, official_example):
    return {
        kind: post(http, path, official_example(f"Planning{kind}"))
        for kind, path in (("Constraints", "constraints"), ("Request", "requests"), ("Assignment", "assignments"))
    }


def test_official_monday_seven_oclock_conflict_over_rest(http, official):
    reply = get(http, "/planning/conflicts", {"hrId": "123456", **OFFICIAL_WEEK})
    assert reply.status == 200 and reply.media_type == "application/json", reply
    (conflict,) = reply.json()["conflicts"]
    assert conflict == {
        "kind": "outside_availability",
        "severity": "error",
        "hrId": "123456",
        "start": "2023-06-19T07:00:00+00:00",
        "end": "2023-06-19T08:00:00+00:00",
        "resources": [official["Assignment"]],
        "lineIds": ["345677"],
        "detail": conflict["detail"],
    }
    availability = get(http, "/planning/workers/123456/availability", OFFICIAL_WEEK).json()
    assert availability["hrId"] == "123456" and availability["from"] == "2023-06-19T00:00:00+00:00"
    assert availability["intervals"] == [
        {
            "start": "2023-06-19T08:00:00+00:00",
            "end": "2023-06-19T16:00:00+00:00",
            "status": "Available",
            "lineId": "periodicplanningline_1",
            "resource": official["Constraints"],
        }
    ]


def test_official_single_line_outside_the_position_period_over_rest(http, official):
    window = {"from": "2022-09-12T00:00:00+02:00", "to": "2022-09-19T00:00:00+02:00"}
    by_request = get(http, "/planning/conflicts", {"request": official["Request"], **window}).json()["conflicts"]
    assert ("outside_position_period", ["345678"]) in [(c["kind"], c["lineIds"]) for c in by_request]
    coverage = get(http, f"/planning/requests/{official['Request']}/coverage", window).json()
    assert coverage == {
        "request": official["Request"],
        "occurrences": [
            {
                "lineId": "345678",
                "start": "2022-09-14T07:00:00+02:00",
                "end": "2022-09-14T16:00:00+02:00",
                "required": 1,
                "assigned": [],
            }
        ],
    }


def test_each_conflict_kind_and_as_of_the_second_assignment_over_rest(http):
    post(
        http,
        "constraints",
        constraints(
            "W1",
            [
                available("MON", "Monday", "08:00:00Z", "16:00:00Z"),
                available("TUE", "Tuesday", "08:00:00Z", "16:00:00Z", "RatherNot"),
            ],
        ),
    )
    wanted = post(
        http,
        "requests",
        request(
            "R1",
            [periodic("MON", "Monday", "08:00:00Z", "16:00:00Z", positionQuantity=2)],
            [
                single("SAT", "2026-01-17T08:00:00Z", "2026-01-17T12:00:00Z", positionQuantity=1),
                single("OLD", "2025-06-02T08:00:00Z", "2025-06-02T12:00:00Z", positionQuantity=1),
            ],
        ),
    )
    post(
        http,
        "assignments",
        assignment(
            "A1",
            "W1",
            [periodic("MON", "Monday", "07:00:00Z", "16:00:00Z"), periodic("TUE", "Tuesday", "08:00:00Z", "21:00:00Z")],
            [single("OLD", "2025-06-02T08:00:00Z", "2025-06-02T12:00:00Z")],
            request_document="R1",
        ),
    )
    time.sleep(0.01)
    before = datetime.now(UTC).isoformat()
    time.sleep(0.01)
    post(http, "assignments", assignment("A2", "W1", [periodic("X", "Monday", "15:00:00Z", "17:00:00Z")]))
    for name in ("W2", "W3"):
        post(
            http,
            "assignments",
            assignment(
                f"A-{name}",
                name,
                [],
                [single("SAT", "2026-01-17T08:00:00Z", "2026-01-17T12:00:00Z")],
                request_document="R1",
            ),
        )
    now = {c["kind"] for c in get(http, "/planning/conflicts", {"hrId": "W1", **WEEK}).json()["conflicts"]}
    assert now == {"outside_availability", "rather_not", "double_booked", "working_time"}
    then = {
        c["kind"] for c in get(http, "/planning/conflicts", {"hrId": "W1", **WEEK, "asOf": before}).json()["conflicts"]
    }
    assert "double_booked" not in then and "outside_availability" in then
    of_request = {c["kind"] for c in get(http, "/planning/conflicts", {"request": wanted, **WEEK}).json()["conflicts"]}
    assert {"unfilled", "overfilled"} <= of_request
    old = {"from": "2025-06-01T00:00:00Z", "to": "2025-06-08T00:00:00Z"}
    assert "outside_position_period" in {
        c["kind"] for c in get(http, "/planning/conflicts", {"hrId": "W1", **old}).json()["conflicts"]
    }
    every = get(http, "/planning/conflicts", {"hrId": "W1", **WEEK}).json()["conflicts"]
    assert all(datetime.fromisoformat(c[k]).utcoffset() is not None for c in every for k in ("start", "end"))


@pytest.mark.parametrize(
    "path, query, parameter",
    [
        ("/planning/workers/W1/availability", {"from": "2026-01-01T00:00:00Z", "to": "2027-01-03T00:00:00Z"}, "to"),
        ("/planning/conflicts", {"hrId": "W1", "from": "2026-01-01T00:00:00", "to": "2026-01-08T00:00:00Z"}, "from"),
        ("/planning/conflicts", {"hrId": "W1", "from": "2026-01-01T00:00:00Z"}, "to"),
        ("/planning/conflicts", {"from": "2026-01-01T00:00:00Z", "to": "2026-01-08T00:00:00Z"}, "hrId"),
        ("/planning/workers/W1/availability", {"from": "monday", "to": "2026-01-08T00:00:00Z"}, "from"),
    ],
)
def test_a_bad_window_is_a_400_setu_error_naming_the_parameter(http, path, query, parameter):
    reply = get(http, path, query)
    assert reply.status == 400, reply
    body = reply.json()
    assert body["code"] == "SETU-BAD-PARAMETER" and body["description"].startswith(parameter), body


def test_an_unknown_request_is_a_404(http):
    reply = get(http, f"/planning/requests/{uuid.uuid4()}/coverage", WEEK)
    assert reply.status == 404 and set(reply.json()) == {"code", "description"}


TOKENS = {name: f"{name}-{uuid.uuid4().hex}{uuid.uuid4().hex}" for name in ("otto", "rival")}


@pytest.fixture
def guarded(start_server, tmp_path):
    parties = tmp_path / "parties.toml"
    parties.write_text(
        "".join(
            f'[parties.{name}]\nidentifiers = [{{ value = "{name.upper()}", schemeAgencyId = "Customer" }}]\n'
            f'tokens = ["{token_hash(token)}"]\n\n'
            for name, token in TOKENS.items()
        )
    )
    return start_server(args=["--parties", str(parties)]).http


def bearer(name):
    return {"Authorization": f"Bearer {TOKENS[name]}"}


def test_planning_routes_are_bearer_authenticated_and_isolated(guarded):
    def named(message, party):
        return {
            **message,
            "supplier": {"id": [{"value": party, "schemeAgencyId": "Customer"}]},
            "customer": {"id": [{"value": party, "schemeAgencyId": "Customer"}]},
        }

    post(
        guarded,
        "assignments",
        named(assignment("A1", "W1", [periodic("MON", "Monday", "08:00:00Z", "16:00:00Z")]), "OTTO"),
        bearer("otto"),
    )
    post(
        guarded,
        "assignments",
        named(assignment("A2", "W1", [periodic("MON", "Monday", "12:00:00Z", "14:00:00Z")]), "RIVAL"),
        bearer("rival"),
    )
    wanted = post(
        guarded,
        "requests",
        named(request("R1", [periodic("MON", "Monday", "08:00:00Z", "16:00:00Z", positionQuantity=1)]), "OTTO"),
        bearer("otto"),
    )
    anonymous = get(guarded, "/planning/conflicts", {"hrId": "W1", **WEEK})
    assert anonymous.status == 401 and anonymous.json()["code"] == "SETU-UNAUTHENTICATED"
    assert get(guarded, "/planning/conflicts", {"hrId": "W1", **WEEK}, bearer("otto")).json() == {"conflicts": []}
    assert get(guarded, f"/planning/requests/{wanted}/coverage", WEEK, bearer("rival")).status == 404
    assert get(guarded, f"/planning/requests/{wanted}/coverage", WEEK, bearer("otto")).status == 200
