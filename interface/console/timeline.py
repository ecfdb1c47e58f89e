"""A resource's timeline: every event with its diff, actor and party, and the state at a chosen moment."""

from __future__ import annotations

import datetime as dt
import json
from html import escape
from typing import Any
from urllib.parse import urlencode

from setu_planning.application import PlanningApplication, ResourceState
from setu_planning.application.history import diff
from setu_planning.domain.errors import ResourceNotFound


def find(app: PlanningApplication, resource_id: str) -> Any:
    """The service of whichever kind the resource is (the console is the embedding system: it sees all)."""
    for service in (app.requests, app.assignments, app.constraints):
        try:
            service.identify(resource_id)
        except ResourceNotFound:
            continue
        return service
    raise ResourceNotFound(f"no resource with id {resource_id!r}")


def timeline(
    app: PlanningApplication, resource_id: str, at: dt.datetime | None, version: int | None
) -> tuple[str, str]:
    """(title, body HTML) of the timeline page."""
    service = find(app, resource_id)
    entries = service.history(resource_id)
    states: list[ResourceState | None] = []
    for entry in entries:
        try:
            states.append(service.at_version(resource_id, entry.version))
        except ResourceNotFound:  # the cancellation itself
            states.append(None)
    items = []
    previous: dict[str, Any] = {}
    for entry, state in zip(entries, states, strict=True):
        changes = [] if state is None else diff(previous, state.message)
        previous = state.message if state is not None else previous
        shown = "".join(
            f"<li><code>{escape(c.element or '(message)')}</code> "
            + (f"<span class=old>{escape(_short(c.old))}</span> " if c.old is not None else "")
            + (f"→ <span class=new>{escape(_short(c.new))}</span>" if c.new is not None else "removed")
            + "</li>"
            for c in changes[:40]
        )
        more = f"<li class=meta>… and {len(changes) - 40} more</li>" if len(changes) > 40 else ""
        who = entry.party or entry.actor or "this system"
        on_behalf = f" for {escape(entry.on_behalf_of)}" if entry.on_behalf_of else ""
        link = f"/resources?{urlencode({'id': resource_id, 'version': entry.version})}"
        items.append(
            f'<li class="{escape(entry.type)}" data-version="{entry.version}"><b>v{entry.version} · {escape(entry.type)}</b> '
            f"<span class=meta>{escape(entry.timestamp.isoformat())} · by {escape(who)}{on_behalf}"
            f"{' (party)' if entry.party else ''} · SETU {escape(entry.setu_version or '–')}</span>"
            f' · <a href="{escape(link)}">state here</a><ul class=diff>{shown}{more}</ul></li>'
        )
    chosen, label = _chosen(service, resource_id, at, version)
    value = at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S") if at else ""
    state_html = (
        f"<pre class=state>{escape(json.dumps(chosen.message, indent=2, ensure_ascii=False))}</pre>"
        if chosen is not None
        else f"<div class=empty>{escape(label)}</div>"
    )
    body = (
        f"<h1>{escape(str(service.kind))} <span class=mono>{escape(resource_id)}</span></h1>"
        f"<div class=sub>{len(entries)} events</div>"
        "<div class=cols><div><h2>Events</h2><ul class=timeline>" + "".join(items) + "</ul></div>"
        f"<div><h2>State {escape(label)}</h2>"
        f'<form class=bar method=get action="/resources"><input type=hidden name=id value="{escape(resource_id)}">'
        f'at (UTC) <input type=datetime-local step=1 name=atUtc value="{value}" data-submit>'
        f'<a class=btn href="/resources?id={escape(resource_id)}">now</a></form>{state_html}</div></div>'
    )
    return f"{service.kind} {resource_id}", body


def _chosen(
    service: Any, resource_id: str, at: dt.datetime | None, version: int | None
) -> tuple[ResourceState | None, str]:
    try:
        if version is not None:
            return service.at_version(resource_id, version), f"at version {version}"
        if at is not None:
            return service.as_of(resource_id, at), f"as of {at.isoformat()}"
        return service.get(resource_id), "now"
    except ResourceNotFound as error:
        return None, str(error)


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "…"
