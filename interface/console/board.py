"""A worker's week as a board: availability bands, assigned shifts, conflicts marked.

Everything is placed on the console zone's wall clock (Europe/Amsterdam unless
configured); the conflicts table also gives each time in UTC, as the messages
often write them.
"""

from __future__ import annotations

import datetime as dt
import json
from html import escape
from urllib.parse import urlencode

from setu_planning.application import PlanningApplication
from setu_planning.domain.errors import ResourceNotFound

_DAY = dt.timedelta(days=1)
_WEEK = dt.timedelta(days=7)


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def board(app: PlanningApplication, hr_id: str, monday: dt.date, as_of: dt.datetime | None) -> tuple[str, str]:
    """(title, body HTML) of the week board starting on ``monday``."""
    planning = app.planning
    zone = planning.calendar.zone
    start = dt.datetime.combine(monday, dt.time(0), zone)
    end = dt.datetime.combine(monday + _WEEK, dt.time(0), zone)
    bands = app.availability(hr_id, start, end, as_of=as_of).intervals
    shifts = planning.shifts(hr_id, start, end, as_of=as_of)
    conflicts = app.conflicts(hr_id=hr_id, start=start, end=end, as_of=as_of)
    moments = _change_moments(app, hr_id)

    columns = []
    for offset in range(7):
        day = monday + dt.timedelta(days=offset)
        day_start = dt.datetime.combine(day, dt.time(0), zone)
        day_end = dt.datetime.combine(day + _DAY, dt.time(0), zone)
        pieces = []
        for band in bands:
            style = _place(band.start, band.end, day_start, day_end)
            if style:
                pieces.append(
                    f'<div class="band {escape(band.status)}" style="{style}" '
                    f'title="{escape(band.status)} · line {escape(band.line_id)} · {_span(band.start, band.end, zone)}"></div>'
                )
        for shift in shifts:
            occurrence = shift.occurrence
            style = _place(occurrence.start, occurrence.end, day_start, day_end)
            if not style:
                continue
            breaks = "".join(
                f'<div class=brk style="{_inner(b.start, b.end, occurrence.start, occurrence.end)}"></div>'
                for b in occurrence.breaks
                if b.start is not None and b.end is not None
            )
            title = (
                occurrence.name or (shift.assignment.message.get("positionProfile") or {}).get("positionTitle") or ""
            )
            pieces.append(
                f'<a class=shift style="{style}" href="/resources?id={shift.assignment.id}" '
                f'data-line="{escape(occurrence.line_id)}" title="line {escape(occurrence.line_id)}">'
                f"{breaks}<b>{escape(_clock(occurrence.start, zone))}–{escape(_clock(occurrence.end, zone))}</b>"
                f"{escape(title)} · {escape(occurrence.line_id)}</a>"
            )
        for number, conflict in enumerate(conflicts, 1):
            if conflict.end - conflict.start >= _WEEK - _DAY:
                continue  # a week-long working-time warning is listed, not drawn
            style = _place(conflict.start, conflict.end, day_start, day_end)
            if style:
                pieces.append(
                    f'<div class="conflict {conflict.severity}" style="{style}" data-kind="{conflict.kind}" '
                    f'data-start="{conflict.start.isoformat()}" title="{escape(conflict.detail)}"><i>{number}</i></div>'
                )
        columns.append(f'<div class=day data-date="{day.isoformat()}">{"".join(pieces)}</div>')

    heads = "".join(
        f"<div class=head>{(monday + dt.timedelta(days=i)).strftime('%a')}"
        f"<small>{(monday + dt.timedelta(days=i)).strftime('%d %b')}</small></div>"
        for i in range(7)
    )
    hours = "".join(f'<span style="top:{h / 24 * 100:.3f}%">{h:02d}:00</span>' for h in range(1, 24))
    grid = f"<div class=board><div class=head></div>{heads}<div class=hours>{hours}</div>{''.join(columns)}</div>"

    rows = "".join(
        f'<tr class=conflict-row data-kind="{c.kind}" data-start="{c.start.isoformat()}">'
        f"<td>{n}</td><td><span class='pill {c.severity}'>{c.severity}</span></td><td><code>{c.kind}</code></td>"
        f"<td>{escape(_span(c.start, c.end, zone))}<br><span class=mono>{escape(_utc_span(c.start, c.end))}</span></td>"
        f"<td>{escape(c.detail)}<br>{' '.join(_resource_link(r) for r in c.resources)}</td></tr>"
        for n, c in enumerate(conflicts, 1)
    )
    table = (
        "<table><tr><th>#</th><th>severity</th><th>kind</th><th>when</th><th>what</th></tr>" + rows + "</table>"
        if conflicts
        else "<div class=empty>No conflicts this week.</div>"
    )
    counts = f"{len(shifts)} shift{'s' if len(shifts) != 1 else ''}, {len(conflicts)} conflict{'s' if len(conflicts) != 1 else ''}"
    as_of_text = f"<span class='pill past'>as of {escape(as_of.isoformat())}</span>" if as_of else "now"
    body = (
        f"<h1>Worker {escape(hr_id)}</h1>"
        f"<div class=sub>Week of {monday.strftime('%A %d %B %Y')} · {counts} · {as_of_text} · times in {escape(str(zone))}</div>"
        + _controls(hr_id, monday, as_of, moments)
        + grid
        + "<div class=legend><span class=l-ok>available</span><span class=l-rather>rather not</span>"
        "<span class=l-no>not available</span><span class=l-shift>assigned shift</span>"
        "<span class=l-conflict>conflict</span></div>" + "<h2>Conflicts</h2>" + table
    )
    return f"Worker {hr_id}", body


