"""The life of one resource per kind: POST the official example, GET, PUT, lines, DELETE.

Each step decides its checks; a step whose precondition failed (no resource id
from ``Location``) leaves the checks that needed it as SKIP, naming the cause.
"""

from __future__ import annotations

import copy
from typing import Any

from setu_planning.domain.errors import SetuError
from setu_planning.domain.messages import LineKind

from .context import Context
from .probe import canonical, line_id

_CHANGED_TITLE = "Picker (conformance check)"


def _diff(expected: Any, got: Any, path: str = "") -> str | None:
    """The first element where two messages differ, or None."""
    if isinstance(expected, dict) and isinstance(got, dict):
        for key in list(expected) + [k for k in got if k not in expected]:
            if key not in got:
                return f"{path}{key} is missing"
            if key not in expected:
                return f"{path}{key} was not sent"
            found = _diff(expected[key], got[key], f"{path}{key}/")
            if found:
                return found
        return None
    if isinstance(expected, list) and isinstance(got, list):
        if len(expected) != len(got):
            return f"{path.rstrip('/')} holds {len(got)} items, not {len(expected)}"
        for index, (a, b) in enumerate(zip(expected, got, strict=True)):
            found = _diff(a, b, f"{path}{index}/")
            if found:
                return found
        return None
    return None if expected == got else f"{path.rstrip('/')} is {got!r}, not {expected!r}"


def post_example(ctx: Context, kind: str) -> str | None:
    """POST the official example; the id of the new resource, or None."""
    r, probe = ctx.results, ctx.probe
    message = ctx.material.message(kind)
    if kind == "assignments" and "requests" in ctx.messages:  # so the request lists it
        message["planningRequestReference"] = {"documentId": copy.deepcopy(ctx.messages["requests"]["documentId"])}
        body = probe.message_body(kind, message)
    else:
        body = ctx.material.example_bytes(kind)
    answer = probe.send("POST", ctx.path(kind), body, expect="message", kind=kind)
    new_id = ctx.remember_created(kind, answer)
    r.expect(f"{kind}.post.201", answer.status == 201, "201 Created", f"answered {answer.status}")
    r.expect(f"{kind}.post.not-202", answer.status != 202, f"answered {answer.status}", "answered 202 Accepted")
    if not 200 <= answer.status < 300:
        for check in ("post.location", "post.body"):
            r.skipped(f"{kind}.{check}", f"the POST was refused ({answer.status})")
        return None
    location = answer.headers.get("Location")
    if not location:
        r.failed(f"{kind}.post.location", "no Location header")
    elif new_id is None:
        r.failed(f"{kind}.post.location", f"Location {location!r} names no /planning/{kind}/{{id}}")
    else:
        r.passed(f"{kind}.post.location", f"Location {location}")
    sent = canonical(kind, message)
    if not answer.body.strip():
        r.failed(f"{kind}.post.body", "no body")
    else:
        try:
            difference = _diff(sent, ctx.probe.read_message(answer, kind))
        except (SetuError, ValueError) as error:
            r.failed(f"{kind}.post.body", f"the body is not a valid {kind} message: {error}")
        else:
            r.expect(f"{kind}.post.body", difference is None, "the message as submitted", str(difference))
    if new_id is not None:
        ctx.resources[kind], ctx.messages[kind] = new_id, sent
    return new_id


def _get(ctx: Context, kind: str, resource_id: str) -> dict[str, Any] | str:
    """The message held now, or why it could not be read."""
    answer = ctx.probe.send("GET", ctx.path(kind, resource_id), expect="message", kind=kind)
    if answer.status != 200:
        return f"GET answered {answer.status}"
    try:
        return ctx.probe.read_message(answer, kind)
    except (SetuError, ValueError) as error:
        return f"GET answered no valid message: {error}"


