"""Every operation of the SETU Planning API through the Flask adapter: status, headers, body."""

from __future__ import annotations

import copy
import json
import uuid

import pytest
from samples import (
    assigned_single_line,
    assignment,
    constraints,
    request,
    single_availability_line,
    single_planning_line,
)

from setu_planning.interface.http import create_app

V2 = {"setuVersionId": "2.0"}


def post(client, path, body, **headers):
    return client.post(path, json=body, headers={**V2, **headers})


def put(client, path, body, **headers):
    return client.put(path, json=body, headers={**V2, **headers})


def created(client, path="/planning/requests", body=None):
    response = post(client, path, body if body is not None else request())
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.headers["Location"]


def assert_setu_error(response, status, *words):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.get_json()
    assert set(error) == {"code", "description"}
    for word in words:
        assert word in error["description"], error
    return error


# ------------------------------------------------------------------ creation
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/planning/requests", request()),
        ("/planning/assignments", assignment()),
        ("/planning/constraints", constraints()),
    ],
)
def test_post_creates_the_resource_with_location_and_stored_body(client, path, body):
    response = post(client, path, body)
    assert response.status_code == 201
    location = response.headers["Location"]
    assert location.startswith(path + "/")
    uuid.UUID(location.rsplit("/", 1)[1])
    assert response.get_json() == body
    assert response.headers["ETag"] == '"1"'
    assert response.headers["setuVersionId"] == "2.0"
    fetched = client.get(location)
    assert fetched.status_code == 200 and fetched.get_json() == body


def test_repost_of_identical_document_answers_as_the_first_time(client, planning):
    first = post(client, "/planning/requests", request())
    again = post(client, "/planning/requests", request())
    assert again.status_code == 201
    assert again.headers["Location"] == first.headers["Location"]
    assert len(planning.recorder.select_notifications(start=1, limit=100)) == 1  # the submission, once


def test_repost_after_later_changes_still_answers_as_the_first_time(client):
    first = post(client, "/planning/requests", request())
    post(client, f"{first.headers['Location']}/single-lines", single_planning_line())
    again = post(client, "/planning/requests", request())
    assert again.status_code == 201
    assert again.headers["Location"] == first.headers["Location"]
    assert again.get_json() == first.get_json()
    assert again.headers["ETag"] == first.headers["ETag"]


def test_repost_of_document_with_other_content_is_409(client):
    created(client)
    changed = request()
    changed["positionProfile"]["positionTitle"] = "Driver"
    assert_setu_error(post(client, "/planning/requests", changed), 409, "REQ-1")


def test_post_without_setu_version_is_400_naming_supported_versions(client):
    response = client.post("/planning/requests", json=request())
    assert_setu_error(response, 400, "setuVersionId", "1.0", "2.0")


def test_post_with_unsupported_setu_version_is_400(client):
    response = client.post("/planning/requests", json=request(), headers={"setuVersionId": "3.0"})
    assert_setu_error(response, 400, "3.0", "2.0")


def test_post_with_other_media_type_is_415(client):
    response = client.post("/planning/requests", data="hello", headers={**V2, "Content-Type": "text/plain"})
    assert_setu_error(response, 415, "text/plain")


def test_malformed_json_is_400(client):
    response = client.post("/planning/requests", data="{not json", headers={**V2, "Content-Type": "application/json"})
    assert_setu_error(response, 400, "JSON")


def test_absurdly_nested_json_is_400_not_a_server_error(client):
    body = "[" * 200_000 + "]" * 200_000
    response = client.post("/planning/requests", data=body, headers={**V2, "Content-Type": "application/json"})
    assert_setu_error(response, 400, "nests")


def test_schema_violation_is_400_naming_the_element(client, planning):
    body = request()
    body["positionProfile"]["positionTitel"] = "typo"
    assert_setu_error(post(client, "/planning/requests", body), 400, "positionTitel")
    assert planning.recorder.select_notifications(start=1, limit=10) == []


def test_business_rule_violation_is_400_naming_the_rule(client):
    body = constraints()
    del body["periodicAvailabilityLine"]
    assert_setu_error(post(client, "/planning/constraints", body), 400, "282")


