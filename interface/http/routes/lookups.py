"""Look-ups across resources: the constraints of a worker, the assignments of a request."""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, Response, request

from setu_planning.domain.messages import MessageKind

from ...codecs.kinds import BY_KIND, Kind
from ..context import party, planning
from ..preconditions import BadParameter
from .common import state_list


def add_routes(blueprint: Blueprint, spec: Kind) -> None:
    if spec.kind is MessageKind.CONSTRAINTS:

        @blueprint.get("")
        def of_worker() -> Response:
            hr_id = request.args.get("hrId")
            if not hr_id:
                raise BadParameter("query parameter hrId (the worker's id) is required")
            return state_list(spec, planning().constraints.of_worker(hr_id, party=party()))

    if spec.kind is MessageKind.REQUEST:

        @blueprint.get("/<resource_id>/assignments")
        def assignments(resource_id: str) -> Response:
            found = planning().requests.assignments(resource_id, party=party())
            return state_list(BY_KIND[MessageKind.ASSIGNMENT], found)


def worker_fallback(segment: str) -> Response | None:
    """``GET /planning/constraints/{hrID}`` as the scenarios write it.

    A segment shaped as a UUID is a resource id (resource ids are UUIDs; an
    unknown one is a 404, so a client can tell that a resource is gone);
    any other segment is taken for a worker id.
    """
    try:
        UUID(segment)
    except ValueError:
        pass
    else:
        return None
    constraints = planning().constraints
    return state_list(BY_KIND[MessageKind.CONSTRAINTS], constraints.of_worker(segment, party=party()))