def get_back(ctx: Context, kind: str, resource_id: str) -> None:
    held = _get(ctx, kind, resource_id)
    if isinstance(held, str):
        ctx.results.failed(f"{kind}.get.200", held)
        return
    difference = _diff(ctx.messages[kind], held)
    ctx.results.expect(
        f"{kind}.get.200", difference is None, "200 with the message as posted", f"content differs: {difference}"
    )


def put_changed(ctx: Context, kind: str, resource_id: str) -> None:
    """PUT with one element changed, then one optional element left out (the PUT contradiction)."""
    r, probe = ctx.results, ctx.probe
    message = copy.deepcopy(ctx.messages[kind])
    if kind == "constraints":
        where, value = ("maximumTravelDistance",), 25
        message["maximumTravelDistance"] = 25
        omitted = "maximumTravelDistance"
    else:
        where, value = ("positionProfile", "positionTitle"), _CHANGED_TITLE
        message["positionProfile"]["positionTitle"] = _CHANGED_TITLE
        omitted = "supplier"
    answer = probe.send(
        "PUT", ctx.path(kind, resource_id), probe.message_body(kind, message), expect="message", kind=kind
    )
    if answer.status != 200:
        r.failed(f"{kind}.put.200", f"PUT answered {answer.status}")
        r.skipped(f"{kind}.put.omitted-element", "the PUT of a change was refused")
        return
    held = _get(ctx, kind, resource_id)
    if isinstance(held, str):
        r.failed(f"{kind}.put.200", f"after the PUT, {held}")
        return
    got = held
    for key in where:
        got = got.get(key) if isinstance(got, dict) else None
    if not r.expect(
        f"{kind}.put.200",
        got == value,
        f"200, and {'/'.join(where)} is now {value!r}",
        f"200, but {'/'.join(where)} is {got!r} afterwards, not {value!r}",
    ):
        return
    if omitted not in held:
        r.skipped(f"{kind}.put.omitted-element", f"the resource holds no {omitted} to leave out")
        return
    without = {key: item for key, item in held.items() if key != omitted}
    answer = probe.send(
        "PUT", ctx.path(kind, resource_id), probe.message_body(kind, without), expect="message", kind=kind
    )
    after = _get(ctx, kind, resource_id) if answer.status == 200 else f"the PUT answered {answer.status}"
    if isinstance(after, str):
        r.failed(f"{kind}.put.omitted-element", after)
    elif omitted in after:
        r.warned(
            f"{kind}.put.omitted-element",
            f"{omitted}, left out of the PUT, was kept: as put-behavior.md says, not as the OpenAPI's "
            "'replaces all previous shared information'",
        )
    else:
        r.warned(
            f"{kind}.put.omitted-element",
            f"{omitted}, left out of the PUT, was dropped: as the OpenAPI's 'replaces all previous shared "
            "information' says, not as put-behavior.md (2025)",
        )
    ctx.messages[kind] = after if isinstance(after, dict) else held


def put_moving_position(ctx: Context, kind: str, resource_id: str) -> None:
    """BR-295: a PUT may not change positionProfile/positionId."""
    message = copy.deepcopy(ctx.messages[kind])
    message["positionProfile"]["positionId"] = {"value": f"{ctx.material.prefix}-moved"}
    answer = ctx.probe.send(
        "PUT", ctx.path(kind, resource_id), ctx.probe.message_body(kind, message), expect="message", kind=kind
    )
    ctx.results.expect(
        f"{kind}.put.br-295",
        answer.status == 400,
        "400",
        f"answered {answer.status} to a PUT changing positionProfile/positionId",
    )


