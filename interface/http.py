"""The SETU Planning REST API over Flask: a thin adapter over the embedding API.

One blueprint per message kind, made by one factory, because the three kinds
share their operations; constraints add the look-up by worker, requests the
list of their assignments. No business rule lives here: routes decode, call
:class:`~setu_planning.application.PlanningApplication`, encode. One error
handler turns every refusal into the SETU error object.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from flask import Blueprint, Flask, Response, current_app, g, request
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_accept_header

from setu_planning.application import PlanningApplication, ResourceState
from setu_planning.domain.aggregates import find_line
from setu_planning.domain.errors import (
    DocumentConflict,
    LineAlreadyExists,
    MessageInvalid,
    ResourceNotFound,
    SetuError,
    VersionMismatch,
)
from setu_planning.domain.messages import LineKind, MessageKind
from setu_planning.domain.parties import NotPermitted, Party

from . import wire
from .observe import install_observability
from .openapi import install_openapi
from .parties import Authenticator, PartyDirectory, Unauthenticated

DEFAULT_MAX_BODY = 1024 * 1024

_STATUS: tuple[tuple[type[SetuError], int], ...] = (
    (MessageInvalid, 400),
    (wire.MalformedBody, 400),
    (wire.UnsupportedVersion, 400),
    (NotPermitted, 403),
    (ResourceNotFound, 404),
    (DocumentConflict, 409),
    (LineAlreadyExists, 409),
    (VersionMismatch, 412),
    (wire.UnsupportedMediaType, 415),
)


class BadParameter(SetuError):
    """A query parameter or header has a value we cannot use."""

    code = "SETU-BAD-PARAMETER"


@dataclass(frozen=True)
class Kind:
    """How one message kind appears in the API."""

    kind: MessageKind
    path: str  # "requests"
    list_wrapper: str  # XML element around a list of these messages


KINDS = (
    Kind(MessageKind.REQUEST, "requests", "Requests"),
    Kind(MessageKind.ASSIGNMENT, "assignments", "Assignments"),
    Kind(MessageKind.CONSTRAINTS, "constraints", "Constraints"),
)
_BY_KIND = {k.kind: k for k in KINDS}


def create_app(
    application: PlanningApplication,
    settings: Mapping[str, Any] | None = None,
    *,
    parties: PartyDirectory | None = None,
) -> Flask:
    """The Flask app serving the SETU Planning API for ``application``.

    With ``parties`` every request under ``/planning`` must prove a party
    (``Authorization: Bearer``): it then acts as that party, sees only what
    names it, and a user name it sends in ``X-SETU-Actor`` is recorded as
    on-behalf-of. Without parties the app is open (development mode): the
    actor is whatever ``X-SETU-Actor`` (or the WSGI ``REMOTE_USER``) claims.

    Settings: ``MAX_CONTENT_LENGTH`` (bytes, default 1 MiB) and ``ACTOR_HEADER``
    (default ``X-SETU-Actor``).
    """
    app = Flask("setu_planning", static_folder=None)  # no static files: every route is in the OpenAPI
    app.config.update(MAX_CONTENT_LENGTH=DEFAULT_MAX_BODY, ACTOR_HEADER="X-SETU-Actor")
    app.config.update(settings or {})
    app.extensions["setu_planning"] = application
    app.extensions["setu_planning_authenticator"] = Authenticator(parties) if parties is not None else None
    app.url_map.strict_slashes = False
    app.url_map.merge_slashes = False  # a path with // is not ours: 404, not a redirect to another resource
    for kind in KINDS:
        app.register_blueprint(resource_blueprint(kind))
    install_openapi(app, authenticated=parties is not None)
    install_observability(app, open_mode=parties is None, queue=_queue_figures)
    app.before_request(_authenticate)
    app.register_error_handler(SetuError, _setu_error)
    app.register_error_handler(Unauthenticated, _unauthenticated)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)

    @app.get("/health")
    def health() -> Response:
        return Response(json.dumps({"status": "ok"}), 200, mimetype=wire.JSON)

    return app


# ---------------------------------------------------------------- request side
def _planning() -> PlanningApplication:
    return current_app.extensions["setu_planning"]


def _authenticate() -> None:
    """Before every request: who is asking (``g.party``), when the app knows its parties."""
    authenticator: Authenticator | None = current_app.extensions["setu_planning_authenticator"]
    g.party = None
    if authenticator is not None and request.path.startswith("/planning"):
        g.party = authenticator.authenticate(request.headers.get("Authorization"))


def _deliveries() -> Any:
    """The store's delivery records, opened on first use."""
    extensions = current_app.extensions
    if extensions.get("setu_planning_deliveries") is None:
        from setu_planning.application.delivery import DeliveryApplication

        extensions["setu_planning_deliveries"] = DeliveryApplication(_planning())
    return extensions["setu_planning_deliveries"]


