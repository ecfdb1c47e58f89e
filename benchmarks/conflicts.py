"""Benchmark: a worker's conflicts over four weeks, beside the plain current-state GET, on a big store.

    python benchmarks/conflicts.py --workers 1000 --db sqlite:///tmp.sqlite3
    python benchmarks/conflicts.py --workers 10000 --history 10 1000 --json

The store holds ``workers`` workers, each with one PlanningConstraints and
``assignments`` PlanningAssignments (weekday shifts, some overlapping, so
every worker has conflicts); then one measured worker per ``--history``
number, whose assignments also carry that many line changes each, to show
that ``asOf`` costs the same however long the history is. Figures are
medians (p50) and p90 in milliseconds of repeated in-process calls:
``app.conflicts(hr_id=…)`` of each measured worker now and as of a moment
half-way through its history; for the last one the same over the Flask app
(``GET /planning/conflicts``), and the plain ``GET /planning/assignments/{id}``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from planning_samples import assignment, available, constraints, periodic  # noqa: E402

from setu_planning.application.app import PlanningApplication  # noqa: E402
from setu_planning.application.planning_index import history_keys  # noqa: E402
from setu_planning.application.readmodels import ReadModelWrites  # noqa: E402
from setu_planning.domain.aggregates import PlanningAssignment, PlanningConstraints  # noqa: E402
from setu_planning.domain.messages import MessageKind  # noqa: E402
from setu_planning.domain.provenance import Provenance  # noqa: E402

BY = Provenance(actor="benchmark", setu_version="2.0")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
WINDOW = (dt.datetime(2026, 2, 2, tzinfo=dt.UTC), dt.datetime(2026, 3, 2, tzinfo=dt.UTC))


def _worker_resources(number: int, assignments: int) -> list[Any]:
    worker = f"BW-{number}"
    found: list[Any] = [
        PlanningConstraints.submit(
            constraints(worker, [available(d[:3], d, "08:00:00Z", "16:00:00Z") for d in DAYS], document=f"BC-{number}"),
            by=BY,
        )
    ]
    for n in range(assignments):
        day = DAYS[n % len(DAYS)]
        start = "07:00:00Z" if n % 3 == 0 else "09:00:00Z"
        found.append(
            PlanningAssignment.submit(
                assignment(f"BA-{number}-{n}", worker, [periodic(f"L{n}", day, start, "17:00:00Z")]), by=BY
            )
        )
    return found


def _read_models(app: PlanningApplication, resources: list[Any]) -> ReadModelWrites:
    writes = ReadModelWrites()
    for resource in resources:
        kind = MessageKind(resource.kind)
        writes.documents.append((app.document_key(kind, None, resource.message), resource.id, None))
        keys = sorted(app.lookup_keys(kind, resource.message)) + sorted(
            history_keys(app.digest, kind, resource.message)
        )
        writes.lookups_added.extend((key, resource.id, None) for key in keys)
    return writes


def build(
    app: PlanningApplication, workers: int, assignments: int, histories: list[int]
) -> list[tuple[str, list[Any], dt.datetime]]:
    """Fill the store, then add one measured worker per history length.

    Returns, per measured worker: its id, its assignments, and a moment half-way
    through their history (each of its assignments has half its line changes then).
    """
    batch: list[Any] = []
    for number in range(workers):
        batch += _worker_resources(number, assignments)
        if len(batch) >= 2_000:
            app.save(*batch, read_models=_read_models(app, batch))
            batch = []
    if batch:
        app.save(*batch, read_models=_read_models(app, batch))
    measured = []
    for number, history in enumerate(histories, start=workers):
        target = _worker_resources(number, assignments)
        app.save(*target, read_models=_read_models(app, target))
        _rename(app, target[1:], 0, history // 2)
        middle = dt.datetime.now(dt.UTC)
        _rename(app, target[1:], history // 2, history)
        measured.append((f"BW-{number}", target[1:], middle))
    return measured


def _rename(app: PlanningApplication, assignments: list[Any], first: int, last: int) -> None:
    """Line changes ``first`` to ``last`` of each assignment: history that changes no time."""
    for resource in assignments:
        line = resource.message["periodicPlanningLine"][0]
        for n in range(first, last):
            resource.replace_line(line["lineId"]["value"], {**line, "planningLineName": f"rename {n}"}, by=BY)
    app.save(*assignments)


def _time(call: Any, repeats: int) -> dict[str, float]:
    call()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {"p50_ms": round(statistics.median(samples), 3), "p90_ms": round(samples[int(len(samples) * 0.9)], 3)}


def measure(
    url: str, workers: int = 1_000, assignments: int = 9, histories: list[int] | None = None, repeats: int = 200
) -> dict[str, Any]:
    """Build a store of ``workers`` workers at ``url`` and time the calls; the figures as a dict."""
    from setu_planning.interface.http import create_app

    histories = histories or [10, 1_000]
    app = PlanningApplication(url)
    try:
        started = time.perf_counter()
        measured = build(app, workers, assignments, histories)
        built = time.perf_counter() - started
        client = create_app(app).test_client()
        start, end = (moment.isoformat() for moment in WINDOW)
        figures: dict[str, Any] = {
            "store": url.split(":", 1)[0],
            "workers": workers + len(histories),
            "resources": (workers + len(histories)) * (assignments + 1),
            "build_s": round(built, 1),
            "histories": [],
        }
        for history, (hr_id, _, middle) in zip(histories, measured, strict=True):

            def now(hr_id: str = hr_id) -> list[Any]:
                return app.conflicts(hr_id=hr_id, start=WINDOW[0], end=WINDOW[1])

            def then(hr_id: str = hr_id, middle: dt.datetime = middle) -> list[Any]:
                return app.conflicts(hr_id=hr_id, start=WINDOW[0], end=WINDOW[1], as_of=middle)

            figures["histories"].append(
                {
                    "events_per_assignment": history + 1,
                    "conflicts_found": len(now()),
                    "conflicts_found_as_of": len(then()),
                    "conflicts": _time(now, repeats),
                    "conflicts_as_of": _time(then, repeats),
                }
            )
        hr_id, target, _ = measured[-1]
        figures["rest_conflicts"] = _time(
            lambda: client.get(f"/planning/conflicts?hrId={hr_id}&from={start}&to={end}".replace("+", "%2B")),
            repeats,
        )
        figures["rest_get"] = _time(lambda: client.get(f"/planning/assignments/{target[0].id}"), repeats)
        return figures
    finally:
        app.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="store URL (default: a temporary SQLite file)")
    parser.add_argument("--workers", type=int, default=1_000)
    parser.add_argument("--assignments", type=int, default=9, help="assignments per worker")
    parser.add_argument(
        "--history",
        type=int,
        nargs="+",
        default=[10, 1_000],
        help="line changes per assignment of each measured worker (one measured worker per number)",
    )
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'conflicts.sqlite3'}"
        figures = measure(url, args.workers, args.assignments, args.history, args.repeats)
    print(json.dumps(figures, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