def lines(ctx: Context, kind: str, resource_id: str) -> None:
    """POST a periodic and a single line, then GET, PUT and DELETE the periodic one."""
    r, probe = ctx.results, ctx.probe
    planning = kind != "constraints"
    added: dict[LineKind, dict] = {}
    statuses, locations = [], []
    for line_kind in LineKind:
        line = ctx.material.new_line(kind, line_kind, ctx.messages[kind])
        answer = probe.send(
            "POST",
            ctx.path(kind, resource_id, f"{line_kind.value}-lines"),
            probe.line_body(kind, line_kind, line),
            expect="line",
            kind=kind,
        )
        statuses.append(f"{line_kind.value} {answer.status}")
        if 200 <= answer.status < 300:
            added[line_kind] = line
            location = answer.headers.get("Location")
            named = line_id(location, probe.base_url + answer.path) if location else None
            locations.append(None if named == line["lineId"]["value"] else (location or "none"))
    codes = {int(s.split()[1]) for s in statuses}
    if len(added) < 2:
        r.failed(f"{kind}.line.post", ", ".join(statuses))
    elif codes == {201}:
        (r.warned if planning else r.passed)(
            f"{kind}.line.post",
            "201 for both (as response-codes.md and synchronous.md say; the OpenAPI says 200)" if planning else "201",
        )
    elif planning and codes <= {200, 201}:
        r.warned(f"{kind}.line.post", f"{', '.join(statuses)}: the OpenAPI's 200, not the usage notes' 201")
    else:
        r.failed(f"{kind}.line.post", ", ".join(statuses))
    if added:
        wrong = [str(loc) for loc in locations if loc is not None]
        r.expect(f"{kind}.line.location", not wrong, "…/lines/{lineId}", f"Location: {', '.join(wrong)}")
    line = added.get(LineKind.PERIODIC)
    if line is None:
        for check in ("line.get", "line.put", "line.delete"):
            r.skipped(f"{kind}.{check}", "no periodic line was added")
        return
    the_id = line["lineId"]["value"]
    at = ctx.path(kind, resource_id, "lines", the_id)
    answer = probe.send("GET", at, expect="line", kind=kind)
    _line_is(ctx, kind, f"{kind}.line.get", answer, line, "GET")
    changed = copy.deepcopy(line)
    changed["planningLineName" if planning else "availabilityComment"] = "changed by the conformance check"
    answer = probe.send("PUT", at, probe.line_body(kind, LineKind.PERIODIC, changed), expect="line", kind=kind)
    if answer.status != 200:
        r.failed(f"{kind}.line.put", f"PUT answered {answer.status}")
    else:
        _line_is(
            ctx, kind, f"{kind}.line.put", probe.send("GET", at, expect="line", kind=kind), changed, "GET after the PUT"
        )
    answer = probe.send("DELETE", at, expect="line", kind=kind)
    gone = probe.send("GET", at)
    if answer.status not in (200, 204):
        r.failed(f"{kind}.line.delete", f"DELETE answered {answer.status}")
    elif gone.status != 404:
        r.failed(f"{kind}.line.delete", f"DELETE answered {answer.status}, but GET of the line then {gone.status}")
    elif answer.status == 200:
        r.passed(f"{kind}.line.delete", "200, then 404 (response-codes.md's 204 is also allowed)")
    else:
        r.warned(f"{kind}.line.delete", "204, then 404: as response-codes.md says; the OpenAPI says 200")


def _line_is(ctx: Context, kind: str, check: str, answer, expected: dict, what: str) -> None:
    if answer.status != 200:
        ctx.results.failed(check, f"{what} answered {answer.status}")
        return
    try:
        _, got = ctx.probe.read_line(answer, kind)
    except (SetuError, ValueError) as error:
        ctx.results.failed(check, f"{what} answered no valid line: {error}")
        return
    difference = _diff(expected, got)
    ctx.results.expect(check, difference is None, "200 with the line", f"{what}: {difference}")


def delete(ctx: Context, kind: str, resource_id: str) -> None:
    r, probe = ctx.results, ctx.probe
    answer = probe.send("DELETE", ctx.path(kind, resource_id))
    r.expect(f"{kind}.delete.204", answer.status == 204, "204", f"answered {answer.status}")
    if 200 <= answer.status < 300 and (kind, resource_id) in ctx.created:
        ctx.created.remove((kind, resource_id))
    gone = probe.send("GET", ctx.path(kind, resource_id))
    r.expect(f"{kind}.delete.gone", gone.status == 404, "404", f"GET after DELETE answered {gone.status}")
