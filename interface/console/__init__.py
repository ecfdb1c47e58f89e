"""``setu-planning console``: the operator's pages, on loopback only.

The console is the embedding system's own view (no party: it sees
everything), so it never listens beyond this machine, and it refuses
requests whose Host is not a loopback name (a web page elsewhere cannot
reach it by DNS rebinding). Server-rendered HTML; a few lines of script.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from html import escape

from flask import Flask, Response, abort, redirect, request

from setu_planning.application import PlanningApplication
from setu_planning.domain.errors import SetuError

from .board import board, week_start
from .page import page
from .timeline import timeline

LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "[::1]"}


class ConsoleRefused(Exception):
    """The console was asked to listen where others could reach it."""


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def create_console_app(application: PlanningApplication) -> Flask:
    """The console's Flask app over ``application``."""
    app = Flask("setu_planning_console")

    @app.before_request
    def loopback_only() -> None:
        host = request.host or ""
        hostname = host[: host.index("]") + 1] if host.startswith("[") and "]" in host else host.split(":")[0]
        if not is_loopback(hostname) or not is_loopback(request.remote_addr or ""):
            abort(403)

    def html(title: str, body: str, status: int = 200) -> Response:
        return Response(page(title, body), status, mimetype="text/html")

    @app.errorhandler(SetuError)
    def refused(error: SetuError) -> Response:
        return html("Not found", f"<h1>Not found</h1><div class=empty>{escape(error.description)}</div>", 404)

    @app.get("/")
    def index() -> Response:
        return html(
            "Console",
            "<h1>Console</h1><div class=sub>The embedding system's view of every resource.</div>"
            "<div class=bar><form action=/workers>Worker board: <input name=hrId placeholder=hrId> "
            "<button>open</button></form><form action=/resources>Resource timeline: "
            "<input name=id placeholder='resource id' size=40> <button>open</button></form></div>",
        )

    @app.get("/workers")
    def worker_form() -> Response:
        hr_id = (request.args.get("hrId") or "").strip()
        if not hr_id:
            return redirect("/")
        return redirect(f"/workers/{hr_id}")

    @app.get("/workers/<hr_id>")
    def worker(hr_id: str) -> Response:
        week = request.args.get("week")
        try:
            monday = week_start(dt.date.fromisoformat(week)) if week else week_start(dt.date.today())
        except ValueError:
            return html(
                "Bad week", f"<h1>Bad week</h1><div class=empty>week {escape(week or '')!s} is not a date</div>", 400
            )
        as_of = _moment(request.args.get("asOf")) or _moment(request.args.get("asOfUtc"), utc=True)
        title, body = board(application, hr_id, monday, as_of)
        return html(title, body)

    @app.get("/resources")
    def resource() -> Response:
        resource_id = (request.args.get("id") or "").strip()
        if not resource_id:
            return redirect("/")
        version = request.args.get("version")
        at = _moment(request.args.get("at")) or _moment(request.args.get("atUtc"), utc=True)
        title, body = timeline(application, resource_id, at, int(version) if version and version.isdigit() else None)
        return html(title, body)

    return app


def _moment(text: str | None, *, utc: bool = False) -> dt.datetime | None:
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace(" ", "+"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        if not utc:
            return None
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def run_console(database: str, host: str = "127.0.0.1", port: int = 8100) -> None:
    """Serve the console until interrupted; refuse any address but loopback."""
    if not is_loopback(host):
        raise ConsoleRefused(
            f"the console shows every resource unauthenticated: it listens on loopback only, not on {host}"
        )
    from waitress import serve

    application = PlanningApplication(database)
    try:
        print(f"setu-planning console on http://{host}:{port} ({database})", flush=True)
        serve(create_console_app(application), host=host, port=port, threads=4, ident="setu-planning-console")
    finally:
        application.close()
