"""Delivery and a worker's sealed data: following the log never opens it; the change sent carries it in the open.

Owing a change needs only the parties a message names, which are not
personal data; the counterparty named is sent the message whole.
"""

from __future__ import annotations

import copy

from samples import request

from setu_planning.application import Caller, PlanningApplication
from setu_planning.application.delivery import DeliveryApplication, Outcome
from setu_planning.domain.parties import Party, PartyIdentifier

OTTO = Party("otto", frozenset({PartyIdentifier("OTTO", "Customer")}))
NAME = "Pietersen-Oudshoorn, Marieke"


class Recording:
    """A transport that accepts everything and keeps the messages it was given."""

    def __init__(self) -> None:
        self.messages: list[dict] = []

    def send(self, change):
        self.messages.append(change.message)
        return Outcome.ok("REMOTE-1")


def asking_for_marieke() -> dict:
    message = copy.deepcopy(request())
    message["supplier"] = {"id": [{"value": "OTTO", "schemeAgencyId": "Customer"}]}
    message["positionProfile"]["requestedWorker"] = [
        {"workerId": {"value": "W-4711", "schemeAgencyId": "Supplier"}, "person": {"name": {"formattedName": NAME}}}
    ]
    return message


def test_following_owes_the_change_without_opening_worker_data_and_sends_it_in_the_open(tmp_path, monkeypatch):
    planning = PlanningApplication(f"sqlite:///{tmp_path / 'sealed.sqlite3'}")
    delivery = DeliveryApplication(planning, [OTTO])
    try:
        planning.requests.submit(asking_for_marieke(), by=Caller.local("clerk"))
        assert NAME.encode() not in (tmp_path / "sealed.sqlite3").read_bytes(), "stored sealed"
        opened = []
        real_open = planning.mapper.open_sealed
        monkeypatch.setattr(planning.mapper, "open_sealed", lambda sealed: opened.append(1) or real_open(sealed))

        while delivery.follow():
            pass
        assert opened == [], "following opened a worker's data"
        assert [row.change for row in delivery.deliveries()] == ["create"]

        transport = Recording()
        assert delivery.deliver_due(transport) == 1
        requested = transport.messages[0]["positionProfile"]["requestedWorker"][0]
        assert requested["person"]["name"]["formattedName"] == NAME
        assert opened, "the change sent was read with the worker's data opened"
    finally:
        delivery.close()
        planning.close()
