"""Conflict kinds over plain occurrences, and coverage counting options A and B of the lines memo alike."""

from __future__ import annotations

import datetime as dt

from planning_samples import assignment, periodic, request, single

from setu_planning.domain.calendar import Band, Calendar
from setu_planning.domain.conflicts import (
    WorkingTimeRules,
    availability_conflicts,
    coverage_conflicts,
    double_bookings,
    match_coverage,
    working_time_conflicts,
)

UTC = dt.UTC
calendar = Calendar()
WEEK = (dt.datetime(2026, 1, 12, tzinfo=UTC), dt.datetime(2026, 1, 19, tzinfo=UTC))


def shifts(message, resource):
    return calendar.shifts(message, *WEEK, resource=resource)


def at(hour: int, day: int = 12) -> dt.datetime:
    return dt.datetime(2026, 1, day, hour, tzinfo=UTC)


def test_a_shift_partly_not_available_and_partly_rather_not_gives_one_conflict_of_each():
    (shift,) = shifts(assignment("A", "W", [periodic("MON", "Monday", "08:00:00Z", "16:00:00Z")]), "a")
    bands = [
        Band(at(8), at(10), "Available", "x", "c"),
        Band(at(10), at(12), "RatherNot", "y", "c"),
        Band(at(12), at(16), "NotAvailable", "z", "c"),
    ]
    found = availability_conflicts("W", [shift], bands, has_constraints=True)
    assert [(c.kind, c.severity, c.start.hour, c.end.hour) for c in found] == [
        ("rather_not", "warning", 10, 12),
        ("outside_availability", "error", 12, 16),
    ]


def test_time_no_availability_line_covers_is_a_conflict_only_for_a_worker_with_constraints():
    (shift,) = shifts(assignment("A", "W", [periodic("MON", "Monday", "07:00:00Z", "16:00:00Z")]), "a")
    bands = [Band(at(8), at(16), "Available", "x", "c")]
    (gap,) = availability_conflicts("W", [shift], bands, has_constraints=True)
    assert (gap.kind, gap.start.hour, gap.end.hour) == ("outside_availability", 7, 8)
    assert availability_conflicts("W", [shift], [], has_constraints=False) == []


def test_overlapping_shifts_of_two_assignments_are_double_booked_but_of_one_are_not():
    first = shifts(assignment("A", "W", [periodic("MON", "Monday", "08:00:00Z", "16:00:00Z")]), "a")
    second = shifts(assignment("B", "W", [periodic("MON2", "Monday", "14:00:00Z", "18:00:00Z")]), "b")
    (found,) = double_bookings("W", first + second)
    assert (found.kind, found.start.hour, found.end.hour, found.resources) == ("double_booked", 14, 16, ("a", "b"))
    assert double_bookings("W", first + [s for s in second if False]) == []


def test_working_time_rest_shift_length_and_week_total_are_configurable_warnings():
    long_days = shifts(
        assignment(
            "A",
            "W",
            [
                periodic(d[:3], d, "06:00:00Z", "19:00:00Z")
                for d in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
            ],
        ),
        "a",
    )
    late = shifts(assignment("B", "W", [periodic("LATE", "Monday", "20:00:00Z", "23:00:00Z")]), "b")
    found = working_time_conflicts("W", long_days + late, WorkingTimeRules(), UTC)
    details = [c.detail for c in found]
    assert all(c.kind == "working_time" and c.severity == "warning" for c in found)
    assert sum("more than 12 h" in d for d in details) == 5
    assert any("1 h of rest" in d for d in details)  # 19:00 -> 20:00 Monday
    assert any("of work in the week of 2026-01-12" in d for d in details)  # 68 h
    lenient = WorkingTimeRules(
        minimum_rest=dt.timedelta(0), maximum_shift=dt.timedelta(hours=14), maximum_week=dt.timedelta(hours=80)
    )
    assert working_time_conflicts("W", long_days + late, lenient, UTC) == []


def _counts(request_message, assigned):
    slots = match_coverage(shifts(request_message, "r"), assigned)
    return slots, coverage_conflicts("r", slots)


def test_one_line_for_three_and_three_lines_for_one_count_the_same():
    """Options A and B of SETU's planning-lines memo: same required, same assigned, same shortfall."""
    option_a = request("R", [periodic("L", "Monday", "09:00:00Z", "16:00:00Z", positionQuantity=3)])
    option_b = request(
        "R", [periodic(f"L{i}", "Monday", "09:00:00Z", "16:00:00Z", positionQuantity=1) for i in range(3)]
    )
    for workers in (["w1", "w2", "w3"], ["w1", "w2"], ["w1", "w2", "w3", "w4"]):
        totals = []
        for option in (option_a, option_b):
            assigned = [
                (w, s)
                for w in workers
                for s in shifts(assignment(w, w, [periodic("X", "Monday", "09:00:00Z", "16:00:00Z")]), w)
            ]
            slots, conflicts = _counts(option, assigned)
            missing = sum(max(0, s.required - len(s.assigned)) for s in slots)
            extra = sum(max(0, len(s.assigned) - s.required) for s in slots)
            totals.append((sum(s.required for s in slots), sum(len(s.assigned) for s in slots), missing, extra))
        assert totals[0] == totals[1], workers
    assert totals[0] == (3, 4, 0, 1)


def test_an_assignment_line_fills_the_request_line_of_the_same_line_id_that_it_overlaps():
    wanted = request(
        "R",
        [
            periodic("EARLY", "Monday", "06:00:00Z", "14:00:00Z", positionQuantity=1),
            periodic("LATE", "Monday", "13:00:00Z", "21:00:00Z", positionQuantity=1),
        ],
    )
    planned = [
        ("w1", s) for s in shifts(assignment("A", "w1", [periodic("LATE", "Monday", "06:00:00Z", "14:00:00Z")]), "a")
    ]
    slots, conflicts = _counts(wanted, planned)
    assert {s.occurrence.line_id: s.assigned for s in slots} == {"EARLY": [], "LATE": ["w1"]}
    assert [c.kind for c in conflicts] == ["unfilled"]


def test_more_workers_than_asked_is_overfilled():
    wanted = request("R", [], [single("ONCE", "2026-01-14T08:00:00Z", "2026-01-14T12:00:00Z", positionQuantity=1)])
    planned = [
        (w, s)
        for w in ("w1", "w2")
        for s in shifts(assignment(w, w, [], [single("ONCE", "2026-01-14T08:00:00Z", "2026-01-14T12:00:00Z")]), w)
    ]
    _, conflicts = _counts(wanted, planned)
    assert [(c.kind, c.severity) for c in conflicts] == [("overfilled", "error")]
