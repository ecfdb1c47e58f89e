"""Commands in SETU words: what they store, and what they refuse without storing anything."""

from __future__ import annotations

import uuid

import pytest
from samples import assignment, constraints, request, single_availability_line, single_planning_line

from setu_planning.domain.errors import (
    BusinessRuleViolated,
    DocumentConflict,
    LineAlreadyExists,
    LineNotFound,
    MessageInvalid,
    ResourceCancelled,
    ResourceNotFound,
    VersionMismatch,
)


def stored_event_count(app) -> int:
    return len(app.recorder.select_notifications(start=1, limit=1_000_000))


def test_submit_returns_the_stored_message_with_a_new_id(app):
    submission = app.requests.submit(request(), actor="customer", setu_version="2.0")
    assert submission.created
    assert isinstance(submission.state.id, uuid.UUID)
    assert submission.state.message == request()
    assert submission.state.version == 1
    assert app.requests.get(submission.state.id).message == request()


def test_resubmitting_identical_content_returns_the_existing_resource_and_stores_nothing(app):
    first = app.requests.submit(request())
    before = stored_event_count(app)
    again = app.requests.submit(request(), actor="someone-else")
    assert not again.created
    assert again.state.id == first.state.id
    assert stored_event_count(app) == before


def test_resubmitting_a_document_id_with_other_content_is_a_conflict(app):
    app.requests.submit(request())
    before = stored_event_count(app)
    changed = request()
    changed["positionProfile"]["positionTitle"] = "Driver"
    with pytest.raises(DocumentConflict):
        app.requests.submit(changed)
    assert stored_event_count(app) == before


def test_same_document_id_from_another_customer_is_another_resource(app):
    first = app.requests.submit(request())
    other = request(customer={"id": [{"value": "OTHER", "schemeAgencyId": "Customer"}]})
    second = app.requests.submit(other)
    assert second.created and second.state.id != first.state.id


def test_document_id_of_a_cancelled_resource_can_be_submitted_anew(app):
    first = app.requests.submit(request())
    app.requests.cancel(first.state.id)
    second = app.requests.submit(request())
    assert second.created and second.state.id != first.state.id
    found = app.requests.find_by_document("Customer:ACME", "REQ-1", "Customer")
    assert found is not None and found.id == second.state.id


def test_find_by_document_returns_the_submitted_resource(app):
    submitted = app.constraints.submit(constraints())
    found = app.constraints.find_by_document("Supplier:OTTO", "CON-1", "Supplier")
    assert found is not None and found.id == submitted.state.id
    assert app.constraints.find_by_document("Supplier:OTTO", "CON-2", "Supplier") is None


def test_invalid_message_is_refused_and_nothing_is_stored(app):
    with pytest.raises(MessageInvalid):
        app.requests.submit(request(unknownElement=1))
    with pytest.raises(BusinessRuleViolated):
        app.constraints.submit({k: v for k, v in constraints().items() if k != "periodicAvailabilityLine"})
    assert stored_event_count(app) == 0


def test_adding_a_line_with_an_existing_line_id_is_refused(app):
    request_id = app.requests.submit(request()).state.id
    line = single_planning_line(line_id="P1")
    with pytest.raises(LineAlreadyExists):
        app.requests.add_line(request_id, "single", line)
    assert app.requests.get(request_id).version == 1


def test_line_commands_on_an_unknown_line_id_are_refused(app):
    request_id = app.requests.submit(request()).state.id
    with pytest.raises(LineNotFound):
        app.requests.replace_line(request_id, "NOPE", single_planning_line(line_id="NOPE"))
    with pytest.raises(LineNotFound):
        app.requests.remove_line(request_id, "NOPE")
    with pytest.raises(LineNotFound):
        app.requests.get_line(request_id, "NOPE")
    assert app.requests.get(request_id).version == 1


def test_replacing_a_line_cannot_change_its_line_id(app):
    request_id = app.requests.submit(request()).state.id
    line = request()["periodicPlanningLine"][0]
    line["lineId"]["value"] = "OTHER"
    with pytest.raises(BusinessRuleViolated) as refused:
        app.requests.replace_line(request_id, "P1", line)
    assert refused.value.violations[0].element == "lineId/value"
    assert app.requests.get(request_id).version == 1


def test_commands_on_a_cancelled_resource_are_refused(app):
    request_id = app.requests.submit(request()).state.id
    app.requests.cancel(request_id)
    for command in (
        lambda: app.requests.replace(request_id, request()),
        lambda: app.requests.add_line(request_id, "single", single_planning_line()),
        lambda: app.requests.remove_line(request_id, "P1"),
        lambda: app.requests.cancel(request_id),
    ):
        with pytest.raises(ResourceCancelled):
            command()
    assert len(app.requests.history(request_id)) == 2


