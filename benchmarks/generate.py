"""Data generator: fill a store with many events, fast, through the store's own write path.

    python benchmarks/generate.py --db sqlite:///big.sqlite3 --events 1000000

Builds resources in memory and saves them with ``app.save(*resources)``, a
batch at a time, so each batch is one transaction of the application's own
recorder: events, snapshots (every 100 events, as the application takes
them), timestamps, current-state rows, worker look-ups and document claims
are all written as in normal operation. Every resource is submitted (a
checked message from ``tests/samples.py``) and then has one line replaced
over and over; every ``--constraints-every``-th resource is a
PlanningConstraints of its own worker (``GEN-W-<n>``), the others are
PlanningRequests, each with its own documentId.

Only the first line change of a resource goes through the checked command;
the others are recorded through the same event method the command ends in,
without checking the message again (it is the same change with another
line name), which is what makes a million events take a minute or two
rather than many.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from samples import constraints, request  # noqa: E402

from setu_planning.application import PlanningApplication  # noqa: E402
from setu_planning.application.readmodels import ReadModelWrites  # noqa: E402
from setu_planning.domain.aggregates import PlanningConstraints, PlanningRequest  # noqa: E402
from setu_planning.domain.messages import MessageKind  # noqa: E402
from setu_planning.domain.provenance import Provenance  # noqa: E402

BY = Provenance(actor="generator", setu_version="2.0")


def _build(number: int, events: int, constraints_every: int, tag: str, snapshots: list[Any]) -> Any:
    """One resource with ``events`` events: submitted, then its first line replaced events - 1 times.

    Appends to ``snapshots`` the snapshots the application would take (every
    ``PlanningApplication.snapshotting_intervals`` versions), taken from the resource as it is built
    instead of re-reading each from the store.
    """
    document = {"value": f"GEN-{tag}-{number}", "schemeAgencyId": "Customer"}
    if constraints_every and number % constraints_every == 0:
        worker = {"workerId": [{"value": f"GEN-W-{number}", "schemeAgencyId": "Supplier"}]}
        message = constraints(documentId={**document, "schemeAgencyId": "Supplier"}, worker=worker)
        resource = PlanningConstraints.submit(message, by=BY)
        line = message["periodicAvailabilityLine"][0]
        variants = [{**line, "endTime": "17:00:00Z"}, {**line, "endTime": "16:00:00Z"}]
    else:
        message = request(documentId=document)
        resource = PlanningRequest.submit(message, by=BY)
        line = message["periodicPlanningLine"][0]
        variants = None
    line_id = line["lineId"]["value"]
    record = getattr(resource, "_line_replaced", None)
    for n in range(events - 1):
        changed = variants[n % 2] if variants else {**line, "planningLineName": f"rename {n}"}
        if n == 0 or record is None:
            resource.replace_line(line_id, changed, by=BY)  # the checked command
        else:
            record(line_id=line_id, line=changed, **BY.event_fields())
        if resource.version % PlanningApplication.snapshotting_intervals[type(resource)] == 0:
            snapshots.append(type(resource).Snapshot.take(resource))
    return resource


def _read_models(app: PlanningApplication, resources: list[Any]) -> ReadModelWrites:
    """The look-ups and document claims the commands would have written (the recorder adds the rest)."""
    writes = ReadModelWrites()
    for resource in resources:
        kind = MessageKind(resource.kind)
        writes.documents.append((app.document_key(kind, None, resource.message), resource.id, None))
        writes.lookups_added.extend((key, resource.id, None) for key in sorted(app.lookup_keys(kind, resource.message)))
    return writes


def generate(
    url: str,
    events: int,
    *,
    per_resource: int = 500,
    constraints_every: int = 5,
    batch_events: int = 20_000,
    progress: bool = True,
) -> dict[str, Any]:
    """Add about ``events`` events to the store at ``url``; returns what was written and how fast."""
    app = PlanningApplication(url)
    # The snapshots are taken while building (see _build) and saved with each batch.
    app.snapshotting_intervals = {}
    tag = uuid.uuid4().hex[:8]
    started = time.perf_counter()
    written = resources = 0
    try:
        batch: list[Any] = []
        snapshots: list[Any] = []
        pending = 0
        while written + pending < events:
            size = max(1, min(per_resource, events - written - pending))
            batch.append(_build(resources, size, constraints_every, tag, snapshots))
            resources += 1
            pending += size
            if pending >= batch_events or written + pending >= events:
                app.save(*batch, read_models=_read_models(app, batch))
                if snapshots and app.snapshots is not None:
                    app.snapshots.put(snapshots)
                written += pending
                batch, snapshots, pending = [], [], 0
                if progress:
                    seconds = time.perf_counter() - started
                    print(
                        f"\r  generated {written:,} events in {seconds:.0f} s ({written / seconds:,.0f}/s)",
                        end="",
                        file=sys.stderr,
                        flush=True,
                    )
    finally:
        app.close()
    seconds = time.perf_counter() - started
    if progress:
        print(file=sys.stderr)
    return {
        "events": written,
        "resources": resources,
        "seconds": round(seconds, 2),
        "events_per_second": round(written / seconds) if seconds else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="store URL: sqlite:///FILE or postgresql://...")
    parser.add_argument("--events", type=int, default=1_000_000, help="events to add (default 1,000,000)")
    parser.add_argument("--events-per-resource", type=int, default=500, help="events per resource (default 500)")
    parser.add_argument(
        "--constraints-every",
        type=int,
        default=5,
        help="every Nth resource is a worker's PlanningConstraints (default 5; 0: requests only)",
    )
    parser.add_argument(
        "--batch-events", type=int, default=20_000, help="events saved per transaction (default 20,000)"
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    summary = generate(
        args.db,
        args.events,
        per_resource=args.events_per_resource,
        constraints_every=args.constraints_every,
        batch_events=args.batch_events,
    )
    if args.json:
        print(json.dumps(summary))
    else:
        print(
            f"added {summary['events']:,} events in {summary['resources']:,} resources "
            f"in {summary['seconds']} s ({summary['events_per_second']:,} events/s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
