"""Benchmark: latency of "state as of a moment" for histories of 10, 1,000 and 10,000 events.

    python benchmarks/as_of.py                       # SQLite (temporary file) and memory
    python benchmarks/as_of.py --db URL --json       # one store (part of `make bench`)

Each history is one PlanningRequest, built by renaming a line over and over
and saved in one go; the query asks for the state at a moment two thirds
into the history (``app.requests.as_of``: a look-up in the timestamps index,
then the nearest snapshot and the events after it). The figures are the
median (p50) and p90 of repeated queries, in milliseconds, and the median
time to read all of the resource's events, for comparison.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from samples import request  # noqa: E402

from setu_planning.application import PlanningApplication  # noqa: E402
from setu_planning.domain.aggregates import PlanningRequest  # noqa: E402

SIZES = (10, 1_000, 10_000)
REPEATS = 200


def history_of(app: PlanningApplication, events: int, document: str = "REQ-1"):
    resource = PlanningRequest.submit(request(documentId={"value": document, "schemeAgencyId": "Customer"}))
    line = request()["periodicPlanningLine"][0]
    for n in range(events - 1):
        resource.replace_line("P1", {**line, "planningLineName": f"rename {n}"})
    pending = list(resource.pending_events)
    app.save(resource)
    return resource.id, pending[(2 * events) // 3].timestamp


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def measure(url: str, events: int, repeats: int = REPEATS, app: PlanningApplication | None = None) -> dict[str, float]:
    own = app is None
    app = app or PlanningApplication(url)
    try:
        resource_id, moment = history_of(app, events, f"AS-OF-{events}-{time.monotonic_ns()}")
        app.requests.as_of(resource_id, moment)  # warm up
        samples = []
        for _ in range(repeats):
            started = time.perf_counter()
            app.requests.as_of(resource_id, moment)
            samples.append((time.perf_counter() - started) * 1000)
        full = []
        for _ in range(max(3, repeats // 20)):
            started = time.perf_counter()
            list(app.events.get(resource_id))
            full.append((time.perf_counter() - started) * 1000)
        return {
            "events": events,
            "p50_ms": statistics.median(samples),
            "p90_ms": percentile(samples, 0.9),
            "read_all_ms": statistics.median(full),
        }
    finally:
        if own:
            app.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="one store URL (default: a temporary SQLite file, then memory)")
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES), help="history lengths, comma-separated")
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        stores = (
            [("store", args.db)]
            if args.db
            else [("sqlite", f"sqlite:///{folder}/bench.sqlite3"), ("memory", "memory://")]
        )
        results = {}
        for name, url in stores:
            app = PlanningApplication(url)
            try:
                results[name] = [measure(url, events, args.repeats, app) for events in sizes]
            finally:
                app.close()
    if args.json:
        print(json.dumps(results if not args.db else results["store"]))
        return 0
    print(f"{'store':<8} {'events':>7} {'as-of p50 ms':>13} {'p90 ms':>8} {'read all events ms':>19}")
    for name, rows in results.items():
        for row in rows:
            print(
                f"{name:<8} {row['events']:>7,} {row['p50_ms']:>13.3f} {row['p90_ms']:>8.3f} {row['read_all_ms']:>19.3f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