def test_body_over_the_limit_is_413(planning):
    small = create_app(planning, {"MAX_CONTENT_LENGTH": 200}).test_client()
    assert_setu_error(post(small, "/planning/requests", request()), 413)


# ------------------------------------------------------------------ reading
def test_get_unknown_or_malformed_id_is_404(client):
    assert_setu_error(client.get(f"/planning/requests/{uuid.uuid4()}"), 404)
    assert_setu_error(client.get("/planning/requests/not-a-uuid"), 404)


def test_get_a_resource_under_another_kind_is_404(client):
    location = created(client)
    resource_id = location.rsplit("/", 1)[1]
    assert_setu_error(client.get(f"/planning/assignments/{resource_id}"), 404)


def test_accept_xml_answers_xml(client):
    location = created(client)
    response = client.get(location, headers={"Accept": "application/xml"})
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert b"<PlanningRequest" in response.get_data()


def test_errors_are_xml_when_xml_is_accepted(client):
    response = client.get(f"/planning/requests/{uuid.uuid4()}", headers={"Accept": "application/xml"})
    assert response.status_code == 404
    assert response.mimetype == "application/xml"
    body = response.get_data(as_text=True)
    assert "<code>" in body and "<description>" in body


def test_response_version_follows_request_header(client):
    location = created(client)
    v1 = client.get(location, headers={"setuVersionId": "1.0"})
    assert v1.status_code == 200 and v1.headers["setuVersionId"] == "1.0"
    assert v1.get_json() != request()
    assert client.get(location).get_json() == request()


def test_resource_written_in_1_0_is_answered_in_1_0(client):
    location = created(client)
    v1_body = client.get(location, headers={"setuVersionId": "1.0"}).get_json()
    v1_body["positionProfile"]["positionTitle"] = "Reach truck driver"
    put_response = client.put(location, json=v1_body, headers={"setuVersionId": "1.0"})
    assert put_response.status_code == 200 and put_response.headers["setuVersionId"] == "1.0"
    assert client.get(location).get_json() == v1_body
    changed = request()
    changed["positionProfile"]["positionTitle"] = "Reach truck driver"
    assert client.get(location, headers=V2).get_json() == changed


def test_health(client):
    response = client.get("/health")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_unknown_path_is_404_and_wrong_method_is_405(client):
    assert_setu_error(client.get("/planning/nothing"), 404)
    location = created(client)
    response = client.patch(location, json={})
    assert_setu_error(response, 405)
    assert "GET" in response.headers["Allow"]


# ------------------------------------------------------------------ replacing
def test_put_answers_the_resulting_state(client):
    location = created(client)
    body = request()
    body["positionProfile"]["positionTitle"] = "Driver"
    del body["supplier"]
    response = put(client, location, body)
    assert response.status_code == 200
    assert response.get_json()["positionProfile"]["positionTitle"] == "Driver"
    assert response.get_json()["supplier"] == request()["supplier"]
    assert response.headers["ETag"] == '"2"'


def test_put_cannot_change_position_location(client):
    location = created(client)
    body = request()
    body["positionProfile"]["positionLocation"] = {"name": "Rotterdam"}
    assert_setu_error(put(client, location, body), 400, "positionLocation", "295")


def test_put_with_stale_if_match_is_412(client):
    location = created(client)
    assert_setu_error(put(client, location, request(), **{"If-Match": '"5"'}), 412)
    assert put(client, location, request(), **{"If-Match": '"1"'}).status_code == 200


def test_put_on_unknown_resource_is_404(client):
    assert_setu_error(put(client, f"/planning/requests/{uuid.uuid4()}", request()), 404)


# ------------------------------------------------------------------ cancelling
def test_delete_is_204_and_the_resource_is_gone(client):
    location = created(client)
    response = client.delete(location)
    assert response.status_code == 204 and response.get_data() == b""
    assert_setu_error(client.get(location), 404)
    assert_setu_error(client.delete(location), 404)
    assert_setu_error(put(client, location, request()), 404)


