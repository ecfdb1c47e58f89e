"""What the client sends, and what it tolerates in answers where conforming servers differ.

The stub (tests/stub_setu_server.py) differs from our server on purpose:
absolute Location, its own ids, 200 for POST of request lines, no body on
some answers, weak ETags, lower-case header names, charset parameters.
"""

from __future__ import annotations

import json
import threading
import uuid

import httpx
import pytest
from samples import assignment, constraints, request, single_availability_line, single_planning_line

from setu_planning.domain.messages import LineKind
from setu_planning.interface.client import NotFound, SetuClient


# ------------------------------------------------------------ what goes out
def test_headers_name_format_version_actor_and_if_match(stub_server, make_client):
    client = make_client(stub_server.base_url, format="xml", setu_version="1.0", on_behalf_of="planner-7")
    created = client.requests.create(request())
    posted = stub_server.last_request
    assert posted.header("Content-Type") == "application/xml"
    assert posted.header("Accept") == "application/xml"
    assert posted.header("setuVersionId") == "1.0"
    assert posted.header("X-SETU-Actor") == "planner-7"
    assert posted.header("Authorization") is None and posted.header("If-Match") is None
    assert posted.body.startswith(b"<?xml") and b"https://ontology.setu.nl/planning#" in posted.body

    etag = client.requests.get(created.id).etag
    fetched = stub_server.last_request
    assert fetched.header("Content-Type") is None and fetched.body == b""
    client.requests.replace(created.id, request(), if_match=etag)
    assert stub_server.last_request.header("If-Match") == etag


def test_lines_are_sent_in_the_official_wrapper_form(stub_server, make_client):
    client = make_client(stub_server.base_url)
    created = client.requests.create(request())
    client.requests.add_line(created.id, LineKind.SINGLE, single_planning_line())
    posted = stub_server.last_request
    assert posted.path == "/planning/requests/REQ-000001/single-lines"
    assert json.loads(posted.body) == {"singlePlanningLine": [single_planning_line()]}


def test_ids_and_line_ids_are_percent_encoded_in_paths(stub_server, make_client):
    stub_server.id_scheme = lambda prefix, number: f"{prefix}/{number} ü"
    client = make_client(stub_server.base_url)
    created = client.requests.create(request())
    assert created.id == "REQ/1 ü"  # decoded from the Location
    assert client.requests.get(created.id).message == request()
    assert stub_server.last_request.path == "/planning/requests/REQ%2F1%20%C3%BC"

    line = single_planning_line("week 1/α")
    added = client.requests.add_line(created.id, "single", line)
    assert added.line_id == "week 1/α"
    assert client.requests.get_line(created.id, "week 1/α").line == line
    assert stub_server.last_request.path == "/planning/requests/REQ%2F1%20%C3%BC/lines/week%201%2F%CE%B1"


def test_line_ids_with_spaces_and_accents_work_against_our_server(our_server, make_client):
    client = make_client(our_server.base_url)
    created = client.requests.create(request())
    line = single_planning_line("dag één")
    assert client.requests.add_line(created.id, "single", line).line_id == "dag één"
    assert client.requests.get_line(created.id, "dag één").line == line


# ------------------------------------------------------------ what comes back
def test_create_answers_remote_id_from_absolute_location(stub_server, make_client):
    created = make_client(stub_server.base_url).requests.create(request())
    assert created.location == f"{stub_server.base_url}/planning/requests/REQ-000001"
    assert created.id == "REQ-000001"


def test_create_answers_remote_id_from_relative_location(our_server, make_client):
    created = make_client(our_server.base_url).requests.create(request())
    assert created.location == f"/planning/requests/{created.id}"
    uuid.UUID(created.id)


def test_create_answered_without_body_gives_the_message_sent(stub_server, make_client):
    created = make_client(stub_server.base_url).assignments.create(assignment())
    assert created.message == assignment()
    assert created.etag is None  # the stub's 201 has neither body nor ETag


def test_replayed_create_gives_the_same_remote_id_whether_200_or_201(counterparty, make_client):
    client = make_client(counterparty.base_url)
    first = client.constraints.create(constraints())
    again = client.constraints.create(constraints())  # stub: 200 with body, ours: 201
    assert again.id == first.id and again.message == constraints()
    if counterparty.stub is not None:
        assert again.etag == 'W/"r1"'


