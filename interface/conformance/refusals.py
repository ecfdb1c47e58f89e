"""What a server must refuse, and how: bad bodies, bad headers, unknown paths, no credentials.

Each refusal is judged on its status alone; whether its body is the SETU
error object is one check over every 4xx of the run (``errors.error-object``),
so one defect fails one check.
"""

from __future__ import annotations

import uuid

from .context import Context
from .material import malformed, with_unknown_element

_PROBE_ID = "00000000-0000-4000-8000-00000000c0c0"  # no server holds this (a fixed, readable UUID)


def _refused(ctx: Context, check: str, answer, expected: int = 400) -> None:
    if answer.status == expected:
        ctx.results.passed(check, str(expected))
    elif answer.status >= 500:
        ctx.results.failed(check, f"answered {answer.status}, a server error")
    else:
        ctx.results.failed(check, f"answered {answer.status}")


def bad_bodies(ctx: Context, kind: str) -> None:
    """POSTs that must be refused; anything they create anyway is deleted at the end."""
    probe, material, path = ctx.probe, ctx.material, ctx.path(kind)

    def post(body: bytes, **headers: str | None):
        answer = probe.send("POST", path, body, headers=headers, kind=kind)
        ctx.remember_created(kind, answer)
        return answer

    _refused(ctx, f"{kind}.bad.malformed", post(malformed(probe.format)))
    missing = material.message(kind, "missing")
    del missing["documentId"]
    _refused(ctx, f"{kind}.bad.missing-element", post(probe.message_body(kind, missing)))
    unknown = probe.message_body(kind, material.message(kind, "unknown"))
    _refused(ctx, f"{kind}.bad.unknown-element", post(with_unknown_element(unknown, probe.format)))
    unversioned = probe.message_body(kind, material.message(kind, "no-version"))
    _refused(ctx, f"{kind}.bad.no-version", post(unversioned, setuVersionId=None))
    misversioned = probe.message_body(kind, material.message(kind, "wrong-version"))
    _refused(ctx, f"{kind}.bad.wrong-version", post(misversioned, setuVersionId="9.9"))
    typed = post(probe.message_body(kind, material.message(kind, "content-type")), **{"Content-Type": "text/plain"})
    check = f"{kind}.bad.content-type"
    if typed.status == 415:
        ctx.results.passed(check, "415")
    elif 400 <= typed.status < 500:
        ctx.results.warned(check, f"refused with {typed.status}; 415 Unsupported Media Type says why")
    else:
        _refused(ctx, check, typed, 415)


def unknown_resource(ctx: Context, kind: str) -> None:
    answer = ctx.probe.send("GET", ctx.path(kind, _PROBE_ID))
    _refused(ctx, f"{kind}.get.unknown-404", answer, 404)


def unknown_path_and_method(ctx: Context) -> None:
    answer = ctx.probe.send("GET", f"/planning/conformance-no-such-path-{uuid.uuid4().hex[:8]}")
    _refused(ctx, "http.unknown-path", answer, 404)
    kind = ctx.kinds[0]
    answer = ctx.probe.send("PATCH", ctx.path(kind, _PROBE_ID), b"{}", headers={"Content-Type": "application/json"})
    if answer.status in (404, 405):
        ctx.results.passed("http.wrong-method", str(answer.status))
    else:
        ctx.results.failed("http.wrong-method", f"PATCH {ctx.path(kind, _PROBE_ID)} answered {answer.status}")


def authentication(ctx: Context) -> None:
    """Only when the run was given a token: without one, the kit cannot tell open from closed."""
    r = ctx.results
    if not ctx.probe.token:
        for check in ("auth.401", "auth.bad-token", "auth.www-authenticate"):
            r.skipped(check, "no token given (--token-env)")
        return
    path = ctx.path(ctx.kinds[0], _PROBE_ID)
    bare = ctx.probe.send("GET", path, authenticated=False)
    r.expect("auth.401", bare.status == 401, "401", f"answered {bare.status} without credentials")
    wrong = ctx.probe.send(
        "GET", path, authenticated=False, headers={"Authorization": "Bearer conformance-kit-unknown-token"}
    )
    r.expect("auth.bad-token", wrong.status == 401, "401", f"answered {wrong.status} to an unknown token")
    challenged = [a for a in (bare, wrong) if a.status == 401]
    if challenged:
        missing = [a for a in challenged if not a.headers.get("WWW-Authenticate")]
        r.expect(
            "auth.www-authenticate",
            not missing,
            challenged[0].headers.get("WWW-Authenticate", ""),
            "a 401 without WWW-Authenticate",
        )
    else:
        r.skipped("auth.www-authenticate", "no 401 answered")


def worker_lookups(ctx: Context, worker: str | None, document: str | None) -> None:
    """The constraints of a worker, by the OpenAPI's query and the scenarios' path."""
    r, probe = ctx.results, ctx.probe
    if worker is None:
        r.skipped("constraints.by-worker", "the example names no worker")
        return
    answer = probe.send("GET", "/planning/constraints", params={"hrId": worker}, expect="list", kind="constraints")
    listed = _documents(ctx, answer, "constraints")
    if isinstance(listed, str):
        r.failed("constraints.by-worker", listed)
    elif document is None or document in listed:
        r.passed("constraints.by-worker", f"200, {len(listed)} constraints of worker {worker}")
    else:
        r.failed("constraints.by-worker", f"200, but without the constraints the run posted ({document})")
    answer = probe.send("GET", ctx.path("constraints", worker), expect="list", kind="constraints")
    listed = _documents(ctx, answer, "constraints")
    if isinstance(listed, str) or (document is not None and document not in listed):
        r.warned(
            "constraints.by-worker-path",
            f"not served ({listed if isinstance(listed, str) else 'not listed'}): "
            "the OpenAPI's /planning/constraints/{id} takes a resource id; the scenarios write {hrID}",
        )
    else:
        r.passed("constraints.by-worker-path", "served besides ?hrId=, as the scenarios write it")


def request_assignments(ctx: Context, request_id: str, assignment: str | None) -> None:
    answer = ctx.probe.send("GET", ctx.path("requests", request_id, "assignments"), expect="list", kind="assignments")
    listed = _documents(ctx, answer, "assignments")
    if isinstance(listed, str):
        ctx.results.failed("requests.assignments", listed)
    elif assignment is None or assignment in listed:
        ctx.results.passed("requests.assignments", f"200, {len(listed)} assignments")
    else:
        ctx.results.failed("requests.assignments", f"200, but without the assignment referencing it ({assignment})")


def _documents(ctx: Context, answer, kind: str) -> list[str] | str:
    """The documentId values of a list answer, or why it is not one."""
    if answer.status != 200:
        return f"answered {answer.status}"
    try:
        return [m["documentId"]["value"] for m in ctx.probe.read_list(answer, kind)]
    except Exception as error:  # noqa: BLE001 - any unreadable answer is the finding
        return f"200, but not a list of valid messages: {error}"
