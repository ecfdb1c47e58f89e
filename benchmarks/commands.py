"""Benchmark: latency of the embedding API's commands and reads on each embedded store.

Run with ``make bench``. Each figure is the median of repeated calls, in
milliseconds: submit (validate + save resource and document index), add a
line (load, validate the whole message, save), get the current state, and the
worker look-up for constraints.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from samples import constraints, request, single_planning_line  # noqa: E402

from setu_planning.application import PlanningApplication  # noqa: E402

REPEATS = 300


def timed(call, repeats: int = REPEATS) -> float:
    samples = []
    for n in range(repeats):
        started = time.perf_counter()
        call(n)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def measure(url: str) -> dict[str, float]:
    app = PlanningApplication(url)
    try:
        submit = timed(
            lambda n: app.requests.submit(request(documentId={"value": f"R{n}", "schemeAgencyId": "Customer"}))
        )
        request_id = app.requests.submit(request()).state.id
        add_line = timed(lambda n: app.requests.add_line(request_id, "single", single_planning_line(f"S{n}")))
        get = timed(lambda n: app.requests.get(request_id))
        for n in range(20):
            app.constraints.submit(constraints(documentId={"value": f"C{n}", "schemeAgencyId": "Supplier"}))
        of_worker = timed(lambda n: app.constraints.of_worker("W-1"), repeats=50)
        return {
            "submit": submit,
            f"add line (to {REPEATS} lines)": add_line,
            f"get ({REPEATS + 1} events)": get,
            "of_worker (20 constraints)": of_worker,
        }
    finally:
        app.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        results = {
            "sqlite": measure(f"sqlite:///{folder}/bench.sqlite3"),
            "memory": measure("memory://"),
        }
    names = list(results["sqlite"])
    print(f"{'median ms':<28} {'sqlite':>8} {'memory':>8}")
    for name in names:
        print(f"{name:<28} {results['sqlite'][name]:>8.3f} {results['memory'][name]:>8.3f}")


if __name__ == "__main__":
    main()
