"""What the Flask app tells the operator: a request id, an access line, refused credentials, metrics.

Every answer carries ``X-Request-ID`` (the client's when it sent a sane one,
else a new one), so a line in our log and a line in the client's log can be
matched. With ``ACCESS_LOG`` on, each request is one ``http.request`` line:
method, route template (never the path: it carries resource ids), status,
duration, party and request id. A refused credential is always a
``credential.refused`` line with the reason, never the token. ``/metrics``
serves the Prometheus exposition to whom :func:`.metrics.allowed` lets in.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable

from flask import Flask, Response, g, request

from .. import metrics
from ..logs import event, request_id
from .context import node

log = logging.getLogger("setu_planning.http")

REQUEST_ID_HEADER = "X-Request-ID"


def install_observability(
    app: Flask,
    *,
    open_mode: bool,
    queue: Callable[[], metrics.QueueFigures] | None = None,
    metrics_token: str | None = None,
) -> None:
    """Add the request hooks and ``/metrics`` to ``app``; ``queue`` gives the delivery figures."""
    token = metrics_token if metrics_token is not None else os.environ.get(metrics.TOKEN_VARIABLE)
    collector = metrics.QueueCollector(queue) if queue is not None else None
    app.config.setdefault("ACCESS_LOG", False)

    @app.before_request
    def _start() -> None:
        g.started = time.perf_counter()
        g.request_id = request_id(request.headers.get(REQUEST_ID_HEADER))

    @app.after_request
    def _finish(response: Response) -> Response:
        seconds = time.perf_counter() - g.get("started", time.perf_counter())
        rid = g.get("request_id") or request_id(None)
        response.headers[REQUEST_ID_HEADER] = rid
        route = request.url_rule.rule if request.url_rule is not None else "unmatched"
        metrics.observe_request(request.method, route, response.status_code, seconds)
        party = g.get("party")
        refusal = g.get("refusal")
        if refusal is not None:
            event(log, logging.WARNING, "credential.refused", reason=refusal, route=route, request_id=rid)
        if app.config["ACCESS_LOG"]:
            event(
                log, logging.INFO, "http.request",
                method=request.method, route=route, status=response.status_code,
                duration_ms=round(seconds * 1000, 2), party=party.name if party is not None else None,
                request_id=rid,
            )  # fmt: skip
        return response

    @app.get("/metrics")
    def metrics_page() -> Response:
        if not metrics.allowed(request.headers.get("Authorization"), open_mode=open_mode, token=token):
            g.refusal = "metrics need the token of SETU_PLANNING_METRICS_TOKEN"
            body = (
                '{"code": "SETU-UNAUTHENTICATED", "description": "/metrics is served only with the bearer '
                "token of SETU_PLANNING_METRICS_TOKEN (counterparties' tokens do not open it)\"}"
            )
            return Response(
                body, 401, {"WWW-Authenticate": 'Bearer realm="setu-planning-metrics"'}, mimetype="application/json"
            )
        return Response(metrics.render(collector), 200, content_type=metrics.CONTENT_TYPE)


def queue_figures() -> metrics.QueueFigures:
    """The delivery queue as /metrics reports it: rows by party and status, and the log not yet followed."""
    served = node()
    delivery, planning = served.delivery, served.planning
    followed = delivery.recorder.max_tracking_id(planning.name) or 0
    behind = max(0, (planning.recorder.max_notification_id() or 0) - followed)
    rows = delivery.deliveries(limit=1_000_000)
    return metrics.queue_figures(rows, behind, lambda row: row.queued_at)