def test_delete_with_stale_if_match_is_412(client):
    location = created(client)
    assert_setu_error(client.delete(location, headers={"If-Match": '"9"'}), 412)
    assert client.get(location).status_code == 200


# ------------------------------------------------------------------ lines
@pytest.mark.parametrize(
    ("path", "body", "segment", "line", "field"),
    [
        ("/planning/requests", request(), "single-lines", single_planning_line(), "singlePlanningLine"),
        (
            "/planning/requests",
            request(),
            "periodic-lines",
            {**request()["periodicPlanningLine"][0], "lineId": {"value": "P2", "schemeAgencyId": "Customer"}},
            "periodicPlanningLine",
        ),
        ("/planning/assignments", assignment(), "single-lines", assigned_single_line(), "singlePlanningLine"),
        (
            "/planning/constraints",
            constraints(),
            "single-lines",
            single_availability_line(),
            "singleAvailabilityLine",
        ),
        (
            "/planning/constraints",
            constraints(),
            "periodic-lines",
            {**constraints()["periodicAvailabilityLine"][0], "lineId": {"value": "A2", "schemeAgencyId": "Supplier"}},
            "periodicAvailabilityLine",
        ),
    ],
)
def test_line_post_get_put_delete(client, path, body, segment, line, field):
    location = created(client, path, body)
    line_id = line["lineId"]["value"]

    response = post(client, f"{location}/{segment}", line)
    assert response.status_code == 201
    assert response.headers["Location"] == f"{location}/lines/{line_id}"
    assert response.get_json() == {field: [line]}

    fetched = client.get(f"{location}/lines/{line_id}")
    assert fetched.status_code == 200 and fetched.get_json() == {field: [line]}

    duplicate = post(client, f"{location}/{segment}", line)
    assert_setu_error(duplicate, 409, line_id)

    changed = copy.deepcopy(line)
    changed["endDateTime" if "endDateTime" in line else "endTime"] = line.get("endDateTime", "").replace(
        "16:00", "17:00"
    ) or line.get("endTime", "").replace("16:00", "17:00")
    replaced = put(client, f"{location}/lines/{line_id}", changed)
    assert replaced.status_code == 200 and replaced.get_json() == {field: [changed]}

    removed = client.delete(f"{location}/lines/{line_id}")
    assert removed.status_code == 200 and removed.get_json() == {field: [changed]}
    assert_setu_error(client.get(f"{location}/lines/{line_id}"), 404)


def test_line_post_accepts_the_official_wrapper_with_one_line(client):
    location = created(client)
    response = post(client, f"{location}/single-lines", {"singlePlanningLine": [single_planning_line()]})
    assert response.status_code == 201


def test_line_wrapper_with_two_lines_is_400(client):
    location = created(client)
    two = {"singlePlanningLine": [single_planning_line("S8"), single_planning_line("S9")]}
    assert_setu_error(post(client, f"{location}/single-lines", two), 400, "exactly one")


def test_line_of_the_wrong_kind_for_the_endpoint_is_400(client):
    location = created(client)
    wrapped = {"singlePlanningLine": [single_planning_line()]}
    assert_setu_error(post(client, f"{location}/periodic-lines", wrapped), 400, "periodic")


def test_line_operations_on_unknown_line_or_resource_are_404(client):
    location = created(client)
    assert_setu_error(client.get(f"{location}/lines/NOPE"), 404, "NOPE")
    assert_setu_error(put(client, f"{location}/lines/NOPE", single_planning_line("NOPE")), 404)
    assert_setu_error(client.delete(f"{location}/lines/NOPE"), 404)
    unknown = f"/planning/requests/{uuid.uuid4()}"
    assert_setu_error(post(client, f"{unknown}/single-lines", single_planning_line()), 404)


def test_removing_the_last_line_is_400(client):
    location = created(client, "/planning/constraints", constraints())
    assert_setu_error(client.delete(f"{location}/lines/A1"), 400, "282")


def test_line_post_with_stale_if_match_is_412(client):
    location = created(client)
    response = post(client, f"{location}/single-lines", single_planning_line(), **{"If-Match": '"4"'})
    assert_setu_error(response, 412)


