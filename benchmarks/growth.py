"""Growth: in-process latency of the main calls, and the rebuild rate, on a store of any size.

    python benchmarks/growth.py latencies --db URL --message EXAMPLE.json [--json]
    python benchmarks/growth.py rebuild --db URL [--json]

``latencies`` first adds the same small fixture to whatever the store holds
(one PlanningRequest with 1,000 events, five PlanningConstraints of worker
``BENCH-W``, one PlanningRequest to read), then times, in this process,
without HTTP:

- POST: ``app.requests.submit`` of the message (a new documentId each time);
- GET: ``app.requests.get`` of the fixture request;
- as-of: ``app.requests.as_of`` two thirds into the 1,000-event history;
- worker look-up: ``app.constraints.of_worker("BENCH-W")`` (five constraints).

Run on an empty store and on one holding a million events (``generate.py``),
the two sets of figures show what the size of the store costs.

``rebuild`` times ``app.rebuild_read_models()`` and reports events read per second.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from as_of import history_of, percentile  # noqa: E402
from samples import constraints, request  # noqa: E402

from setu_planning.application import PlanningApplication  # noqa: E402

WORKER = "BENCH-W"


def timed(call: Callable[[int], Any], repeats: int) -> dict[str, float]:
    call(-1)  # warm up
    samples = []
    for n in range(repeats):
        started = time.perf_counter()
        call(n)
        samples.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": statistics.median(samples), "p90_ms": percentile(samples, 0.9), "repeats": repeats}


def latencies(url: str, message: dict[str, Any], repeats: int = 300) -> dict[str, Any]:
    app = PlanningApplication(url)
    try:
        tag = uuid.uuid4().hex[:8]
        history_id, moment = history_of(app, 1_000, f"GROWTH-HISTORY-{tag}")
        worker = {"workerId": [{"value": WORKER, "schemeAgencyId": "Supplier"}]}
        for n in range(5):
            document = {"value": f"GROWTH-C-{tag}-{n}", "schemeAgencyId": "Supplier"}
            app.constraints.submit(constraints(documentId=document, worker=worker))
        read_id = app.requests.submit(
            request(documentId={"value": f"GROWTH-R-{tag}", "schemeAgencyId": "Customer"})
        ).state.id
        events = app.recorder.max_notification_id() or 0

        def post(n: int) -> None:
            document = {**message["documentId"], "value": f"GROWTH-POST-{tag}-{n}"}
            app.requests.submit({**message, "documentId": document})

        found = len(app.constraints.of_worker(WORKER))
        if found != 5:
            raise AssertionError(f"worker {WORKER} has {found} constraints, not 5")
        return {
            "events_in_store": events,
            "post": timed(post, repeats),
            "get": timed(lambda n: app.requests.get(read_id), repeats),
            "as_of": timed(lambda n: app.requests.as_of(history_id, moment), repeats),
            "of_worker": timed(lambda n: app.constraints.of_worker(WORKER), repeats),
        }
    finally:
        app.close()


def rebuild(url: str) -> dict[str, Any]:
    app = PlanningApplication(url)
    try:
        started = time.perf_counter()
        events = app.rebuild_read_models()
        seconds = time.perf_counter() - started
    finally:
        app.close()
    return {"events": events, "seconds": round(seconds, 2), "events_per_second": round(events / seconds)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("latencies", "rebuild"))
    parser.add_argument("--db", required=True)
    parser.add_argument("--message", help="a PlanningRequest (JSON) to submit; default: tests/samples.py's")
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.what == "rebuild":
        result = rebuild(args.db)
        text = f"rebuilt from {result['events']:,} events in {result['seconds']} s ({result['events_per_second']:,} events/s)"
    else:
        message = json.loads(Path(args.message).read_text()) if args.message else request()
        result = latencies(args.db, message, args.repeats)
        text = f"store of {result['events_in_store']:,} events:\n" + "\n".join(
            f"  {name:<10} p50 {result[name]['p50_ms']:.3f} ms  p90 {result[name]['p90_ms']:.3f} ms"
            for name in ("post", "get", "as_of", "of_worker")
        )
    print(json.dumps(result) if args.json else text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
