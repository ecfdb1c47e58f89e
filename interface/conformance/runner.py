"""One conformance run against a server: the checks in order, the cleanup, the checks over every answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from setu_planning.domain.errors import SetuError

from . import lifecycle, refusals
from .catalogue import KINDS, by_id
from .context import Context
from .material import Material, run_prefix
from .probe import MEDIA, Exchange, Probe, Unreachable, error_object
from .results import Results

READ_ONLY = "--read-only: the run creates nothing"


@dataclass(frozen=True)
class Settings:
    """What ``setu-planning conformance`` was asked to do."""

    base_url: str
    spec_dir: Path
    version: str = "2.0"
    format: str = "json"
    kinds: tuple[str, ...] = KINDS
    token: str | None = None
    read_only: bool = False
    fuzz: int = 0
    timeout: float = 15.0


def run(settings: Settings, progress: Callable[[str], None] | None = None) -> Results:
    """Run every check; raises Unreachable (the server gave no answer) or MaterialMissing."""
    kinds = tuple(kind for kind in KINDS if kind in settings.kinds)
    results = Results(by_id(kinds))
    probe = Probe(settings.base_url, settings.version, settings.format, settings.token, settings.timeout)
    material = Material(settings.spec_dir, settings.version, settings.format, run_prefix())
    ctx = Context(probe, material, results, kinds, settings.read_only)
    try:
        refusals.authentication(ctx)
        for kind in kinds:
            if progress:
                progress(kind)
            refusals.unknown_resource(ctx, kind)
            if settings.read_only:
                _skip_writing(results, kind)
                continue
            resource_id = lifecycle.post_example(ctx, kind)
            if resource_id is None:
                for check in (
                    "get.200",
                    "put.200",
                    "put.omitted-element",
                    "put.br-295",
                    "line.post",
                    "line.location",
                    "line.get",
                    "line.put",
                    "line.delete",
                    "delete.204",
                    "delete.gone",
                ):
                    if f"{kind}.{check}" in results.checks:
                        results.skipped(
                            f"{kind}.{check}", f"no resource id to work on (see {kind}.post.201, {kind}.post.location)"
                        )
            else:
                lifecycle.get_back(ctx, kind, resource_id)
                lifecycle.put_changed(ctx, kind, resource_id)
                if kind != "constraints":
                    lifecycle.put_moving_position(ctx, kind, resource_id)
                lifecycle.lines(ctx, kind, resource_id)
            refusals.bad_bodies(ctx, kind)
        _lookups(ctx)
        refusals.unknown_path_and_method(ctx)
        for kind in kinds:
            if kind in ctx.resources:
                lifecycle.delete(ctx, kind, ctx.resources[kind])
        if settings.fuzz:
            if progress:
                progress("fuzz")
            from .fuzz import fuzz

            fuzz(ctx, settings.spec_dir, settings.fuzz)
        else:
            for check in ("fuzz.no-5xx", "fuzz.valid"):
                results.skipped(check, "no --fuzz N given")
        _cleanup(ctx)
        _every_answer(ctx)
    finally:
        probe.close()
    return results


def _skip_writing(results: Results, kind: str) -> None:
    for check_id in results.checks:
        if check_id.startswith(f"{kind}.") and check_id not in (
            f"{kind}.get.unknown-404",
            "constraints.by-worker",
            "constraints.by-worker-path",
        ):
            results.skipped(check_id, READ_ONLY)


def _lookups(ctx: Context) -> None:
    r = ctx.results
    if "constraints" in ctx.kinds:
        example = ctx.material.message("constraints")
        workers = example.get("worker", {}).get("workerId") or [{}]
        posted = ctx.messages.get("constraints")
        document = posted["documentId"]["value"] if posted else None
        if posted is None and not ctx.read_only:
            r.skipped("constraints.by-worker", "the run's constraints were not created")
            r.skipped("constraints.by-worker-path", "the run's constraints were not created")
        else:
            refusals.worker_lookups(ctx, workers[0].get("value"), document)
    if "requests" in ctx.kinds and "requests" in ctx.resources:
        assignment = ctx.messages.get("assignments")
        refusals.request_assignments(
            ctx, ctx.resources["requests"], assignment["documentId"]["value"] if assignment else None
        )
    elif "requests" in ctx.kinds and ctx.read_only:
        r.skipped("requests.assignments", READ_ONLY)


def _cleanup(ctx: Context) -> None:
    if ctx.read_only:
        ctx.results.skipped("run.cleanup", READ_ONLY)
        return
    left = []
    for kind, resource_id in list(ctx.created):
        answer = ctx.probe.send("DELETE", ctx.path(kind, resource_id))
        if 200 <= answer.status < 300 or answer.status == 404:
            ctx.created.remove((kind, resource_id))
        else:
            left.append(f"{kind} {resource_id} (DELETE answered {answer.status})")
    ctx.results.expect(
        "run.cleanup", not left, f"documentIds {ctx.material.prefix}-*: none left", "left behind: " + ", ".join(left)
    )


def _listed(problems: list[str], limit: int = 3) -> str:
    shown = "; ".join(problems[:limit])
    return shown + (f"; and {len(problems) - limit} more" if len(problems) > limit else "")


def _every_answer(ctx: Context) -> None:
    """The checks over all answers of the run: Content-Type, validity, the error object."""
    r, probe = ctx.results, ctx.probe
    asked = MEDIA[probe.format]
    typed, invalid, not_errors = [], [], []
    readable = errors = 0
    for exchange in probe.exchanges:
        body = exchange.body.strip()
        if body:
            if 200 <= exchange.status < 300 and exchange.media_type != asked:
                typed.append(f"{exchange}: Content-Type {exchange.media_type or 'none'}, asked {asked}")
            elif exchange.media_type not in MEDIA.values():
                typed.append(f"{exchange}: Content-Type {exchange.media_type or 'none'}")
        if 200 <= exchange.status < 300 and body and exchange.expect and exchange.kind:
            readable += 1
            problem = _invalid(probe, exchange)
            if problem:
                invalid.append(f"{exchange}: {problem}")
        if 400 <= exchange.status < 500:
            errors += 1
            problem = error_object(exchange)
            if problem:
                not_errors.append(f"{exchange}: {problem}")
    r.expect("responses.content-type", not typed, f"{len(probe.exchanges)} answers", _listed(typed))
    r.expect("responses.valid", not invalid, f"{readable} bodies valid", _listed(invalid))
    if errors:
        r.expect("errors.error-object", not not_errors, f"{errors} refusals", _listed(not_errors))
    else:
        r.skipped("errors.error-object", "no 4xx answered")


def _invalid(probe: Probe, exchange: Exchange) -> str | None:
    try:
        if exchange.expect == "message":
            probe.read_message(exchange, exchange.kind)
        elif exchange.expect == "line":
            probe.read_line(exchange, exchange.kind)
        else:
            probe.read_list(exchange, exchange.kind)
    except (SetuError, ValueError) as error:
        return str(error)[:300]
    except Exception as error:  # noqa: BLE001 - an unreadable answer is the finding, whatever the parser raised
        return f"{type(error).__name__}: {str(error)[:300]}"
    return None


__all__ = ["Settings", "Unreachable", "run"]
