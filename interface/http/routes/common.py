"""What the routes of every operation share: the service of a kind, reading the past, writing answers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import Response, request

from setu_planning.application import ResourceState
from setu_planning.domain.aggregates import find_line
from setu_planning.domain.messages import LineKind

from ...codecs import media
from ...codecs.kinds import Kind
from ...codecs.wire import Encoder
from ..context import party, planning
from ..preconditions import BadParameter, encoder, etag

CONTENT_TYPES = {media.JSON: "application/json", media.XML: "application/xml; charset=utf-8"}


def service(spec: Kind) -> Any:
    """The application's service of one message kind (``app.requests`` etc.)."""
    return planning().service(spec.kind)


def location(spec: Kind, state: ResourceState) -> str:
    return f"/planning/{spec.path}/{state.id}"


def respond(body: bytes | None, status: int, chosen: Encoder | None, **headers: str) -> Response:
    listed = [(name.replace("_", "-"), value) for name, value in headers.items()]
    if chosen is not None and body is not None:
        listed.append(("setuVersionId", chosen.version))
        return Response(body, status, listed, content_type=CONTENT_TYPES[chosen.fmt])
    return Response(body, status, listed)


def message_response(spec: Kind, state: ResourceState, status: int, **headers: str) -> Response:
    chosen = encoder(state.setu_version)
    return respond(chosen.message(spec.kind, state.message), status, chosen, ETag=etag(state), **headers)


def line_response(
    spec: Kind, state: ResourceState, line_kind: LineKind, line: Mapping[str, Any], status: int, **headers: str
) -> Response:
    chosen = encoder(state.setu_version)
    return respond(chosen.line(spec.kind, line_kind, line), status, chosen, ETag=etag(state), **headers)


def moment(value: str) -> datetime:
    """An ``asOf`` parameter: an RFC 3339 date-time with its UTC offset."""
    try:
        found = datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError:
        raise BadParameter(f"asOf {value!r} is not an RFC 3339 date-time") from None
    if found.tzinfo is None:
        raise BadParameter(f"asOf {value!r} needs a UTC offset, e.g. 2026-03-02T09:00:00Z")
    return found


def past_or_present(spec: Kind, resource_id: str) -> ResourceState:
    """The resource now, or as of ``asOf``, or at ``version``, as the query asks."""
    as_of, version = request.args.get("asOf"), request.args.get("version")
    if as_of is not None and version is not None:
        raise BadParameter("ask for asOf or version, not both")
    if as_of is not None:
        return service(spec).as_of(resource_id, moment(as_of), party=party())
    if version is not None:
        if not version.isdigit():
            raise BadParameter(f"version {version!r} is not a positive integer")
        return service(spec).at_version(resource_id, int(version), party=party())
    return service(spec).get(resource_id, party=party())


def stored_line(state: ResourceState, line_id: str) -> tuple[LineKind, dict[str, Any]]:
    line_kind, _, line = find_line(state.kind, state.message, line_id, f"{state.kind} {state.id}")
    return line_kind, line


def state_list(spec: Kind, states: list[ResourceState]) -> Response:
    chosen = encoder()
    body = chosen.messages(spec.kind, [s.message for s in states], spec.list_wrapper)
    return respond(body, 200, chosen)