def _queue_figures() -> Any:
    """The delivery queue as /metrics reports it: rows by party and status, and the log not yet followed."""
    from .metrics import queue_figures

    delivery = _deliveries()
    planning = _planning()
    followed = delivery.recorder.max_tracking_id(planning.name) or 0
    behind = max(0, (planning.recorder.max_notification_id() or 0) - followed)
    rows = delivery.deliveries(limit=1_000_000)
    return queue_figures(rows, behind, lambda row: getattr(row, "queued_at", None) or row.updated_at)


def _party() -> Party | None:
    return g.get("party")


def _who() -> dict[str, Any]:
    """The provenance keywords of a command: the authenticated party, or the claimed actor."""
    claimed = request.headers.get(current_app.config["ACTOR_HEADER"]) or None
    party = _party()
    if party is not None:
        return {"party": party, "on_behalf_of": claimed}
    return {"actor": request.environ.get("REMOTE_USER") or claimed}


def _body_version() -> str:
    return wire.check_version(request.headers.get("setuVersionId"), required=True)  # type: ignore[return-value]


def _body() -> tuple[bytes, str]:
    fmt = wire.body_format(request.headers.get("Content-Type"))
    return request.get_data(cache=False), fmt


_ENTITY_TAG = re.compile(r'\s*(?:W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*')


def _expected_version() -> frozenset[int] | None:
    """The versions If-Match accepts (``"3"``, ``W/"3"``, ``"3", "4"``); ``*`` or none means any.

    A header that is not a list of entity-tags is a 400; a well-formed tag
    that names no version of ours can never match, which is a 412.
    """
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    if len(header) > 1024:
        raise BadParameter("If-Match is longer than any list of our entity-tags")
    tags = []
    for item in header.split(","):
        match = _ENTITY_TAG.fullmatch(item)
        if match is None:
            raise BadParameter(f"If-Match {header[:100]!r} is not a list of entity-tags such as \"3\"")
        tags.append(match.group(1))
    versions = frozenset(int(tag) for tag in tags if tag.isdigit() and len(tag) < 19)
    if not versions:
        raise VersionMismatch(f"If-Match {header[:100]!r} names no version of this resource")
    return versions


def _moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError:
        raise BadParameter(f"asOf {value!r} is not an RFC 3339 date-time") from None
    if moment.tzinfo is None:
        raise BadParameter(f"asOf {value!r} needs a UTC offset, e.g. 2026-03-02T09:00:00Z")
    return moment


@functools.lru_cache(maxsize=256)
def _format_for(accept: str) -> str:
    """The answer's media type for an Accept header (parsed once per distinct header)."""
    best = parse_accept_header(accept, MIMEAccept).best_match([wire.JSON, wire.XML, "text/xml"], default=wire.JSON)
    return wire.XML if best in {wire.XML, "text/xml"} else wire.JSON


def _asked() -> tuple[str, str | None]:
    """(format from Accept, SETU version from setuVersionId, if named)."""
    fmt = _format_for(request.headers.get("Accept", ""))
    return fmt, wire.check_version(request.headers.get("setuVersionId"), required=False)


def _encoder(resource_version: str | None = None) -> wire.Encoder:
    """Response format from Accept; SETU version from setuVersionId, else the resource's."""
    fmt, asked = _asked()
    return wire.Encoder(fmt, asked or resource_version or "2.0")


def _respond(body: bytes | None, status: int, encoder: wire.Encoder | None, **headers: str) -> Response:
    listed = [(name.replace("_", "-"), value) for name, value in headers.items()]
    if encoder is not None and body is not None:
        listed.append(("setuVersionId", encoder.version))
        return Response(body, status, listed, content_type=_CONTENT_TYPES[encoder.fmt])
    return Response(body, status, listed)


_CONTENT_TYPES = {wire.JSON: "application/json", wire.XML: "application/xml; charset=utf-8"}


def _etag(state: ResourceState) -> str:
    return f'"{state.version}"'