# ------------------------------------------------------------------ look-ups
def test_constraints_of_a_worker_by_query_and_by_path(client):
    location = created(client, "/planning/constraints", constraints())
    by_query = client.get("/planning/constraints?hrId=W-1")
    assert by_query.status_code == 200 and by_query.get_json() == [constraints()]
    by_path = client.get("/planning/constraints/W-1")
    assert by_path.status_code == 200 and by_path.get_json() == [constraints()]
    assert client.get("/planning/constraints?hrId=nobody").get_json() == []
    assert client.get("/planning/constraints/W-1?unrelated=1").get_json() == [constraints()]
    assert client.get(location).get_json() == constraints()


def test_constraints_list_without_hr_id_is_400(client):
    assert_setu_error(client.get("/planning/constraints"), 400, "hrId")


def test_constraints_list_in_xml_is_wrapped(client):
    created(client, "/planning/constraints", constraints())
    response = client.get("/planning/constraints?hrId=W-1", headers={"Accept": "application/xml"})
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("<PlanningConstraints") == 1
    assert "<Constraints>" in response.get_data(as_text=True)


def test_assignments_of_a_request(client):
    request_location = created(client)
    created(client, "/planning/assignments", assignment())
    response = client.get(f"{request_location}/assignments")
    assert response.status_code == 200 and response.get_json() == [assignment()]
    assert_setu_error(client.get(f"/planning/requests/{uuid.uuid4()}/assignments"), 404)


# ------------------------------------------------------------------ history and time travel
def test_history_lists_events_oldest_first_and_survives_cancellation(client):
    location = created(client)
    post(client, f"{location}/single-lines", single_planning_line(), **{"X-SETU-Actor": "planner"})
    client.delete(location)
    response = client.get(f"{location}/history")
    assert response.status_code == 200
    history = response.get_json()
    assert history["id"] == location.rsplit("/", 1)[1]
    assert [e["type"] for e in history["events"]] == ["Submitted", "LineAdded", "Cancelled"]
    assert [e["version"] for e in history["events"]] == [1, 2, 3]
    assert history["events"][1]["actor"] == "planner"
    assert history["events"][1]["changes"]["lineId"] == "S9"
    assert all(e["timestamp"].endswith("Z") for e in history["events"])
    assert_setu_error(client.get(f"/planning/requests/{uuid.uuid4()}/history"), 404)


def test_as_of_and_version_show_the_past_also_after_cancellation(client):
    location = created(client)
    post(client, f"{location}/single-lines", single_planning_line())
    client.delete(location)
    events = client.get(f"{location}/history").get_json()["events"]

    first = client.get(location, query_string={"asOf": events[0]["timestamp"]})
    assert first.status_code == 200 and first.get_json() == request()
    second = client.get(location, query_string={"version": "2"})
    assert second.get_json()["singlePlanningLine"] == [single_planning_line()]
    line = client.get(f"{location}/lines/S9", query_string={"asOf": events[1]["timestamp"]})
    assert line.status_code == 200
    assert_setu_error(client.get(f"{location}/lines/S9", query_string={"asOf": events[0]["timestamp"]}), 404)
    assert_setu_error(client.get(location, query_string={"asOf": events[2]["timestamp"]}), 404)
    assert_setu_error(client.get(location, query_string={"asOf": "2000-01-01T00:00:00Z"}), 404)
    assert_setu_error(client.get(location, query_string={"version": "9"}), 404)


@pytest.mark.parametrize("value", ["yesterday", "2026-01-01T00:00:00"])
def test_as_of_must_be_an_rfc3339_moment(client, value):
    location = created(client)
    assert_setu_error(client.get(location, query_string={"asOf": value}), 400, "asOf")


def test_version_must_be_a_number(client):
    location = created(client)
    assert_setu_error(client.get(location, query_string={"version": "two"}), 400, "version")


def test_json_body_of_errors_is_the_setu_error_object_only(client):
    response = client.get("/planning/requests/x")
    assert json.loads(response.get_data()).keys() == {"code", "description"}
