"""Benchmark: latency of "state as of a moment" for histories of 10, 1,000 and 10,000 events.

Run with ``make bench``. Each history is one PlanningRequest on a fresh SQLite
file (and in memory), built by renaming a line over and over; the query asks
for the state at a moment two thirds into the history. The figure is the
median of repeated queries, in milliseconds.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from samples import request  # noqa: E402

from setu_planning.application.app import PlanningApplication  # noqa: E402
from setu_planning.domain.aggregates import PlanningRequest  # noqa: E402

SIZES = (10, 1_000, 10_000)
REPEATS = 200


def history_of(app: PlanningApplication, events: int):
    resource = PlanningRequest.submit(request())
    line = request()["periodicPlanningLine"][0]
    for n in range(events - 1):
        resource.replace_line("P1", {**line, "planningLineName": f"rename {n}"})
    pending = list(resource.pending_events)
    app.save(resource)
    return resource.id, pending[(2 * events) // 3].timestamp


def measure(url: str, events: int) -> tuple[float, float]:
    app = PlanningApplication(url)
    try:
        resource_id, moment = history_of(app, events)
        app.requests.as_of(resource_id, moment)  # warm up
        samples = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            app.requests.as_of(resource_id, moment)
            samples.append((time.perf_counter() - started) * 1000)
        full = []
        for _ in range(max(3, REPEATS // 20)):
            started = time.perf_counter()
            list(app.events.get(resource_id))
            full.append((time.perf_counter() - started) * 1000)
        return statistics.median(samples), statistics.median(full)
    finally:
        app.close()


def main() -> None:
    print(f"{'store':<8} {'events':>7} {'as-of median ms':>16} {'read all events ms':>19}")
    with tempfile.TemporaryDirectory() as folder:
        for store in ("sqlite", "memory"):
            for events in SIZES:
                url = f"sqlite:///{folder}/bench-{events}.sqlite3" if store == "sqlite" else "memory://"
                as_of, full = measure(url, events)
                print(f"{store:<8} {events:>7,} {as_of:>16.3f} {full:>19.3f}")


if __name__ == "__main__":
    main()
