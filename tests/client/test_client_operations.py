"""Every one of the 29 operations of planning.yml through the client, against our server and the stub.

Each test runs against both counterparties (``counterparty``) in JSON and XML,
SETU 1.0 and 2.0 (``wire_form``), with the official examples of that version.
The 29: per message kind POST, GET, PUT, DELETE, POST periodic-lines, POST
single-lines, GET/PUT/DELETE lines/{lineId} (9 x 3), plus
GET /planning/constraints?hrId= and GET /planning/requests/{id}/assignments.
"""

from __future__ import annotations

import copy

import pytest

from setu_planning.domain.messages import LineKind, MessageKind, line_field
from setu_planning.interface.client import NotFound

pytestmark = pytest.mark.conformance

COLLECTIONS = ["requests", "assignments", "constraints"]
KINDS = {
    "requests": MessageKind.REQUEST,
    "assignments": MessageKind.ASSIGNMENT,
    "constraints": MessageKind.CONSTRAINTS,
}


def endpoint(client, collection):
    return getattr(client, collection)


def lines(message, collection, line_kind):
    return message[line_field(KINDS[collection], LineKind(line_kind))]


def new_line(message, collection, line_kind, line_id="client-line-1"):
    """A line of that kind, copied from the example's first one under a new lineId."""
    line = copy.deepcopy(lines(message, collection, line_kind)[0])
    line["lineId"] = {**line["lineId"], "value": line_id}
    return line


def later_end(line):
    """The same line ending an hour later (periodic lines have times, single lines moments)."""
    changed = copy.deepcopy(line)
    if "endTime" in changed:
        changed["endTime"] = changed["endTime"].replace("16:00:00", "17:00:00")
    else:
        end = changed["endDateTime"]
        changed["endDateTime"] = end.replace("T16:00:00", "T17:00:00").replace("T00:00:00", "T01:00:00", 1)
    assert changed != line
    return changed


def changed_message(message, collection):
    """The message with its first periodic line ending an hour later (allowed by every PUT rule)."""
    changed = copy.deepcopy(message)
    periodic = lines(changed, collection, "periodic")
    periodic[0] = later_end(periodic[0])
    return changed


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_create_answers_the_remote_id_and_the_message_reads_back(client, official_message, collection):
    message = official_message(collection)
    created = endpoint(client, collection).create(message)
    assert created.id and created.id in created.location
    assert created.message == message
    fetched = endpoint(client, collection).get(created.id)
    assert fetched.message == message


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_replace_answers_and_keeps_the_new_message(client, official_message, collection):
    message = official_message(collection)
    created = endpoint(client, collection).create(message)
    changed = changed_message(message, collection)
    replaced = endpoint(client, collection).replace(created.id, changed)
    assert replaced.message == changed
    assert endpoint(client, collection).get(created.id).message == changed


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_cancel_makes_the_resource_unknown(client, official_message, collection):
    created = endpoint(client, collection).create(official_message(collection))
    assert endpoint(client, collection).cancel(created.id) is None
    with pytest.raises(NotFound):
        endpoint(client, collection).get(created.id)


@pytest.mark.parametrize("line_kind", ["periodic", "single"])
@pytest.mark.parametrize("collection", COLLECTIONS)
def test_added_line_reads_back_under_its_line_id(client, official_message, collection, line_kind):
    message = official_message(collection)
    created = endpoint(client, collection).create(message)
    line = new_line(message, collection, line_kind)

    added = endpoint(client, collection).add_line(created.id, line_kind, line)
    assert (added.id, added.line_id, added.line_kind, added.line) == (created.id, "client-line-1", line_kind, line)

    fetched = endpoint(client, collection).get_line(created.id, "client-line-1")
    assert (fetched.line_kind, fetched.line) == (line_kind, line)
    assert line in lines(endpoint(client, collection).get(created.id).message, collection, line_kind)


@pytest.mark.parametrize("line_kind", ["periodic", "single"])
@pytest.mark.parametrize("collection", COLLECTIONS)
def test_replaced_line_reads_back(client, official_message, collection, line_kind):
    message = official_message(collection)
    created = endpoint(client, collection).create(message)
    line = lines(message, collection, line_kind)[0]
    changed = later_end(line)

    replaced = endpoint(client, collection).replace_line(created.id, line["lineId"]["value"], changed)
    assert (replaced.line_kind, replaced.line) == (line_kind, changed)
    fetched = endpoint(client, collection).get_line(created.id, line["lineId"]["value"])
    assert fetched.line == changed


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_removed_line_is_gone(client, official_message, collection):
    message = official_message(collection)
    created = endpoint(client, collection).create(message)
    line = lines(message, collection, "single")[0]
    line_id = line["lineId"]["value"]

    removed = endpoint(client, collection).remove_line(created.id, line_id)
    assert removed is None or (removed.line_kind, removed.line) == ("single", line)
    with pytest.raises(NotFound):
        endpoint(client, collection).get_line(created.id, line_id)


def test_constraints_of_a_worker(client, official_message):
    message = official_message("constraints")
    client.constraints.create(message)
    worker = message["worker"]["workerId"][0]["value"]
    assert client.constraints.of_worker(worker) == [message]
    assert client.constraints.of_worker("nobody-at-all") == []


def test_assignments_of_a_request(client, official_message):
    request = client.requests.create(official_message("requests"))
    assert client.requests.assignments(request.id) == []
    assignment = official_message("assignments")
    client.assignments.create(assignment)
    assert client.requests.assignments(request.id) == [assignment]
