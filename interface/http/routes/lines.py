"""One line of a resource: POST a periodic or single line, GET, PUT or DELETE it by its lineId."""

from __future__ import annotations

from flask import Blueprint, Response

from setu_planning.domain.messages import LineKind

from ...codecs.kinds import Kind
from ...codecs.wire import decode_line
from ..context import party, who
from ..preconditions import body, body_version, expected_version, named_version
from .common import line_response, location, past_or_present, service, stored_line


def add_routes(blueprint: Blueprint, spec: Kind) -> None:
    kind = spec.kind

    def add_line(resource_id: str, line_kind: LineKind) -> Response:
        setu_version = body_version()
        data, fmt = body()
        _, line = decode_line(data, fmt, kind, setu_version, line_kind)
        state, stored = service(spec).add_line(
            resource_id,
            line_kind,
            line,
            **who(),
            setu_version=setu_version,
            expected_version=expected_version(),
        )
        where = f"{location(spec, state)}/lines/{stored['lineId']['value']}"
        return line_response(spec, state, line_kind, stored, 201, Location=where)

    blueprint.add_url_rule(
        "/<resource_id>/periodic-lines",
        "add_periodic_line",
        lambda resource_id: add_line(resource_id, LineKind.PERIODIC),
        methods=["POST"],
    )
    blueprint.add_url_rule(
        "/<resource_id>/single-lines",
        "add_single_line",
        lambda resource_id: add_line(resource_id, LineKind.SINGLE),
        methods=["POST"],
    )

    @blueprint.get("/<resource_id>/lines/<line_id>")
    def get_line(resource_id: str, line_id: str) -> Response:
        state = past_or_present(spec, resource_id)
        line_kind, line = stored_line(state, line_id)
        return line_response(spec, state, line_kind, line, 200)

    @blueprint.put("/<resource_id>/lines/<line_id>")
    def replace_line(resource_id: str, line_id: str) -> Response:
        setu_version = body_version()
        data, fmt = body()
        stored_kind, _ = stored_line(service(spec).get(resource_id, party=party()), line_id)
        _, line = decode_line(data, fmt, kind, setu_version, stored_kind)
        state, result = service(spec).replace_line(
            resource_id,
            line_id,
            line,
            **who(),
            setu_version=setu_version,
            expected_version=expected_version(),
        )
        return line_response(spec, state, stored_kind, result, 200)

    @blueprint.delete("/<resource_id>/lines/<line_id>")
    def remove_line(resource_id: str, line_id: str) -> Response:
        setu_version = named_version()
        stored_kind, _ = stored_line(service(spec).get(resource_id, party=party()), line_id)
        state, removed = service(spec).remove_line(
            resource_id,
            line_id,
            **who(),
            setu_version=setu_version,
            expected_version=expected_version(),
        )
        return line_response(spec, state, stored_kind, removed, 200)
