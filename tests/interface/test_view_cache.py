"""GET answers from the per-process view cache are never stale and never cross parties."""

from __future__ import annotations

import json

from samples import request

from setu_planning.application import PlanningApplication
from setu_planning.domain.parties import Party, PartyIdentifier
from setu_planning.interface.http import create_app

JSON = {"Content-Type": "application/json", "setuVersionId": "2.0"}


def test_a_change_written_by_another_process_is_seen_by_the_next_get(tmp_path):
    url = f"sqlite:///{tmp_path / 'planning.sqlite3'}"
    serving, other_process = PlanningApplication(url), PlanningApplication(url)
    client = create_app(serving).test_client()
    resource_id = other_process.requests.submit(request()).state.id
    first = client.get(f"/planning/requests/{resource_id}")
    assert first.status_code == 200 and first.headers["ETag"] == '"1"'
    assert client.get(f"/planning/requests/{resource_id}").get_data() == first.get_data()

    changed = request()
    changed["positionProfile"]["positionTitle"] = "Changed elsewhere"
    other_process.requests.replace(resource_id, changed)
    second = client.get(f"/planning/requests/{resource_id}")
    assert second.headers["ETag"] == '"2"'
    assert second.get_json()["positionProfile"]["positionTitle"] == "Changed elsewhere"

    other_process.requests.cancel(resource_id)
    assert client.get(f"/planning/requests/{resource_id}").status_code == 404
    serving.close(), other_process.close()


def test_each_format_and_version_is_its_own_view(tmp_path):
    app = PlanningApplication(f"sqlite:///{tmp_path / 'planning.sqlite3'}")
    client = create_app(app).test_client()
    resource_id = app.requests.submit(request(), setu_version="2.0").state.id
    path = f"/planning/requests/{resource_id}"
    as_json = client.get(path)
    as_xml = client.get(path, headers={"Accept": "application/xml"})
    as_v1 = client.get(path, headers={"setuVersionId": "1.0"})
    assert as_json.mimetype == "application/json" and as_json.get_json() == request()
    assert as_xml.mimetype == "application/xml" and as_xml.get_data().startswith(b"<?xml")
    assert as_v1.headers["setuVersionId"] == "1.0" and "item" in json.dumps(as_v1.get_json())
    assert client.get(path).get_data() == as_json.get_data()
    app.close()


def test_a_cached_view_is_not_shown_to_a_party_the_message_does_not_name(tmp_path):
    app = PlanningApplication(f"sqlite:///{tmp_path / 'planning.sqlite3'}")
    otto = Party("otto", frozenset({PartyIdentifier("OTTO", "Customer")}))
    rival = Party("rival", frozenset({PartyIdentifier("RIVAL", "Customer")}))
    resource_id = app.requests.submit(request(), party=otto).state.id
    render = lambda state: state.message["documentId"]["value"]  # noqa: E731
    for cached in (False, True):  # from the store, then from the cache: the same refusal
        if cached:
            assert app.requests.view(resource_id, render, "v", party=otto) == "REQ-1"
            assert len(app.views) == 1
        try:
            app.requests.view(resource_id, render, "v", party=rival)
        except Exception as error:  # noqa: BLE001
            assert (
                type(error).__name__ == "ResourceNotFound" and str(error) == f"no PlanningRequest with id {resource_id}"
            )
        else:
            raise AssertionError("a party the message does not name saw it")
    app.close()
