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
        """What this system sent, or owes, counterparties about the resource; a party sees its own."""
        acting = party()
        uuid = service(spec).identify(resource_id, party=acting)
        rows = node().delivery.deliveries(resource_id=uuid, party=acting.name if acting else None)
        body = {"id": resource_id, "deliveries": [row.as_json() for row in rows]}
        return Response(json.dumps(body, ensure_ascii=False), 200, mimetype=media.JSON)
