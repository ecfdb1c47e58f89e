"""A resource as a whole: POST a message, GET it (now or in the past), PUT it, DELETE it."""

from __future__ import annotations

from flask import Blueprint, Response, request

from setu_planning.application import ResourceState
from setu_planning.domain.messages import MessageKind

from ...codecs.kinds import Kind
from ...codecs.wire import decode_message
from ..context import party, who
from ..preconditions import asked, body, body_version, encoder, etag, expected_version, named_version
from .common import CONTENT_TYPES, location, message_response, past_or_present, respond, service
from .lookups import worker_fallback


def add_routes(blueprint: Blueprint, spec: Kind) -> None:
    kind = spec.kind

    @blueprint.post("")
    def submit() -> Response:
        setu_version = body_version()
        data, fmt = body()
        message = decode_message(data, fmt, kind, setu_version)
        submission = service(spec).submit(message, **who(), setu_version=setu_version)
        state = submission.state
        if not submission.created:
            # A replayed POST answers exactly as the first one did.
            state = service(spec).at_version(state.id, 1, party=party())
        return message_response(spec, state, 201, Location=location(spec, state))

    def rendered(state: ResourceState) -> tuple[bytes, str, str]:
        chosen = encoder(state.setu_version)
        return chosen.message(kind, state.message), chosen.version, etag(state)

    @blueprint.get("/<resource_id>")
    def get(resource_id: str) -> Response:
        if request.query_string and request.args.keys() & {"asOf", "version"}:
            return message_response(spec, past_or_present(spec, resource_id), 200)
        if kind is MessageKind.CONSTRAINTS:
            worker_list = worker_fallback(resource_id)
            if worker_list is not None:
                return worker_list
        answer = asked()
        data, version, tag = service(spec).view(resource_id, rendered, answer, party=party())
        headers = [("ETag", tag), ("setuVersionId", version)]
        return Response(data, 200, headers, content_type=CONTENT_TYPES[answer[0]])

    @blueprint.put("/<resource_id>")
    def replace(resource_id: str) -> Response:
        setu_version = body_version()
        data, fmt = body()
        message = decode_message(data, fmt, kind, setu_version)
        state = service(spec).replace(
            resource_id,
            message,
            **who(),
            setu_version=setu_version,
            expected_version=expected_version(),
        )
        return message_response(spec, state, 200)

    @blueprint.delete("/<resource_id>")
    def cancel(resource_id: str) -> Response:
        setu_version = named_version()
        state = service(spec).cancel(
            resource_id, **who(), setu_version=setu_version, expected_version=expected_version()
        )
        return respond(None, 204, None, ETag=etag(state))
