"""The planner's question, timed: a worker's conflicts over four weeks beside the plain current-state GET.

Runs ``conflicts.py`` twice, on a fresh SQLite store each: a small one and a
big one (10,000 workers, 100,000 resources). The target of the planning issue
is "a few milliseconds, flat in the size of the store and in history length
with ``asOf``": each conflicts p50 is held against the plain GET of one
assignment (the cheapest read there is) measured in the same run on the same
store, and two rows hold the big store against the small one and the long
history against the short one.
"""

from __future__ import annotations

from typing import Any

from harness import HERE, PYTHON, Run, say, script

from phases import PLANNING, Phase, Row, Store, Target

TIMES_GET = 10.0
"""A worker's conflicts over four weeks may cost this many plain GETs (p50): a few milliseconds."""

FLAT = 1.5
"""Flat: the big store (or the long history) costs at most this many times the small one (the short one)."""

SIZES = ("small", "big")


class ConflictsPhase(Phase):
    """``conflicts.py``: ``app.conflicts`` now and as of a past moment, short and long history, small and big store."""

    rank = 45
    skip = "planning"

    def __init__(self, store: Store):
        self.store = store

    def measure(self, run: Run) -> None:
        quick = run.args.quick
        workers = {"small": 100, "big": 1_000 if quick else 10_000}
        histories = ["10", "100" if quick else "1000"]
        found = run.results.setdefault("conflicts", {}).setdefault(self.store.name, {})
        for size in SIZES:
            say(f"{self.store.label}: a worker's conflicts over four weeks, {workers[size]:,} workers")
            found[size] = script(
                run,
                [
                    PYTHON,
                    HERE / "conflicts.py",
                    "--db",
                    self.store.new_database(f"conflicts-{size}"),
                    "--workers",
                    str(workers[size]),
                    "--history",
                    *histories,
                    "--repeats",
                    "50" if quick else "200",
                    "--json",
                ],
            )

    def rows(self, run: Run) -> list[Row]:
        found = run.results.get("conflicts", {}).get(self.store.name)
        if not found or any(size not in found for size in SIZES):
            return []
        rows: list[Row] = []
        for size in SIZES:
            rows += self._rows_of(found[size], len(rows), run)
        small, big = found["small"], found["big"]
        flat = (
            (
                f"Flat in store size: big store / small store, conflicts now, p50 "
                f"({big['resources']:,} / {small['resources']:,} resources)",
                big["histories"][-1]["conflicts"]["p50_ms"],
                small["histories"][-1]["conflicts"]["p50_ms"],
                "the small store's",
            ),
            (
                f"Flat in history length: long / short history, conflicts as of half-way, p50 "
                f"({big['histories'][-1]['events_per_assignment']:,} / "
                f"{big['histories'][0]['events_per_assignment']:,} events per assignment, big store)",
                big["histories"][-1]["conflicts_as_of"]["p50_ms"],
                big["histories"][0]["conflicts_as_of"]["p50_ms"],
                "the short history's",
            ),
        )
        for figure, value, reference, what in flat:
            target = Target(f"≤ {FLAT:.1f} × {what}", lambda run, reference=reference: reference, at_most=FLAT)
            ratio, met = target.judge(value, run)
            rows.append(
                Row(
                    (PLANNING, self.store.rank, len(rows)),
                    figure,
                    f"{value:.2f} / {reference:.2f}",
                    target.text,
                    ratio,
                    met,
                )
            )
        return rows

    def _rows_of(self, found: dict[str, Any], first: int, run: Run) -> list[Row]:
        get = found["rest_get"]["p50_ms"]
        target = Target(f"≤ {TIMES_GET:.0f} × plain GET p50", lambda run: get, at_most=TIMES_GET)
        store = f"{found['workers']:,} workers, {found['resources']:,} resources, {self.store.label}"
        figures: list[tuple[str, dict[str, float], Target | None]] = []
        for history in found["histories"]:
            events = f"{history['events_per_assignment']:,} events per assignment"
            figures += [
                (f"now ({history['conflicts_found']} found); {events}", history["conflicts"], target),
                (
                    f"as of half-way through the history ({history['conflicts_found_as_of']} found); {events}",
                    history["conflicts_as_of"],
                    target,
                ),
            ]
        figures.append(("over REST (GET /planning/conflicts), now; the longest history", found["rest_conflicts"], None))
        rows = []
        for n, (what, figure, judged) in enumerate(figures):
            ratio, met = (
                judged.judge(figure["p50_ms"], run) if judged else (figure["p50_ms"] / get if get else None, None)
            )
            rows.append(
                Row(
                    (PLANNING, self.store.rank, first + n),
                    f"A worker's conflicts over four weeks, {what}, p50 (p90) ms; {store}",
                    f"{figure['p50_ms']:.2f} ({figure['p90_ms']:.2f})",
                    judged.text if judged else "(plain GET for comparison)",
                    ratio,
                    met,
                )
            )
        rows.append(
            Row(
                (PLANNING, self.store.rank, first + len(figures)),
                f"Plain GET of one assignment, p50 (p90) ms; {store}",
                f"{get:.2f} ({found['rest_get']['p90_ms']:.2f})",
            )
        )
        return rows

    def method(self, run: Run) -> str:
        return f"""**A planner's question.** `benchmarks/conflicts.py`, twice, each on a fresh SQLite store: a
small one (100 workers) and a big one (10,000 workers, 100,000 resources). Each worker has one
PlanningConstraints and nine PlanningAssignments (weekday shifts, a third of them starting before the
worker's availability, so every worker has conflicts); two measured workers more, whose assignments
carry 10 and 1,000 line changes each. Timed in process, repeated: `app.conflicts(hr_id=…)` over four
weeks now and as of a moment half-way through each measured worker's history, the same through the
Flask app (`GET /planning/conflicts`), and the plain `GET /planning/assignments/{{id}}` beside it, in the
same run on the same store. Target: {TIMES_GET:.0f} plain GETs (a few milliseconds), and flat: the big
store and the long history at most {FLAT:.1f} × the small store and the short history. Repeated calls
find the worker's decoded states and expanded lines kept per resource version (a past state is dropped
at the store's next erasure). *Limit:* the worker's own resources: one indexed look-up, the current-state
rows (or one version look-up and, for a changed resource, one snapshot and at most nine events) per
resource, the conflict rules over the occurrences and formatting each conflict; never the size of the
store."""