def _controls(hr_id: str, monday: dt.date, as_of: dt.datetime | None, moments: list[str]) -> str:
    def link(day: dt.date, label: str) -> str:
        query = {"week": day.isoformat(), **({"asOf": as_of.isoformat()} if as_of else {})}
        return f'<a class=btn href="/workers/{escape(hr_id)}?{escape(urlencode(query))}">{label}</a>'

    today = week_start(dt.date.today())
    position = len(moments)
    if as_of is not None:
        position = sum(1 for m in moments if dt.datetime.fromisoformat(m) <= as_of) - 1
        position = max(position, 0)
    slider = (
        f'<input type=range min=0 max={len(moments)} value={position} data-moments="{escape(json.dumps(moments))}" '
        f'data-label=asof-label aria-label="as of"> <span id=asof-label class=mono></span>'
        if moments
        else ""
    )
    value = as_of.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M") if as_of else ""
    return (
        "<div class=bar>"
        + link(monday - _WEEK, "← previous week")
        + link(today, "this week")
        + link(monday + _WEEK, "next week →")
        + f'<form class=asof method=get action="/workers/{escape(hr_id)}"><input type=hidden name=week value="{monday.isoformat()}">'
        f'as of (UTC) <input type=datetime-local name=asOfUtc value="{value}" data-submit> {slider}'
        f'<a class=btn href="/workers/{escape(hr_id)}?week={monday.isoformat()}">now</a></form>'
        "</div>"
    )


def _change_moments(app: PlanningApplication, hr_id: str) -> list[str]:
    """Every moment one of the worker's resources changed, oldest first: the steps of the as-of slider."""
    planning = app.planning
    moments: set[str] = set()
    resources = [(app.constraints, s.id) for s in planning.constraints_of(hr_id, None, None)]
    resources += [(app.assignments, s.id) for s in planning.assignments_of(hr_id, None, None)]
    for service, resource_id in resources:
        try:
            moments.update(e.timestamp.isoformat() for e in service.history(resource_id))
        except ResourceNotFound:
            continue
    return sorted(moments)


def _place(start: dt.datetime, end: dt.datetime, day_start: dt.datetime, day_end: dt.datetime) -> str:
    """CSS top/height of the part of ``[start, end)`` within one day column, or '' when none is."""
    left, right = max(start, day_start), min(end, day_end)
    if left >= right:
        return ""
    day = (day_end - day_start).total_seconds()
    top = (left - day_start).total_seconds() / day * 100
    height = (right - left).total_seconds() / day * 100
    return f"top:{top:.3f}%;height:{max(height, 1.2):.3f}%"


def _inner(start: dt.datetime, end: dt.datetime, outer_start: dt.datetime, outer_end: dt.datetime) -> str:
    whole = (outer_end - outer_start).total_seconds() or 1
    return (
        f"top:{(start - outer_start).total_seconds() / whole * 100:.2f}%;"
        f"height:{(end - start).total_seconds() / whole * 100:.2f}%"
    )


def _clock(moment: dt.datetime, zone: dt.tzinfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M")


def _span(start: dt.datetime, end: dt.datetime, zone: dt.tzinfo) -> str:
    first, last = start.astimezone(zone), end.astimezone(zone)
    same_day = first.date() == last.date()
    return f"{first.strftime('%a %d %b %H:%M')}–{last.strftime('%H:%M' if same_day else '%a %d %b %H:%M')} {first.tzname()}"


def _utc_span(start: dt.datetime, end: dt.datetime) -> str:
    first, last = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
    return f"{first.strftime('%H:%M')}–{last.strftime('%H:%M')} UTC"


def _resource_link(resource: str) -> str:
    return f'<a class=mono href="/resources?id={escape(resource)}">{escape(resource[:8])}…</a>'
