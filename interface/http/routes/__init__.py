"""The routes of one message kind, one module per operation: the resource whole, its lines, its records, look-ups."""

from __future__ import annotations

from flask import Blueprint

from ...codecs.kinds import Kind
from . import lines, lookups, records, resources


def resource_blueprint(spec: Kind) -> Blueprint:
    """The routes of one message kind under ``/planning/<kind>``.

    One factory for the three kinds, because they share their operations;
    constraints add the look-up by worker, requests the list of their assignments.
    """
    blueprint = Blueprint(spec.path, __name__, url_prefix=f"/planning/{spec.path}")
    for operation in (resources, lines, records, lookups):
        operation.add_routes(blueprint, spec)
    return blueprint
