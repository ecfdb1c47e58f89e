"""What this system recorded about a resource: its audit history, and its deliveries to counterparties."""

from __future__ import annotations

import json

from flask import Blueprint, Response

from ...codecs import media
from ...codecs.kinds import Kind
from ..context import node, party
from .common import service


def add_routes(blueprint: Blueprint, spec: Kind) -> None:
    @blueprint.get("/<resource_id>/history")
    def history(resource_id: str) -> Response:
        entries = service(spec).history(resource_id, party=party())
        body = {"id": resource_id, "events": [entry.as_json() for entry in entries]}
        return Response(json.dumps(body, ensure_ascii=False), 200, mimetype=media.JSON)

    @blueprint.get("/<resource_id>/deliveries")
    def deliveries(resource_id: str) -> Response:
        """What this system sent, or owes, counterparties about the resource; a party sees its own.

        ``heldBack`` names, of the parties listed, those whose deliveries are
        paused as a whole after failing in a row, and why: the reason the
        ``pending`` rows behind them are not being sent.
        """
        acting = party()
        uuid = service(spec).identify(resource_id, party=acting)
        delivery = node().delivery
        rows = delivery.deliveries(resource_id=uuid, party=acting.name if acting else None)
        listed = {row.party for row in rows}
        held = {name: why for name, why in sorted(delivery.held_back().items()) if name in listed}
        body = {"id": resource_id, "deliveries": [row.as_json() for row in rows], "heldBack": held}
        return Response(json.dumps(body, ensure_ascii=False), 200, mimetype=media.JSON)
