"""The embedding API's ``party=`` follows the same rules as REST: visibility per version, writes by the owner."""

from __future__ import annotations

import copy

import pytest
from samples import request

from setu_planning.application import Caller, PlanningApplication
from setu_planning.domain.errors import ResourceNotFound
from setu_planning.domain.parties import Party, PartyIdentifier
from setu_planning.domain.visibility import NotOwner

ACME = Party("acme", frozenset({PartyIdentifier("ACME", "Customer")}))
OTTO = Party("otto", frozenset({PartyIdentifier("OTTO", "Customer")}))
RIVAL = Party("rival", frozenset({PartyIdentifier("RIVAL", "Customer")}))


@pytest.fixture
def app():
    planning = PlanningApplication("memory://")
    yield planning
    planning.close()


def supplied_by(supplier: str) -> dict:
    message = copy.deepcopy(request())
    message["supplier"] = {"id": [{"value": supplier, "schemeAgencyId": "Customer"}]}
    return message


def handed_over(app: PlanningApplication):
    resource_id = app.requests.submit(
        supplied_by("OTTO"), by=Caller.counterparty(ACME, on_behalf_of="planner-7")
    ).state.id
    app.requests.replace(resource_id, supplied_by("RIVAL"), by=Caller.counterparty(ACME))
    return resource_id


def test_a_version_not_naming_the_party_answers_as_an_unknown_id(app):
    resource_id = handed_over(app)
    with pytest.raises(ResourceNotFound, match=f"^no PlanningRequest with id {resource_id}$"):
        app.requests.at_version(resource_id, 1, party=RIVAL)
    with pytest.raises(ResourceNotFound, match=f"^no PlanningRequest with id {resource_id}$"):
        app.requests.at_version(resource_id, 2, party=OTTO)
    assert app.requests.at_version(resource_id, 1, party=OTTO).version == 1
    assert app.requests.at_version(resource_id, 1).version == 1  # the embedding system sees all


def test_a_partys_history_starts_whole_and_ends_at_its_removal(app):
    resource_id = handed_over(app)
    rival = app.requests.history(resource_id, party=RIVAL)
    otto = app.requests.history(resource_id, party=OTTO)
    assert [(e.version, list(e.changes)) for e in rival] == [(2, ["resource"])]
    assert [(e.version, e.changes.get("removed")) for e in otto] == [(1, None), (2, True)]
    assert [e.on_behalf_of for e in otto] == [None, None]
    assert [e.on_behalf_of for e in app.requests.history(resource_id, party=ACME)] == ["planner-7", None]


def test_only_the_creator_changes_a_resource(app):
    resource_id = app.requests.submit(supplied_by("OTTO"), by=Caller.counterparty(ACME)).state.id
    with pytest.raises(NotOwner, match="only its creator"):
        app.requests.cancel(resource_id, by=Caller.counterparty(OTTO))
    embedded = app.requests.submit(supplied_by("OTTO") | {"documentId": {"value": "E-1", "schemeAgencyId": "Customer"}})
    with pytest.raises(NotOwner, match="the embedding system"):
        app.requests.cancel(embedded.state.id, by=Caller.counterparty(ACME))
    app.requests.cancel(resource_id)  # the embedding system may
