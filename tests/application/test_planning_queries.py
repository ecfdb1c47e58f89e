"""The planner's queries over each store: the official examples' conflicts, each kind, as of a moment, parties."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from planning_samples import assignment, available, available_once, constraints, periodic, request, single

from setu_planning.domain.calendar import PlanningQueryInvalid
from setu_planning.domain.errors import ResourceNotFound
from setu_planning.domain.parties import Party, PartyIdentifier

UTC = dt.UTC
OFFICIAL_WEEK = (dt.datetime(2023, 6, 19, tzinfo=UTC), dt.datetime(2023, 6, 26, tzinfo=UTC))
WEEK = (dt.datetime(2026, 1, 12, tzinfo=UTC), dt.datetime(2026, 1, 19, tzinfo=UTC))


@pytest.fixture
def official(app, official_example):
    return {
        kind: app.service(f"Planning{kind}").submit(official_example(f"Planning{kind}")).state
        for kind in ("Constraints", "Request", "Assignment")
    }


def kinds(conflicts):
    return sorted(c.kind for c in conflicts)


def test_official_assignment_monday_at_seven_is_outside_availability_from_eight(app, official):
    found = app.conflicts(hr_id="123456", start=OFFICIAL_WEEK[0], end=OFFICIAL_WEEK[1])
    (conflict,) = found
    assert conflict.kind == "outside_availability" and conflict.severity == "error"
    assert (conflict.start.isoformat(), conflict.end.isoformat()) == (
        "2023-06-19T07:00:00+00:00",
        "2023-06-19T08:00:00+00:00",
    )
    assert conflict.resources == (str(official["Assignment"].id),) and conflict.line_ids == ("345677",)


def test_official_single_line_of_2022_09_14_is_outside_the_position_period(app, official):
    start, end = dt.datetime(2022, 9, 12, tzinfo=UTC), dt.datetime(2022, 9, 19, tzinfo=UTC)
    (worker,) = app.conflicts(hr_id="123456", start=start, end=end)
    assert (worker.kind, worker.line_ids, worker.start.isoformat()) == (
        "outside_position_period",
        ("345678",),
        "2022-09-14T07:00:00+02:00",
    )
    assert "2023-06-13 to 2024-06-13" in worker.detail
    of_request = app.conflicts(request_id=official["Request"].id, start=start, end=end)
    assert ("outside_position_period", ("345678",)) in [(c.kind, c.line_ids) for c in of_request]


def test_official_worker_availability_is_the_monday_band(app, official):
    bands = app.availability("123456", *OFFICIAL_WEEK).intervals
    assert [(b.status, b.start.isoformat(), b.end.isoformat(), b.line_id) for b in bands] == [
        ("Available", "2023-06-19T08:00:00+00:00", "2023-06-19T16:00:00+00:00", "periodicplanningline_1")
    ]
    assert bands[0].resource == str(official["Constraints"].id)


def test_each_conflict_kind_on_a_hand_made_planning(app):
    app.constraints.submit(
        constraints(
            "W1",
            [
                available("MON", "Monday", "08:00:00Z", "16:00:00Z"),
                available("TUE", "Tuesday", "08:00:00Z", "16:00:00Z", "RatherNot"),
            ],
            [available_once("OFF", "2026-01-14T00:00:00Z", "2026-01-15T00:00:00Z", "NotAvailable")],
        )
    )
    wanted = app.requests.submit(
        request(
            "R1",
            [periodic("MON", "Monday", "08:00:00Z", "16:00:00Z", positionQuantity=2)],
            [
                single("OLD", "2025-06-02T08:00:00Z", "2025-06-02T12:00:00Z", positionQuantity=1),
                single("SAT", "2026-01-17T08:00:00Z", "2026-01-17T12:00:00Z", positionQuantity=1),
            ],
        )
    ).state
    first = app.assignments.submit(
        assignment(
            "A1",
            "W1",
            [periodic("MON", "Monday", "08:00:00Z", "16:00:00Z"), periodic("TUE", "Tuesday", "08:00:00Z", "21:00:00Z")],
            [
                single("WED", "2026-01-14T09:00:00Z", "2026-01-14T12:00:00Z"),
                single("EARLY", "2025-06-02T08:00:00Z", "2025-06-02T12:00:00Z"),
            ],
            request_document="R1",
        )
    ).state
    second = app.assignments.submit(assignment("A2", "W1", [periodic("X", "Monday", "15:00:00Z", "17:00:00Z")])).state
    for name in ("W2", "W3"):
        app.assignments.submit(
            assignment(
                f"A-{name}",
                name,
                [],
                [single("SAT", "2026-01-17T08:00:00Z", "2026-01-17T12:00:00Z")],
                request_document="R1",
            )
        )
    worker = app.conflicts(hr_id="W1", start=WEEK[0], end=WEEK[1])
    assert set(kinds(worker)) == {"outside_availability", "rather_not", "double_booked", "working_time"}
    double = next(c for c in worker if c.kind == "double_booked")
    assert set(double.resources) == {str(first.id), str(second.id)}
    assert any("13 h of work" in c.detail for c in worker if c.kind == "working_time")
    of_request = app.conflicts(request_id=wanted.id, start=WEEK[0], end=WEEK[1])
    assert {"unfilled", "overfilled"} <= set(kinds(of_request))
    assert all(str(second.id) not in c.resources or str(first.id) in c.resources for c in of_request)
    coverage = app.coverage(wanted.id, *WEEK).as_json()
    assert [(o["lineId"], o["required"], o["assigned"]) for o in coverage["occurrences"]] == [
        ("MON", 2, ["W1"]),
        ("SAT", 1, ["W2", "W3"]),
    ]
    year = (dt.datetime(2025, 6, 1, tzinfo=UTC), dt.datetime(2025, 6, 8, tzinfo=UTC))
    assert "outside_position_period" in kinds(app.conflicts(hr_id="W1", start=year[0], end=year[1]))


def test_as_of_shows_the_double_booking_appear_when_the_second_assignment_arrived(app):
    app.assignments.submit(assignment("A1", "W1", [periodic("MON", "Monday", "08:00:00Z", "16:00:00Z")]))
    time.sleep(0.01)
    before = dt.datetime.now(UTC)
    time.sleep(0.01)
    second = app.assignments.submit(assignment("A2", "W1", [periodic("MON", "Monday", "12:00:00Z", "14:00:00Z")])).state
    assert "double_booked" not in kinds(app.conflicts(hr_id="W1", start=WEEK[0], end=WEEK[1], as_of=before))
    assert "double_booked" in kinds(app.conflicts(hr_id="W1", start=WEEK[0], end=WEEK[1]))
    time.sleep(0.01)
    after = dt.datetime.now(UTC)
    app.assignments.cancel(second.id)
    assert "double_booked" not in kinds(app.conflicts(hr_id="W1", start=WEEK[0], end=WEEK[1]))
    assert "double_booked" in kinds(app.conflicts(hr_id="W1", start=WEEK[0], end=WEEK[1], as_of=after))


def test_as_of_reads_the_worker_named_then_after_an_assignment_moved_to_another(app):
    moved = app.assignments.submit(assignment("A1", "W1", [periodic("MON", "Monday", "08:00:00Z", "16:00:00Z")])).state
    time.sleep(0.01)
    before = dt.datetime.now(UTC)
    time.sleep(0.01)
    app.assignments.replace(
        moved.id,
        {
            **moved.message,
            "assignedWorker": {"assignedStatus": True, "workerId": {"value": "W2", "schemeAgencyId": "Supplier"}},
        },
    )
    shifts_then = app.planning.shifts("W1", *WEEK, as_of=before)
    assert [s.occurrence.line_id for s in shifts_then] == ["MON"]
    assert app.planning.shifts("W1", *WEEK) == [] and len(app.planning.shifts("W2", *WEEK)) == 1


def test_rebuilt_read_models_answer_as_of_the_same(app):
    app.assignments.submit(assignment("A1", "W1", [periodic("MON", "Monday", "08:00:00Z", "16:00:00Z")]))
    app.assignments.submit(assignment("A2", "W1", [periodic("MON", "Monday", "12:00:00Z", "14:00:00Z")]))
    now = dt.datetime.now(UTC)
    before = [c.as_json() for c in app.conflicts(hr_id="W1", start=WEEK[0], end=WEEK[1], as_of=now)]
    app.rebuild_read_models()
    assert [c.as_json() for c in app.conflicts(hr_id="W1", start=WEEK[0], end=WEEK[1], as_of=now)] == before != []


def test_a_party_sees_only_the_conflicts_of_resources_naming_it(app):
    app.assignments.submit(assignment("A1", "W1", [periodic("MON", "Monday", "08:00:00Z", "16:00:00Z")]))
    other = assignment("A2", "W1", [periodic("MON", "Monday", "12:00:00Z", "14:00:00Z")])
    other["supplier"] = other["customer"] = {"id": [{"value": "RIVAL", "schemeAgencyId": "Customer"}]}
    app.assignments.submit(other)
    otto = Party("otto", frozenset({PartyIdentifier("OTTO", "Customer")}))
    assert "double_booked" in kinds(app.conflicts(hr_id="W1", start=WEEK[0], end=WEEK[1]))
    assert kinds(app.conflicts(hr_id="W1", start=WEEK[0], end=WEEK[1], party=otto)) == []
    wanted = app.requests.submit(
        request("R9", [periodic("MON", "Monday", "08:00:00Z", "16:00:00Z", positionQuantity=1)])
    ).state
    rival = Party("rival", frozenset({PartyIdentifier("RIVAL", "Customer")}))
    with pytest.raises(ResourceNotFound):
        app.coverage(wanted.id, *WEEK, party=rival)


def test_a_window_over_a_year_or_without_offset_is_refused(app):
    with pytest.raises(PlanningQueryInvalid, match="longer than a year"):
        app.availability("W1", WEEK[0], WEEK[0] + dt.timedelta(days=367))
    with pytest.raises(PlanningQueryInvalid, match="UTC offset"):
        app.conflicts(hr_id="W1", start=dt.datetime(2026, 1, 1), end=WEEK[1])
    with pytest.raises(PlanningQueryInvalid, match="hrId or request"):
        app.conflicts(start=WEEK[0], end=WEEK[1])
