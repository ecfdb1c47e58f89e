"""The Flask app factory: the SETU Planning REST API as a thin adapter over the embedding API.

One blueprint per message kind (``routes``), one error handler per kind of
failure (``errors``), authentication before every request under ``/planning``.
No business rule lives here: routes decode, call
:class:`~setu_planning.application.PlanningApplication`, encode.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, current_app, g, request

from setu_planning.application import PlanningApplication

from ..codecs import media
from ..codecs.kinds import KINDS
from ..openapi import install_openapi
from ..parties import Authenticator, PartyDirectory
from .context import NODE, OwnRecords, Served
from .errors import register_error_handlers
from .observe import install_observability, queue_figures
from .routes import resource_blueprint
from .routes.planning import planning_blueprint

DEFAULT_MAX_BODY = 1024 * 1024
AUTHENTICATOR = "setu_planning_authenticator"


def create_app(
    application: PlanningApplication,
    settings: Mapping[str, Any] | None = None,
    *,
    parties: PartyDirectory | None = None,
    node: Served | None = None,
) -> Flask:
    """The Flask app serving the SETU Planning API for ``application``.

    With ``parties`` every request under ``/planning`` must prove a party
    (``Authorization: Bearer``): it then acts as that party, sees only what
    names it, and a user name it sends in ``X-SETU-Actor`` is recorded as
    on-behalf-of. Without parties the app is open (development mode): the
    actor is whatever ``X-SETU-Actor`` (or the WSGI ``REMOTE_USER``) claims.

    ``node`` is the serving process's node (``interface/node.py``), whose
    delivery application answers ``GET .../deliveries``; without one the app
    opens the delivery records itself, on first use.

    Settings: ``MAX_CONTENT_LENGTH`` (bytes, default 1 MiB) and ``ACTOR_HEADER``
    (default ``X-SETU-Actor``).
    """
    app = Flask("setu_planning", static_folder=None)  # no static files: every route is in the OpenAPI
    app.config.update(MAX_CONTENT_LENGTH=DEFAULT_MAX_BODY, ACTOR_HEADER="X-SETU-Actor")
    app.config.update(settings or {})
    app.extensions["setu_planning"] = application
    app.extensions[NODE] = node if node is not None else OwnRecords(application)
    app.extensions[AUTHENTICATOR] = Authenticator(parties) if parties is not None else None
    app.url_map.strict_slashes = False
    app.url_map.merge_slashes = False  # a path with // is not ours: 404, not a redirect to another resource
    for kind in KINDS:
        app.register_blueprint(resource_blueprint(kind))
    app.register_blueprint(planning_blueprint())
    install_openapi(app, authenticated=parties is not None)
    install_observability(app, open_mode=parties is None, queue=queue_figures)
    app.before_request(_authenticate)
    register_error_handlers(app)

    @app.get("/health")
    def health() -> Response:
        return Response(json.dumps({"status": "ok"}), 200, mimetype=media.JSON)

    return app


def _authenticate() -> None:
    """Before every request: who is asking (``g.party``), when the app knows its parties."""
    authenticator: Authenticator | None = current_app.extensions[AUTHENTICATOR]
    g.party = None
    if authenticator is not None and request.path.startswith("/planning"):
        g.party = authenticator.authenticate(request.headers.get("Authorization"))


def make_wsgi_app(database: str | None = None) -> Flask:
    """A ready WSGI app on the store named by ``database`` (or ``$SETU_PLANNING_DB``)."""
    return create_app(PlanningApplication(database))
