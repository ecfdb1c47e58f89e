"""The planner's question, timed: a worker's conflicts over four weeks beside the plain current-state GET.

Runs ``conflicts.py`` on a fresh SQLite store of many workers. The target of
the planning issue is "a few milliseconds, flat in the size of the store and
in history length with ``asOf``": the row shows the p50s side by side, with
the plain GET of one assignment (the cheapest read there is) as the reference.
"""

from __future__ import annotations

from harness import HERE, PYTHON, Run, say, script

from phases import PLANNING, Phase, Row, Store


class ConflictsPhase(Phase):
    """``conflicts.py``: ``app.conflicts`` now and as of a past moment, over REST, and a plain GET."""

    rank = 45
    skip = "planning"

    def __init__(self, store: Store):
        self.store = store

    def measure(self, run: Run) -> None:
        workers = 1_000 if run.args.quick else 10_000
        say(f"{self.store.label}: a worker's conflicts over four weeks, {workers:,} workers")
        run.results.setdefault("conflicts", {})[self.store.name] = script(
            run,
            [
                PYTHON,
                HERE / "conflicts.py",
                "--db",
                self.store.new_database("conflicts"),
                "--workers",
                str(workers),
                "--history",
                "100" if run.args.quick else "1000",
                "--repeats",
                "50" if run.args.quick else "200",
                "--json",
            ],
        )

    def rows(self, run: Run) -> list[Row]:
        found = run.results.get("conflicts", {}).get(self.store.name)
        if not found:
            return []
        get = found["rest_get"]["p50_ms"]
        figures = (
            ("now", found["conflicts"]),
            ("as of a moment half-way through the history", found["conflicts_as_of"]),
            ("over REST (GET /planning/conflicts)", found["rest_conflicts"]),
        )
        label = (
            f"{found['workers']:,} workers, {found['resources']:,} resources, "
            f"{found['history_per_assignment']:,} events per assignment, {self.store.label}"
        )
        rows = [
            Row(
                (PLANNING, self.store.rank, n),
                f"A worker's conflicts over four weeks ({found['conflicts_found']} found), {what}, p50 (p90) ms; {label}",
                f"{figure['p50_ms']:.2f} ({figure['p90_ms']:.2f})",
                "(plain GET for comparison)",
                figure["p50_ms"] / get if get else None,
            )
            for n, (what, figure) in enumerate(figures)
        ]
        rows.append(
            Row(
                (PLANNING, self.store.rank, len(figures)),
                f"Plain GET of one assignment, p50 (p90) ms; {label}",
                f"{get:.2f} ({found['rest_get']['p90_ms']:.2f})",
            )
        )
        return rows

    def method(self, run: Run) -> str:
        return """**A planner's question.** `benchmarks/conflicts.py`: a SQLite store of many workers, each
with one PlanningConstraints and nine PlanningAssignments (weekday shifts, a third of them starting
before the worker's availability, so every worker has conflicts); the measured worker's assignments
also carry many line changes each. Timed in process, repeated: `app.conflicts(hr_id=…)` over four
weeks now and as of a moment half-way through the history, the same through the Flask app
(`GET /planning/conflicts`), and the plain `GET /planning/assignments/{id}` beside it. *Limit:* the
worker's own resources: one indexed look-up, one current-state read (or one as-of descent) per
resource, expanding their lines into the four weeks and formatting each conflict; never the size of
the store."""