def test_line_created_with_200_and_the_line_in_the_body(stub_server, make_client):
    client = make_client(stub_server.base_url)
    created = client.requests.create(request())
    added = client.requests.add_line(created.id, "single", single_planning_line())
    assert added.location == f"{stub_server.base_url}/planning/requests/REQ-000001/lines/S9"
    assert (added.line_id, added.line_kind, added.line) == ("S9", LineKind.SINGLE, single_planning_line())


def test_line_created_with_201_and_no_body_gives_the_line_sent(stub_server, make_client):
    client = make_client(stub_server.base_url)
    created = client.constraints.create(constraints())
    added = client.constraints.add_line(created.id, "single", single_availability_line())
    assert (added.line_id, added.line) == ("A9", single_availability_line())
    assert added.etag is None


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bare_line_answers_are_read_by_their_elements(stub_server, make_client, fmt):
    stub_server.bare_lines = True
    client = make_client(stub_server.base_url, format=fmt)
    created = client.requests.create(request())
    client.requests.add_line(created.id, "single", single_planning_line())
    single = client.requests.get_line(created.id, "S9")
    periodic = client.requests.get_line(created.id, "P1")
    assert (single.line_kind, single.line) == (LineKind.SINGLE, single_planning_line())
    assert (periodic.line_kind, periodic.line) == (LineKind.PERIODIC, request()["periodicPlanningLine"][0])


def test_line_removal_answered_without_body_gives_none(stub_server, make_client):
    client = make_client(stub_server.base_url)
    created = client.requests.create(request())
    client.requests.add_line(created.id, "single", single_planning_line())
    assert client.requests.remove_line(created.id, "S9") is None
    with pytest.raises(NotFound):
        client.requests.get_line(created.id, "S9")


def test_replace_line_needs_a_kind_when_the_line_does_not_say(stub_server, make_client):
    client = make_client(stub_server.base_url)
    with pytest.raises(ValueError, match="line_kind"):
        client.requests.replace_line("REQ-000001", "X", {"lineId": {"value": "X"}})
    assert stub_server.recorded == []


def test_the_stub_differs_from_our_server_as_advertised(stub_server, our_server):
    """Guards the tolerance tests above: the stub really answers the other way."""
    for base_url, expected in ((stub_server.base_url, "stub"), (our_server.base_url, "ours")):
        answer = httpx.post(
            f"{base_url}/planning/requests",
            content=json.dumps(request()).encode(),
            headers={"Content-Type": "application/json", "setuVersionId": "2.0"},
        )
        names = [name for name, _ in answer.headers.raw]
        if expected == "stub":
            assert answer.status_code == 201 and answer.content == b""
            assert b"location" in names and b"Location" not in names
            assert answer.headers["location"].startswith("http://")
            again = httpx.get(answer.headers["location"])
            assert again.headers["content-type"] == "application/json; charset=utf-8"
            assert again.headers["etag"].startswith('W/"') and "setuVersionId" not in again.headers
        else:
            assert answer.status_code == 201, answer.text
            assert answer.headers["Location"].startswith("/planning/requests/")


# ------------------------------------------------------------ sharing
def test_one_client_is_shared_between_threads(counterparty, make_client):
    client = make_client(counterparty.base_url)
    ids: list[str] = []
    failures: list[BaseException] = []

    def submit(number: int) -> None:
        message = request(documentId={"value": f"REQ-T{number}", "schemeAgencyId": "Customer"})
        try:
            ids.append(client.requests.create(message).id)
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(set(ids)) == 8


def test_the_client_is_a_context_manager(stub_server):
    with SetuClient(stub_server.base_url) as client:
        assert client.requests.create(request()).id == "REQ-000001"
    with pytest.raises(RuntimeError):
        client.requests.get("REQ-000001")


@pytest.mark.parametrize("base_url", ["ftp://example.com", "example.com", "http://"])
def test_a_base_url_that_is_not_http_is_refused_at_once(base_url):
    with pytest.raises(ValueError):
        SetuClient(base_url)
