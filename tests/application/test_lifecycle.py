"""A request's whole life on each store: history in order, and the state as of every moment."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time

from setu_planning.application import Caller
from setu_planning.domain.errors import ResourceCancelled, ResourceNotFound

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def moment(step: int) -> datetime:
    return T0 + timedelta(hours=step)


def new_single_line() -> dict:
    return {
        "lineId": {"value": "EXTRA-1", "schemeAgencyId": "Customer"},
        "singlePlanningType": "Occasional",
        "startDateTime": "2022-09-15T07:00:00+02:00",
        "endDateTime": "2022-09-15T16:00:00+02:00",
        "positionQuantity": 1,
    }


@pytest.mark.conformance
def test_official_request_life_is_recorded_and_every_past_state_is_kept(app, official_example):
    message = official_example("PlanningRequest")
    periodic_id = message["periodicPlanningLine"][0]["lineId"]["value"]
    states: list[dict] = []

    with freeze_time(moment(1)):
        created = app.requests.submit(message, by=Caller.local("customer", setu_version="2.0"))
        request_id = created.state.id
        states.append(copy.deepcopy(created.state.message))
    with freeze_time(moment(2)):
        state, _ = app.requests.add_line(request_id, "single", new_single_line(), by=Caller.local("customer"))
        states.append(copy.deepcopy(state.message))
    with freeze_time(moment(3)):
        changed = copy.deepcopy(message["periodicPlanningLine"][0])
        changed["planningLineName"] = "Renamed line"
        state, line = app.requests.replace_line(request_id, periodic_id, changed, by=Caller.local("planner"))
        assert line["planningLineName"] == "Renamed line"
        states.append(copy.deepcopy(state.message))
    with freeze_time(moment(4)):
        state, removed = app.requests.remove_line(request_id, "EXTRA-1", by=Caller.local("planner"))
        assert removed == new_single_line()
        states.append(copy.deepcopy(state.message))
    with freeze_time(moment(5)):
        replacement = copy.deepcopy(state.message)
        replacement["positionProfile"]["positionTitle"] = "Senior picker"
        state = app.requests.replace(request_id, replacement, by=Caller.local("customer", setu_version="1.0"))
        states.append(copy.deepcopy(state.message))
    with freeze_time(moment(6)):
        app.requests.cancel(request_id, by=Caller.local("customer"))

    history = app.requests.history(request_id)
    assert [(e.version, e.type, e.actor) for e in history] == [
        (1, "Submitted", "customer"),
        (2, "LineAdded", "customer"),
        (3, "LineReplaced", "planner"),
        (4, "LineRemoved", "planner"),
        (5, "Replaced", "customer"),
        (6, "Cancelled", "customer"),
    ]
    assert [e.timestamp for e in history] == [moment(step) for step in range(1, 7)]
    assert history[0].setu_version == "2.0" and history[4].setu_version == "1.0"
    assert history[1].changes == {"lineId": "EXTRA-1", "lineKind": "single"}
    assert history[2].changes["diff"] == [
        {
            "element": f"periodicPlanningLine[{periodic_id}]/planningLineName",
            "old": message["periodicPlanningLine"][0]["planningLineName"],
            "new": "Renamed line",
        }
    ]
    assert history[4].changes["diff"] == [
        {"element": "positionProfile/positionTitle", "old": "Picker", "new": "Senior picker"}
    ]

    for step, expected in enumerate(states, start=1):
        assert app.requests.as_of(request_id, moment(step)).message == expected
        assert app.requests.as_of(request_id, moment(step) + timedelta(minutes=59)).message == expected
        assert app.requests.at_version(request_id, step).message == expected

    with pytest.raises(ResourceCancelled):
        app.requests.get(request_id)
    with pytest.raises(ResourceCancelled):
        app.requests.as_of(request_id, moment(6))
    with pytest.raises(ResourceNotFound):
        app.requests.as_of(request_id, moment(1) - timedelta(seconds=1))
    assert app.requests.as_of(request_id, moment(6) - timedelta(seconds=1)).message == states[-1]
    assert len(app.requests.history(request_id)) == 6
