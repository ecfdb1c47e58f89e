"""The planner's questions over REST: availability, conflicts, coverage (JSON).

A thin blueprint over :meth:`PlanningApplication.availability`, ``conflicts``
and ``coverage``. It lives under ``/planning``, so the app's authentication
runs before it (``g.party``) and its error handlers turn every refusal into
the SETU error object, exactly as for the message routes.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, g, request

from setu_planning.application import PlanningApplication
from setu_planning.domain.calendar import PlanningQueryInvalid, check_window


def planning_blueprint() -> Blueprint:
    """``/planning/workers/{hrId}/availability``, ``/planning/conflicts``, ``/planning/requests/{id}/coverage``."""
    blueprint = Blueprint("planning_queries", __name__, url_prefix="/planning")

    @blueprint.get("/workers/<hr_id>/availability")
    def availability(hr_id: str) -> Response:
        start, end, as_of = _window()
        return _json(_planning().availability(hr_id, start, end, as_of=as_of, party=_party()).as_json())

    @blueprint.get("/conflicts")
    def conflicts() -> Response:
        start, end, as_of = _window()
        hr_id, request_id = request.args.get("hrId") or None, request.args.get("request") or None
        if hr_id is None and request_id is None:
            raise PlanningQueryInvalid("hrId or request: name the worker or the request whose conflicts you ask for")
        found = _planning().conflicts(
            hr_id=hr_id, request_id=request_id, start=start, end=end, as_of=as_of, party=_party()
        )
        return _json({"conflicts": [c.as_json() for c in found]})

    @blueprint.get("/requests/<request_id>/coverage")
    def coverage(request_id: str) -> Response:
        start, end, as_of = _window()
        return _json(_planning().coverage(request_id, start, end, as_of=as_of, party=_party()).as_json())

    return blueprint


def _planning() -> PlanningApplication:
    return current_app.extensions["setu_planning"]


def _party() -> Any:
    """Who is asking, as the app's authentication set it before the request (None: open mode)."""
    return g.get("party")


def _window() -> tuple[datetime, datetime, datetime | None]:
    start, end = _date_time("from", required=True), _date_time("to", required=True)
    assert start is not None and end is not None
    check_window(start, end, ("from", "to"))
    return start, end, _date_time("asOf", required=False)


def _date_time(name: str, *, required: bool) -> datetime | None:
    text = request.args.get(name)
    if text is None or not text.strip():
        if required:
            raise PlanningQueryInvalid(
                f"{name}: this query parameter (an RFC 3339 date-time, e.g. 2026-03-02T00:00:00Z) is required"
            )
        return None
    try:
        # A '+' in a query string arrives as a space unless it was encoded.
        moment = datetime.fromisoformat(text.strip().replace(" ", "+"))
    except ValueError:
        raise PlanningQueryInvalid(f"{name} {text[:60]!r} is not an RFC 3339 date-time") from None
    if moment.tzinfo is None:
        raise PlanningQueryInvalid(f"{name} {text[:60]!r} needs a UTC offset, e.g. 2026-03-02T00:00:00Z")
    return moment


def _json(body: dict[str, Any]) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), 200, mimetype="application/json")
