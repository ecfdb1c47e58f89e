"""In-process phases on a store: stock eventsourcing's save rate, as-of latency, one POST part by part.

Each runs a script of this folder (usable alone) on a fresh database of the
store; :class:`OnPostgres` runs a group of phases on a throwaway PostgreSQL
cluster and removes it afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from harness import HERE, PYTHON, Run, say, script

from phases import AS_OF, PROFILE, STORE_CEILING, Phase, Row, Store

THREADS = 8


class StoreCeilingPhase(Phase):
    """``store_ceiling.py``: stock eventsourcing saves/s from 8 threads, the store's own ceiling."""

    rank = 30

    def __init__(self, store: Store):
        self.store = store

    def measure(self, run: Run) -> None:
        say(f"{self.store.label}: stock eventsourcing save rate")
        run.results.setdefault("store_ceiling", {})[self.store.name] = script(
            run,
            [
                PYTHON,
                HERE / "store_ceiling.py",
                "--db",
                self.store.new_database("stock"),
                "--threads",
                str(THREADS),
                "--seconds",
                str(run.args.duration),
                "--json",
            ],
        )

    def rows(self, run: Run) -> list[Row]:
        found = run.results.get("store_ceiling", {}).get(self.store.name)
        if not found:
            return []
        return [
            Row(
                (STORE_CEILING, self.store.rank),
                f"Store ceiling: stock eventsourcing saves/s, {THREADS} threads, {self.store.label}",
                f"{found['saves_per_second']:,.0f} saves/s",
            )
        ]

    def method(self, run: Run) -> str:
        return f"""**Store ceiling (stock eventsourcing).** `benchmarks/store_ceiling.py`: a trivial
`eventsourcing.domain.Aggregate` subclass created and saved, one per `save()`, by a stock
`eventsourcing.application.Application` with stock recorders (`PERSISTENCE_MODULE` =
`eventsourcing.sqlite` on a file in the same temporary folder as the SQLite server's store, and
`eventsourcing.postgres` on a database of the same cluster), from {THREADS} threads of one process, for
{run.args.duration} s after 1 s of warm-up: saves per second, one event and one transaction each.
*Limit:* on PostgreSQL, the commit's WAL flush (fsync on; concurrent commits may share a flush)
and the table lock the stock recorder takes to keep notification ids in order; on SQLite, one
writer at a time and the WAL sync of each commit (`synchronous = FULL`, the default, for both
recorders), and Python's GIL over the {THREADS} threads. setu-planning's recorders group concurrent saves
of a process into one transaction (group commit), which is how a POST rate can beat this figure."""


class AsOfPhase(Phase):
    """``as_of.py``: the state as of a moment, for histories of 10, 1,000 and 10,000 events."""

    rank = 40

    def __init__(self, store: Store):
        self.store = store

    def measure(self, run: Run) -> None:
        say(f"{self.store.label}: as-of latency")
        run.results.setdefault("as_of", {})[self.store.name] = script(
            run, [PYTHON, HERE / "as_of.py", "--db", self.store.new_database("asof"), "--json"]
        )

    def rows(self, run: Run) -> list[Row]:
        as_of = {row["events"]: row for row in run.results.get("as_of", {}).get(self.store.name, [])}
        if not as_of:
            return []
        cells = " / ".join(f"{as_of[n]['p50_ms']:.2f} ({as_of[n]['p90_ms']:.2f})" for n in sorted(as_of))
        small, large = as_of.get(10), as_of.get(10_000)
        ratio = large["p50_ms"] / small["p50_ms"] if small and large and small["p50_ms"] else None
        return [
            Row(
                (AS_OF, self.store.rank),
                f"as-of p50 (p90) ms at 10 / 1,000 / 10,000 events, {self.store.label}",
                cells,
                "p50 at 10,000 ≤ 2 × p50 at 10",
                ratio,
                None if ratio is None else ratio <= 2,
            )
        ]

    def method(self, run: Run) -> str:
        from setu_planning.application import PlanningApplication
        from setu_planning.domain.aggregates import PlanningRequest

        every = PlanningApplication.snapshotting_intervals[PlanningRequest]
        return f"""**as-of latency.** `benchmarks/as_of.py`: one PlanningRequest per history length (10, 1,000 and
10,000 events, built by renaming a line and saved in one go), then `app.requests.as_of(id,
moment)` 200 times at a moment two thirds into the history: p50 and p90, in process (no HTTP).
*Limit:* the query reads the resource's current-state row (to check who may see it), finds the
version at the moment with one descent of the timestamps index (ordered by resource, timestamp,
version), loads the nearest snapshot at or before it and replays the events after it: with a
snapshot every {every} events, at most {every - 1}, whatever the length of the history. Those four reads and the
replay of a few events (JSON decoding of each) are the whole cost."""