# ----------------------------------------------------------------- blueprints
def resource_blueprint(spec: Kind) -> Blueprint:
    """The routes of one message kind under ``/planning/<kind>``."""
    blueprint = Blueprint(spec.path, __name__, url_prefix=f"/planning/{spec.path}")
    kind = spec.kind

    def service():
        return _planning().service(kind)

    def resource_location(state: ResourceState) -> str:
        return f"/planning/{spec.path}/{state.id}"

    def message_response(state: ResourceState, status: int, **headers: str) -> Response:
        encoder = _encoder(state.setu_version)
        return _respond(
            encoder.message(kind, state.message), status, encoder, ETag=_etag(state), **headers
        )

    def line_response(
        state: ResourceState, line_kind: LineKind, line: Mapping[str, Any], status: int, **headers: str
    ) -> Response:
        encoder = _encoder(state.setu_version)
        return _respond(
            encoder.line(kind, line_kind, line), status, encoder, ETag=_etag(state), **headers
        )

    def past_or_present(resource_id: str) -> ResourceState:
        as_of, version = request.args.get("asOf"), request.args.get("version")
        if as_of is not None and version is not None:
            raise BadParameter("ask for asOf or version, not both")
        if as_of is not None:
            return service().as_of(resource_id, _moment(as_of), party=_party())
        if version is not None:
            if not version.isdigit():
                raise BadParameter(f"version {version!r} is not a positive integer")
            return service().at_version(resource_id, int(version), party=_party())
        return service().get(resource_id, party=_party())

    @blueprint.post("")
    def submit() -> Response:
        setu_version = _body_version()
        body, fmt = _body()
        message = wire.decode_message(body, fmt, kind, setu_version)
        submission = service().submit(message, **_who(), setu_version=setu_version)
        state = submission.state
        if not submission.created:
            # A replayed POST answers exactly as the first one did.
            state = service().at_version(state.id, 1, party=_party())
        return message_response(state, 201, Location=resource_location(state))

    def rendered(state: ResourceState) -> tuple[bytes, str, str]:
        encoder = _encoder(state.setu_version)
        return encoder.message(kind, state.message), encoder.version, _etag(state)

    @blueprint.get("/<resource_id>")
    def get(resource_id: str) -> Response:
        if request.query_string and request.args.keys() & {"asOf", "version"}:
            return message_response(past_or_present(resource_id), 200)
        if kind is MessageKind.CONSTRAINTS:
            worker_list = _worker_fallback(resource_id)
            if worker_list is not None:
                return worker_list
        asked = _asked()
        body, version, etag = service().view(resource_id, rendered, asked, party=_party())
        headers = [("ETag", etag), ("setuVersionId", version)]
        return Response(body, 200, headers, content_type=_CONTENT_TYPES[asked[0]])

    @blueprint.put("/<resource_id>")
    def replace(resource_id: str) -> Response:
        setu_version = _body_version()
        body, fmt = _body()
        message = wire.decode_message(body, fmt, kind, setu_version)
        state = service().replace(
            resource_id,
            message,
            **_who(),
            setu_version=setu_version,
            expected_version=_expected_version(),
        )
        return message_response(state, 200)

    @blueprint.delete("/<resource_id>")
    def cancel(resource_id: str) -> Response:
        setu_version = wire.check_version(request.headers.get("setuVersionId"), required=False)
        state = service().cancel(
            resource_id, **_who(), setu_version=setu_version, expected_version=_expected_version()
        )
        return _respond(None, 204, None, ETag=_etag(state))

    def add_line(resource_id: str, line_kind: LineKind) -> Response:
        setu_version = _body_version()
        body, fmt = _body()
        _, line = wire.decode_line(body, fmt, kind, setu_version, line_kind)
        state, stored = service().add_line(
            resource_id,
            line_kind,
            line,
            **_who(),
            setu_version=setu_version,
            expected_version=_expected_version(),
        )
        location = f"{resource_location(state)}/lines/{stored['lineId']['value']}"
        return line_response(state, line_kind, stored, 201, Location=location)

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
        state = past_or_present(resource_id)
        line_kind, line = _find_line(state, line_id)
        return line_response(state, line_kind, line, 200)

    @blueprint.put("/<resource_id>/lines/<line_id>")
    def replace_line(resource_id: str, line_id: str) -> Response:
        setu_version = _body_version()
        body, fmt = _body()
        stored_kind, _ = _find_line(service().get(resource_id, party=_party()), line_id)
        _, line = wire.decode_line(body, fmt, kind, setu_version, stored_kind)
        state, result = service().replace_line(
            resource_id,
            line_id,
            line,
            **_who(),
            setu_version=setu_version,
            expected_version=_expected_version(),
        )
        return line_response(state, stored_kind, result, 200)

    @blueprint.delete("/<resource_id>/lines/<line_id>")
    def remove_line(resource_id: str, line_id: str) -> Response:
        setu_version = wire.check_version(request.headers.get("setuVersionId"), required=False)
        stored_kind, _ = _find_line(service().get(resource_id, party=_party()), line_id)
        state, removed = service().remove_line(
            resource_id,
            line_id,
            **_who(),
            setu_version=setu_version,
            expected_version=_expected_version(),
        )
        return line_response(state, stored_kind, removed, 200)

    @blueprint.get("/<resource_id>/history")
    def history(resource_id: str) -> Response:
        entries = service().history(resource_id, party=_party())
        body = {"id": resource_id, "events": [entry.as_json() for entry in entries]}
        return Response(json.dumps(body, ensure_ascii=False), 200, mimetype=wire.JSON)

    @blueprint.get("/<resource_id>/deliveries")
    def deliveries(resource_id: str) -> Response:
        """What this system sent, or owes, counterparties about the resource; a party sees its own."""
        party = _party()
        uuid = service().identify(resource_id, party=party)
        rows = _deliveries().deliveries(resource_id=uuid, party=party.name if party else None)
        body = {"id": resource_id, "deliveries": [row.as_json() for row in rows]}
        return Response(json.dumps(body, ensure_ascii=False), 200, mimetype=wire.JSON)

    if kind is MessageKind.CONSTRAINTS:

        @blueprint.get("")
        def of_worker() -> Response:
            hr_id = request.args.get("hrId")
            if not hr_id:
                raise BadParameter("query parameter hrId (the worker's id) is required")
            return _state_list(spec, _planning().constraints.of_worker(hr_id, party=_party()))

    if kind is MessageKind.REQUEST:

        @blueprint.get("/<resource_id>/assignments")
        def assignments(resource_id: str) -> Response:
            return _state_list(_BY_KIND[MessageKind.ASSIGNMENT], _planning().requests.assignments(resource_id, party=_party()))

    return blueprint


