"""``make bench``: every figure of the performance table, measured in one run, beside its ceiling.

    python benchmarks/run.py [--duration 5] [--warmup 2] [--events 1000000] [--output docs/performance.md]

What it does, in order (each step is also a script of its own in this folder):

1. SQLite: ``setu-planning serve`` on a fresh SQLite file, with a parties file
   (authentication on); POST and GET at each concurrency (wrk).
2. SQLite's store ceiling (``store_ceiling.py``: stock eventsourcing saves/s
   from 8 threads), as-of latency (``as_of.py``) and one POST timed part by
   part in process (``post_profile.py``), on the same file system.
3. The HTTP ceiling: ``bare_flask.py``, a bare Flask app under the same
   server, workers and threads as step 1; the same loads.
4. PostgreSQL: a throwaway cluster (``pg.py``, fsync on); serve, the same
   loads, the stock save rate, as-of latency and the POST profile on it; then
   it is removed.
5. Growth: in-process latencies (``growth.py``) and a served worker's memory
   on an empty SQLite store and on one of ``--events`` events
   (``generate.py``), and the rebuild rate on the big one.

Then it prints the table (markdown) and writes it, with the machine, the
commands and what limits each figure, to ``--output``. Servers, the
PostgreSQL cluster and the temporary folder are removed at the end, also
when interrupted (Ctrl-C, SIGTERM, SIGHUP). The load generator is wrk (installed
with apt-get when missing, if we are root), else ``pyload.py``.

The steps are the phases of ``PHASES`` (``benchmarks/phases/``); the harness
(``harness.py``, ``loadgen.py``) starts and measures, ``report.py`` writes.
Nothing here fails on slow figures: the run reports, it does not judge.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from harness import (
    CONCURRENCIES,
    ROOT,
    TARGET_C,
    Interrupted,
    Run,
    ignore_signals,
    machine,
    prepare,
    say,
    stop_on_signals,
)
from loadgen import ensure_wrk
from phases import Phase, Store, Target
from phases.growth import GrowthPhase
from phases.planning import ConflictsPhase
from phases.serving import BareFlaskPhase, ServePhase, ceiling
from phases.stores import AsOfPhase, OnPostgres, PostProfilePhase, StoreCeilingPhase
from report import document, table


def stock_rate(store: str):
    return lambda run: run.results.get("store_ceiling", {}).get(store, {}).get("saves_per_second")


SQLITE_TARGETS = {
    "POST": Target(f"≥ 0.50 × ceiling at c = {TARGET_C}", ceiling("POST").reference, 0.50),
    "GET": Target(f"≥ 0.70 × ceiling at c = {TARGET_C}", ceiling("GET").reference, 0.70),
}
POSTGRES_TARGETS = {
    "POST": Target(f"> stock save rate on the cluster, at c = {TARGET_C}", stock_rate("postgres"), 1.0, strictly=True),
    "GET": Target("(0.70 × ceiling, for comparison)", ceiling("GET").reference),
}


def phases(tmp: Path) -> list[Phase]:
    """The run, in order; a new measurement is one more phase here."""
    sqlite = Store("sqlite", "SQLite", 1, lambda name: f"sqlite:///{tmp / name}.sqlite3")
    return [
        ServePhase(sqlite, SQLITE_TARGETS),
        StoreCeilingPhase(sqlite),
        AsOfPhase(sqlite),
        PostProfilePhase(sqlite),
        ConflictsPhase(sqlite),
        BareFlaskPhase(),
        OnPostgres(
            lambda store: ServePhase(store, POSTGRES_TARGETS),
            StoreCeilingPhase,
            AsOfPhase,
            PostProfilePhase,
        ),
        GrowthPhase(),
    ]


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per measured load run (default 5)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up before each (default 2; 0: none)")
    parser.add_argument("--events", type=int, default=1_000_000, help="events in the big store (default 1,000,000)")
    parser.add_argument(
        "--concurrency",
        type=lambda v: [int(c) for c in v.split(",")],
        default=list(CONCURRENCIES),
        help="connections, comma-separated (default 1,8,32)",
    )
    parser.add_argument("--workers", type=int, help="serve --workers (default: serve's own default)")
    parser.add_argument("--threads", type=int, help="serve --threads (default: serve's own default)")
    parser.add_argument(
        "--loadgen",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="auto (default): wrk, installed with apt-get if missing and possible, else pyload.py",
    )
    parser.add_argument(
        "--output", default=str(ROOT / "docs" / "performance.md"), help="where to write the report ('-': nowhere)"
    )
    parser.add_argument("--json", help="also write every raw figure as JSON to this file")
    parser.add_argument(
        "--skip",
        default="",
        help="phases to skip, comma-separated: postgres, growth, profile, planning (for development)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="1 s runs, no warm-up, 100,000 events: to check the harness"
    )
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    args.repeats = 500  # POSTs timed by the in-process profile
    if args.quick:
        args.duration, args.warmup, args.events, args.repeats = 1, 0, min(args.events, 100_000), 100
    if TARGET_C not in args.concurrency:
        args.concurrency = sorted({*args.concurrency, TARGET_C})
    return args


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    stop_on_signals()
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="setu-bench-"))
    os.chmod(tmp, 0o755)  # the postgres OS user must reach the cluster folder inside
    run = Run(args, tmp, skipped={s for s in args.skip.split(",") if s})
    plan = [phase for phase in phases(tmp) if not (phase.skip and phase.skip in run.skipped)]
    try:
        ensure_wrk(run)
        prepare(run)
        run.results["machine"] = machine(run)
        for phase in plan:
            phase.measure(run)
        run.results["machine"]["loadavg_end"] = os.getloadavg()
        elapsed = time.monotonic() - started
        run.results["elapsed_seconds"] = elapsed
        print(table(run, plan))
        if args.output != "-":
            Path(args.output).write_text(document(run, plan, elapsed))
            say(f"\nwrote {os.path.relpath(args.output, Path.cwd())} ({elapsed / 60:.1f} minutes)")
        if args.json:
            Path(args.json).write_text(json.dumps(run.results, indent=2, default=str))
        return 0
    except (KeyboardInterrupt, Interrupted) as stop:
        say(f"\nbench: interrupted ({stop or 'SIGINT'}); cleaned up")
        return 130
    finally:
        ignore_signals()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
