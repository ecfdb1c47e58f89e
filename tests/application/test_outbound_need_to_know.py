"""What the outbox owes each counterparty follows what each version is to it.

A supplier replaced by another is sent the cancellation of its copy, never
the new content; the supplier let in is sent the resource as it then is (a
create); changes queued while a party was named still come first.
"""

from __future__ import annotations

import copy

import pytest
from samples import request, single_planning_line

from setu_planning.application import Caller, PlanningApplication
from setu_planning.application.delivery import DeliveryApplication
from setu_planning.domain.parties import Party, PartyIdentifier

OTTO = Party("otto", frozenset({PartyIdentifier("OTTO", "Customer")}))
RIVAL = Party("rival", frozenset({PartyIdentifier("RIVAL", "Customer")}))


@pytest.fixture
def stores(tmp_path):
    planning = PlanningApplication(f"sqlite:///{tmp_path / 'outbound.sqlite3'}")
    delivery = DeliveryApplication(planning, [OTTO, RIVAL])
    yield planning, delivery
    delivery.close()
    planning.close()


def supplied_by(message: dict, supplier: str) -> dict:
    message = copy.deepcopy(message)
    message["supplier"] = {"id": [{"value": supplier, "schemeAgencyId": "Customer"}]}
    return message


def owed(delivery: DeliveryApplication, resource_id, party: str) -> list[tuple[str, int]]:
    while delivery.follow():
        pass
    rows = delivery.deliveries(resource_id=resource_id, party=party)
    return [(row.change, row.version) for row in sorted(rows, key=lambda r: r.seq)]


def test_a_replaced_supplier_is_sent_the_cancellation_and_the_new_one_a_create(stores):
    planning, delivery = stores
    resource_id = planning.requests.submit(supplied_by(request(), "OTTO"), by=Caller.local("clerk")).state.id
    retitled = supplied_by(request(), "OTTO")
    retitled["positionProfile"]["positionTitle"] = "Heftruckchauffeur"
    planning.requests.replace(resource_id, retitled, by=Caller.local("clerk"))
    planning.requests.replace(resource_id, supplied_by(request(), "RIVAL"), by=Caller.local("clerk"))
    planning.requests.add_line(resource_id, "single", single_planning_line(), by=Caller.local("clerk"))
    assert owed(delivery, resource_id, "otto") == [("create", 1), ("replace", 2), ("cancel", 3)]
    assert owed(delivery, resource_id, "rival") == [("create", 3), ("add-line", 4)]


def test_a_party_never_sent_the_resource_is_sent_no_cancellation_when_removed(stores):
    planning, delivery = stores
    resource_id = planning.requests.submit(supplied_by(request(), "RIVAL"), by=Caller.local("clerk")).state.id
    planning.requests.replace(resource_id, supplied_by(request(), "OTTO"), by=Caller.local("clerk"))
    planning.requests.replace(resource_id, supplied_by(request(), "RIVAL"), by=Caller.local("clerk"))
    assert owed(delivery, resource_id, "otto") == [("create", 2), ("cancel", 3)]
    assert owed(delivery, resource_id, "rival") == [("create", 1), ("cancel", 2), ("create", 3)]
