"""The delivering process keeps the outboxes it saved in memory, yet what another process saved still counts.

Two delivery applications on one SQLite file stand for the delivering
``serve`` worker and the operator's ``deliveries skip`` in another process.
The deliverer has just saved (and so cached) an outbox; the operator skips
its head; the deliverer must then send the change behind it, never the
skipped one.
"""

from __future__ import annotations

import copy

import pytest
from samples import request

from setu_planning.application import Caller, PlanningApplication
from setu_planning.application.delivery import DeliveryApplication, Outcome
from setu_planning.domain.parties import Party, PartyIdentifier

OTTO = Party("otto", frozenset({PartyIdentifier("OTTO", "Customer")}))


class Recording:
    """A transport that accepts everything and remembers what it was given."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, change):
        self.sent.append((change.change.value, change.message["positionProfile"]["positionTitle"]))
        return Outcome.ok("REMOTE-1")


@pytest.fixture
def two_processes(tmp_path):
    url = f"sqlite:///{tmp_path / 'cache.sqlite3'}"
    planning, other_planning = PlanningApplication(url), PlanningApplication(url)
    deliverer, operator = DeliveryApplication(planning, [OTTO]), DeliveryApplication(other_planning, [OTTO])
    yield planning, deliverer, operator
    for app in (deliverer, operator, planning, other_planning):
        app.close()


def titled(title: str) -> dict:
    message = copy.deepcopy(request())
    message["supplier"] = {"id": [{"value": "OTTO", "schemeAgencyId": "Customer"}]}
    message["positionProfile"]["positionTitle"] = title
    return message


def test_a_head_skipped_by_another_process_is_not_sent_from_the_cached_outbox(two_processes):
    planning, deliverer, operator = two_processes
    clerk = Caller.local("clerk")
    resource_id = planning.requests.submit(titled("Orderpicker"), by=clerk).state.id
    planning.requests.replace(resource_id, titled("Heftruckchauffeur"), by=clerk)
    while deliverer.follow():  # the deliverer saves the outbox, and keeps it
        pass
    assert deliverer.repository.cache, "the deliverer caches the outboxes it saves"

    head = min(deliverer.deliveries(resource_id=resource_id, party="otto"), key=lambda row: row.seq)
    operator.skip(head.id, by="operator")  # another process

    transport = Recording()
    deliverer.deliver_due(transport)
    assert transport.sent == [("replace", "Heftruckchauffeur")]
    statuses = sorted((row.seq, row.status) for row in deliverer.deliveries(resource_id=resource_id, party="otto"))
    assert statuses == [(head.seq, "skipped"), (head.seq + 1, "delivered")]