def test_unknown_resource_and_wrong_kind_are_not_found(app):
    request_id = app.requests.submit(request()).state.id
    with pytest.raises(ResourceNotFound):
        app.requests.get(uuid.uuid4())
    with pytest.raises(ResourceNotFound):
        app.requests.get("not-a-uuid")
    with pytest.raises(ResourceNotFound):
        app.assignments.get(request_id)
    with pytest.raises(ResourceNotFound):
        app.assignments.history(request_id)


def test_put_keeps_omitted_optional_elements(app):
    request_id = app.requests.submit(request()).state.id
    replacement = request()
    del replacement["supplier"]
    del replacement["periodicPlanningLine"]
    replacement["positionProfile"] = {
        "positionId": {"value": "POS-1"},
        "positionLocation": {"name": "Tholen"},
        "positionTitle": "Driver",
    }
    state = app.requests.replace(request_id, replacement)
    assert state.message["supplier"] == request()["supplier"]
    assert state.message["periodicPlanningLine"] == request()["periodicPlanningLine"]
    assert state.message["positionProfile"]["positionTitle"] == "Driver"
    assert state.message["positionProfile"]["positionPeriod"] == request()["positionProfile"]["positionPeriod"]


def test_put_cannot_change_position_location(app):
    request_id = app.requests.submit(request()).state.id
    replacement = request()
    replacement["positionProfile"]["positionLocation"] = {"name": "Rotterdam"}
    with pytest.raises(BusinessRuleViolated) as refused:
        app.requests.replace(request_id, replacement)
    assert "positionLocation" in str(refused.value)
    assert app.requests.get(request_id).version == 1


def test_removing_the_last_line_is_refused_by_the_business_rules(app):
    constraints_id = app.constraints.submit(constraints()).state.id
    with pytest.raises(BusinessRuleViolated):
        app.constraints.remove_line(constraints_id, "A1")
    app.constraints.add_line(constraints_id, "single", single_availability_line())
    state, removed = app.constraints.remove_line(constraints_id, "A1")
    assert removed["lineId"]["value"] == "A1"
    assert "periodicAvailabilityLine" not in state.message


def test_expected_version_guards_against_lost_updates(app):
    request_id = app.requests.submit(request()).state.id
    with pytest.raises(VersionMismatch):
        app.requests.add_line(request_id, "single", single_planning_line(), expected_version=7)
    state, _ = app.requests.add_line(request_id, "single", single_planning_line(), expected_version=1)
    assert state.version == 2


def test_constraints_of_a_worker_follow_submit_replace_and_cancel(app):
    first = app.constraints.submit(constraints()).state.id
    second = app.constraints.submit(constraints(documentId={"value": "CON-2", "schemeAgencyId": "Supplier"})).state.id
    assert [s.id for s in app.constraints.of_worker("W-1")] == [first, second]
    assert app.constraints.of_worker("W-2") == []

    moved = constraints(worker={"workerId": [{"value": "W-2", "schemeAgencyId": "Supplier"}]})
    app.constraints.replace(first, moved)
    assert [s.id for s in app.constraints.of_worker("W-1")] == [second]
    assert [s.id for s in app.constraints.of_worker("W-2")] == [first]

    app.constraints.cancel(second)
    assert app.constraints.of_worker("W-1") == []


def test_assignments_of_a_request_are_found_through_its_document_id(app):
    request_id = app.requests.submit(request()).state.id
    assignment_id = app.assignments.submit(assignment()).state.id
    app.assignments.submit(
        assignment(
            documentId={"value": "ASG-2", "schemeAgencyId": "Customer"},
            planningRequestReference={"documentId": {"value": "REQ-OTHER", "schemeAgencyId": "Customer"}},
        )
    )
    assert [s.id for s in app.requests.assignments(request_id)] == [assignment_id]
    app.assignments.cancel(assignment_id)
    assert app.requests.assignments(request_id) == []


def test_history_of_an_unknown_resource_is_not_found(app):
    with pytest.raises(ResourceNotFound):
        app.requests.history(uuid.uuid4())


def test_a_replacement_changing_nothing_stores_nothing(app):
    request_id = app.requests.submit(request()).state.id
    before = stored_event_count(app)
    assert app.requests.replace(request_id, request()).version == 1
    line = request()["periodicPlanningLine"][0]
    state, _ = app.requests.replace_line(request_id, "P1", line)
    assert state.version == 1
    assert stored_event_count(app) == before
    assert [e.type for e in app.requests.history(request_id)] == ["Submitted"]