def _find_line(state: ResourceState, line_id: str) -> tuple[LineKind, dict[str, Any]]:
    line_kind, _, line = find_line(state.kind, state.message, line_id, f"{state.kind} {state.id}")
    return line_kind, line


def _state_list(spec: Kind, states: list[ResourceState]) -> Response:
    encoder = _encoder()
    body = encoder.messages(spec.kind, [s.message for s in states], spec.list_wrapper)
    return _respond(body, 200, encoder)


def _worker_fallback(segment: str) -> Response | None:
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
    constraints = _planning().constraints
    return _state_list(_BY_KIND[MessageKind.CONSTRAINTS], constraints.of_worker(segment, party=_party()))


# ----------------------------------------------------------------- errors
def _error(status: int, code: str, description: str) -> Response:
    try:
        encoder = _encoder()
    except SetuError:
        encoder = wire.Encoder(wire.JSON, "2.0")
    if encoder.fmt == wire.XML:
        body = wire.xml_codec.render_error_xml(code, description)
    else:
        body = json.dumps({"code": code, "description": description}, ensure_ascii=False).encode("utf-8", "backslashreplace")
    response = Response(body, status, mimetype=encoder.fmt)
    return response


def _setu_error(error: SetuError) -> Response:
    status = next((s for cls, s in _STATUS if isinstance(error, cls)), 400)
    return _error(status, error.code, error.description)


def _unauthenticated(error: Unauthenticated) -> Response:
    """401 with a Bearer challenge; the reason never holds the presented credential."""
    g.refusal = error.reason  # logged as credential.refused
    response = _error(401, "SETU-UNAUTHENTICATED", error.reason)
    response.headers["WWW-Authenticate"] = error.challenge()
    return response


def _http_error(error: HTTPException) -> Response:
    response = _error(
        error.code or 500,
        f"HTTP-{error.code}",
        f"{error.name}: {error.description}" if error.description else error.name,
    )
    if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _unexpected_error(error: Exception) -> Response:
    current_app.logger.exception("unexpected error", exc_info=error)
    return _error(500, "SETU-INTERNAL-ERROR", "the server failed to handle the request")


def make_wsgi_app(database: str | None = None) -> Flask:
    """A ready WSGI app on the store named by ``database`` (or ``$SETU_PLANNING_DB``)."""
    return create_app(PlanningApplication(database))

