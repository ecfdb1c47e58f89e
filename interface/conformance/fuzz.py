"""``--fuzz N``: N generated requests per operation of the official OpenAPI, from schemathesis.

Half of them are what the OpenAPI allows (positive, with ``setuVersionId: 1.0``,
the version of its body schemas), half what it does not (negative). A server must never answer 5xx, and every message or line it
answers must be valid. What a generated request creates gets the run's
documentId prefix where the body has a documentId, and is deleted at the end
like everything else. With ``--read-only`` only GET operations are generated.

schemathesis is an optional dependency (``setu-planning[conformance]``): it
brings hypothesis and its own HTTP stack, which a server installation does not
need for anything else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from .context import Context
from .probe import Exchange, Unreachable

OPENAPI_FILES = ("openapi/planning.local.yml",)


def _openapi(spec_dir: Path) -> Path | None:
    for name in OPENAPI_FILES:
        if (spec_dir / name).is_file():
            return spec_dir / name
    return None


def _cases(operation: Any, count: int) -> list[Any]:
    """``count`` cases of one operation, derandomized so a run can be repeated."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import HypothesisException

    found: list[Any] = []
    bodies = len(list(operation.body)) if operation.body is not None else 0
    negative = bodies or any(str(p.location.value) != "path" for p in operation.iter_parameters())
    # a lone string path id has no value the OpenAPI forbids: then every case is positive
    negatives = count // 2 if negative else 0
    for mode, share in (
        (schemathesis.GenerationMode.POSITIVE, count - negatives),
        (schemathesis.GenerationMode.NEGATIVE, negatives),
    ):
        if not share:
            continue

        @given(operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=share,
            database=None,
            deadline=None,
            derandomize=True,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def collect(case: Any) -> None:
            # Run at once, within this iteration: the loop variables are the current ones.
            if len([c for c in found if c[0] is mode]) < share:  # noqa: B023
                found.append((mode, case))  # noqa: B023

        try:
            collect()
        except HypothesisException:  # nothing of this mode exists (no negative value of a plain string id)
            pass
    return found


def _expect(method: str, path: str) -> tuple[str | None, str | None]:
    """(kind, what a 2xx body is) for an OpenAPI path template."""
    parts = path.strip("/").split("/")
    kind = parts[1] if len(parts) > 1 else None
    if parts[-1] == "assignments" and len(parts) == 4:
        return "assignments", "list"
    if len(parts) == 2:
        return kind, "list" if method == "GET" else "message"
    if len(parts) == 3:
        # GET /planning/constraints/{id} may also serve the scenarios' {hrID} form: a list
        return kind, "message-or-list" if (kind == "constraints" and method == "GET") else "message"
    return kind, "line"


def fuzz(ctx: Context, spec_dir: Path, count: int) -> None:
    import schemathesis

    r = ctx.results
    path = _openapi(spec_dir)
    if path is None:
        for check in ("fuzz.no-5xx", "fuzz.valid"):
            r.skipped(check, f"no {' or '.join(OPENAPI_FILES)} under {spec_dir}")
        return
    schema = schemathesis.openapi.from_path(path)
    server_errors, invalid = [], []
    sent = 0
    with httpx.Client(timeout=ctx.probe.timeout, follow_redirects=False) as http:
        for result in schema.get_all_operations():
            operation = result.ok()
            method = operation.method.upper()
            kind, expect = _expect(method, operation.path)
            if ctx.read_only and method != "GET":
                continue
            if kind not in ctx.kinds:
                continue
            for number, (mode, case) in enumerate(_cases(operation, count)):
                answer = _send(ctx, http, case, number, mode is schemathesis.GenerationMode.POSITIVE)
                if answer is None:
                    continue
                sent += 1
                if answer.status >= 500:
                    server_errors.append(f"{method} {answer.path} -> {answer.status}")
                if 200 <= answer.status < 300:
                    if method in ("POST", "PUT") and len(operation.path.strip("/").split("/")) == 2:
                        ctx.remember_created(kind, answer)
                    if answer.body.strip() and expect:
                        problem = _invalid(ctx, answer, kind, expect)
                        if problem:
                            invalid.append(f"{method} {answer.path} -> {answer.status}: {problem}")
    r.expect(
        "fuzz.no-5xx",
        not server_errors,
        f"{sent} generated requests, no 5xx",
        "; ".join(server_errors[:3]) + (f"; and {len(server_errors) - 3} more" if len(server_errors) > 3 else ""),
    )
    r.expect(
        "fuzz.valid",
        not invalid,
        f"{sent} generated requests, every answered body valid",
        "; ".join(invalid[:3]) + (f"; and {len(invalid) - 3} more" if len(invalid) > 3 else ""),
    )


def _send(ctx: Context, http: httpx.Client, case: Any, number: int, positive: bool) -> Exchange | None:
    """One generated request as schemathesis built it, but with the run's credentials and documentIds.

    A positive case names ``setuVersionId: 1.0``, the version of the OpenAPI's body schemas (the
    OpenAPI types the header as any string, so generated values would all be refused at the door).
    """
    body = getattr(case, "body", None)
    if isinstance(body, dict) and isinstance(body.get("documentId"), dict):
        body["documentId"]["value"] = f"{ctx.material.prefix}-fuzz-{number}"
    kwargs = case.as_transport_kwargs(base_url=ctx.probe.base_url)
    headers = {str(k): str(v) for k, v in (kwargs.get("headers") or {}).items()}
    if positive and any(name.lower() == "setuversionid" for name in headers):
        headers = {k: v for k, v in headers.items() if k.lower() != "setuversionid"} | {"setuVersionId": "1.0"}
    if ctx.probe.token:
        headers["Authorization"] = f"Bearer {ctx.probe.token}"
    content = kwargs.get("data")
    if "json" in kwargs:
        import json

        content = json.dumps(kwargs["json"]).encode()
    if isinstance(content, str):
        content = content.encode("utf-8", "surrogatepass")
    try:
        response = http.request(
            kwargs["method"],
            kwargs["url"],
            headers=headers,
            params=kwargs.get("params"),
            content=content if isinstance(content, (bytes, type(None))) else None,
        )
    except httpx.TransportError as error:
        if isinstance(error, (httpx.ConnectError, httpx.TimeoutException)):
            raise Unreachable(f"{kwargs['method']} {kwargs['url']}: no answer ({error})") from None
        return None  # a request httpx itself will not send (e.g. a header it cannot encode)
    except (httpx.InvalidURL, UnicodeEncodeError, ValueError):
        return None
    path = httpx.URL(kwargs["url"]).raw_path.decode("ascii", "replace")
    return Exchange(kwargs["method"], path, response.status_code, response.headers, response.content)


def _invalid(ctx: Context, answer: Exchange, kind: str, expect: str) -> str | None:
    try:
        if expect == "message-or-list":
            first = answer.body.lstrip()[:1]
            is_list = first == b"[" or (first == b"<" and b"<Constraints" in answer.body[:200])
            expect = "list" if is_list else "message"
        if expect == "message":
            ctx.probe.read_message(answer, kind)
        elif expect == "line":
            ctx.probe.read_line(answer, kind)
        else:
            ctx.probe.read_list(answer, kind)
    except Exception as error:  # noqa: BLE001 - whatever fails to read is the finding
        return f"{type(error).__name__}: {str(error)[:200]}"
    return None
