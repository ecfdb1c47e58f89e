"""The planner's queries keep decoded states and expanded lines; what they keep is never stale.

Two applications on one database stand for two processes serving one store:
each keeps its own states and lines, and must still answer what the store says.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from planning_samples import assignment, available, constraints, periodic

from setu_planning.application import PlanningApplication

UTC = dt.UTC
WEEK = (dt.datetime(2026, 1, 12, tzinfo=UTC), dt.datetime(2026, 1, 19, tzinfo=UTC))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_store(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'planning.sqlite3'}"
    return request.getfixturevalue("postgres_cluster").new_database()


@pytest.fixture
def two_apps(shared_store):
    first, second = PlanningApplication(shared_store), PlanningApplication(shared_store)
    yield first, second
    first.close()
    second.close()


def moment() -> dt.datetime:
    time.sleep(0.01)
    found = dt.datetime.now(UTC)
    time.sleep(0.01)
    return found


def spans(conflicts) -> list[tuple[str, str, str]]:
    return sorted((c.kind, c.start.isoformat(), c.end.isoformat()) for c in conflicts)


def test_a_change_made_by_another_process_is_in_the_next_answer(two_apps):
    here, there = two_apps
    here.constraints.submit(constraints("W1", [available("MON", "Monday", "08:00:00Z", "16:00:00Z")]))
    planned = here.assignments.submit(assignment("A1", "W1", [periodic("MON", "Monday", "07:00:00Z", "16:00:00Z")]))
    early = spans(here.conflicts(hr_id="W1", start=WEEK[0], end=WEEK[1]))
    assert early == [("outside_availability", "2026-01-12T07:00:00+00:00", "2026-01-12T08:00:00+00:00")]

    line = planned.state.line("MON")
    there.assignments.replace_line(planned.state.id, "MON", {**line, "startTime": "06:00:00Z"})

    assert spans(here.conflicts(hr_id="W1", start=WEEK[0], end=WEEK[1])) == [
        ("outside_availability", "2026-01-12T06:00:00+00:00", "2026-01-12T08:00:00+00:00")
    ]
    assert [s.occurrence.start.hour for s in here.planning.shifts("W1", *WEEK)] == [6]


def test_as_of_answers_kept_from_before_an_erasure_in_another_process_read_as_erased_after_it(two_apps):
    here, there = two_apps
    first = here.assignments.submit(assignment("A1", "W1", [periodic("MON", "Monday", "08:00:00Z", "16:00:00Z")]))
    here.assignments.submit(assignment("A2", "W1", [periodic("MON", "Monday", "12:00:00Z", "14:00:00Z")]))
    then = moment()
    line = first.state.line("MON")
    here.assignments.replace_line(first.state.id, "MON", {**line, "planningLineName": "renamed"})
    asked = here.conflicts(hr_id="W1", start=WEEK[0], end=WEEK[1], as_of=then)
    assert [c.kind for c in asked] == ["double_booked"]

    there.erase_worker("W1", actor="dpo@supplier")

    assert here.conflicts(hr_id="W1", start=WEEK[0], end=WEEK[1], as_of=then) == []
    assert here.planning.shifts("W1", *WEEK, as_of=then) == []
    assert there.conflicts(hr_id="W1", start=WEEK[0], end=WEEK[1], as_of=then) == []