class PostProfilePhase(Phase):
    """``post_profile.py``: one POST of the example timed part by part, in process (CPU and wall)."""

    rank = 45
    skip = "profile"
    PARTS = (
        ("decode", "decode"),
        ("schema", "schema"),
        ("rules", "rules"),
        ("aggregate", "aggregate"),
        ("store", "store"),
        ("http", "HTTP"),
    )

    def __init__(self, store: Store):
        self.store = store

    def measure(self, run: Run) -> None:
        say(f"{self.store.label}: one POST part by part, in process")
        run.results.setdefault("post_profile", {})[self.store.name] = script(
            run,
            [
                PYTHON,
                HERE / "post_profile.py",
                "--db",
                self.store.new_database("profile"),
                "--message",
                run.example,
                "--parties",
                run.parties,
                "--token",
                run.token,
                "--repeats",
                str(run.args.repeats),
                "--json",
            ],
        )

    def rows(self, run: Run) -> list[Row]:
        found = run.results.get("post_profile", {}).get(self.store.name)
        if not found:
            return []
        parts = {**found["parts"], **found["derived"]}
        cells = " + ".join(f"{label} {parts[key]['cpu_ms']:.2f}" for key, label in self.PARTS)
        return [
            Row(
                (PROFILE, self.store.rank),
                f"One POST in process, CPU ms by part, {self.store.label}",
                f"{cells} = {parts['wsgi']['cpu_ms']:.2f} (bare Flask {parts['bare_wsgi']['cpu_ms']:.2f})",
            )
        ]

    def method(self, run: Run) -> str:
        return f"""**One POST, part by part.** `benchmarks/post_profile.py`: in one process, without a server,
each part of a POST of the official example timed alone, {run.args.repeats} times with a new documentId
each (medians of `time.process_time` for CPU and `time.perf_counter` for wall time): the strict JSON
decoding; the structure against the SETU 2.0 schema (pydantic); the business rules; `requests.submit` on an
in-memory store (schema, rules, the aggregate and its event, the document key and claim check, encoding
the event and the current-state row) and on a fresh database of the store; the whole POST through the Flask app `serve`
runs (a WSGI call with the bearer token, authentication on); and the bare Flask app's POST. The parts
nest, so "aggregate" is submit in memory less schema and rules, "store" is submit on the store less
submit in memory (its transaction and commit), and "HTTP" is the WSGI call less decoding and submit
(routing, authentication, the answer). *Limit:* one thread's CPU; on the store, the commit's sync
(wall time beyond CPU)."""


class OnPostgres(Phase):
    """A group of phases on a throwaway PostgreSQL cluster (``pg.py``, fsync on), removed afterwards."""

    skip = "postgres"

    def __init__(self, *phases: Callable[[Store], Phase], rank: int = 2):
        self.make, self.store_rank, self.members = phases, rank, []

    def measure(self, run: Run) -> None:
        from pg import PostgresCluster

        if not PostgresCluster.available():
            say("PostgreSQL: initdb/pg_ctl not on PATH: skipped")
            return
        say("PostgreSQL: a throwaway cluster (fsync on)")
        cluster = PostgresCluster(run.tmp)
        prefix = "runuser -u postgres -- " if os.geteuid() == 0 else ""
        try:
            cluster.start()
            run.pg_port = cluster.port
            run.note(f"{prefix}initdb -D $PGDATA -A trust -U postgres --no-sync")
            run.note(
                f'{prefix}pg_ctl -D $PGDATA -o "-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1 -c fsync=on '
                f'-c synchronous_commit=on -c full_page_writes=on" -l $PGDIR/log -w start'
            )
            run.results["postgres"] = {"version": cluster.version(), "settings": cluster.settings()}
            names: list[str] = []

            def new_database(name: str) -> str:
                names.append(name)
                run.note(f"{prefix}createdb -h 127.0.0.1 -p $PGPORT -U postgres {name}")
                return cluster.new_database(name)

            def postmaster() -> list[int]:
                return [int((cluster.data / "postmaster.pid").read_text().split()[0])]

            store = Store("postgres", "PostgreSQL", self.store_rank, new_database, postmaster)
            self.members = [make(store) for make in self.make]
            for member in self.members:
                if member.skip and member.skip in run.skipped:
                    continue
                member.measure(run)
        finally:
            cluster.stop()
            run.note(f"{prefix}pg_ctl -D $PGDATA -m fast -w stop   # then rm -r $PGDIR")

    def leaves(self) -> Iterable[Phase]:
        return self.members

    def rows(self, run: Run) -> list[Row]:
        return [row for member in self.members for row in member.rows(run)]

    def cpu_runs(self, run: Run) -> list[tuple[tuple[int, ...], str, dict[str, Any]]]:
        return [line for member in self.members for line in member.cpu_runs(run)]
