"""The phases of ``make bench``: each measures, then gives back the rows of what it measured.

A phase is a :class:`Phase`: ``measure(run)`` starts what it needs, measures
and keeps its raw figures in ``run.results`` (so ``--json`` has them all);
after every phase has run, ``rows(run)`` turns them into rows of the table,
``cpu_runs(run)`` into lines of the CPU table and ``method(run)`` into the
paragraph saying how they were measured. Rows come after every phase because
a target compares figures of two phases (a POST rate with the bare Flask
ceiling measured next). The report prints nothing a phase did not return.

Adding a phase: subclass :class:`Phase`, give its rows an ``order`` (a new
group number places them after the others), and add it to ``run.PHASES``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from harness import TARGET_C, Run

# Where rows go in the table: (group, rank of the store within it).
POST, GET, STORE_CEILING, LOADGEN_CEILING, AS_OF, PROFILE, REBUILD, GROWTH = (10, 20, 30, 40, 50, 60, 70, 80)
PLANNING, DELIVERY = 90, 100
METHODS = ("POST", "GET")


@dataclass(frozen=True)
class Row:
    """One line of the table: a figure measured in this run, with its target if it has one."""

    order: tuple[int, ...]
    figure: str
    measured: str
    target: str = "—"
    ratio: float | None = None
    met: bool | None = None


@dataclass(frozen=True)
class Target:
    """What a figure is held against: ``reference(run)`` is the divisor, ``at_least`` the ratio asked."""

    text: str
    reference: Callable[[Run], float | None]
    at_least: float | None = None  # None (and no at_most): the ratio is shown for comparison only
    strictly: bool = False  # ratio > at_least rather than >=
    at_most: float | None = None  # for costs (latencies): the ratio asked is a ceiling, ratio <= at_most

    def judge(self, value: float | None, run: Run) -> tuple[float | None, bool | None]:
        reference = self.reference(run)
        if value is None or not reference:
            return None, None
        ratio = value / reference
        if self.at_most is not None:
            return ratio, ratio <= self.at_most
        if self.at_least is None:
            return ratio, None
        return ratio, ratio > self.at_least if self.strictly else ratio >= self.at_least


@dataclass
class Store:
    """Where a phase keeps its data: ``new_database(name)`` gives a fresh store URL."""

    name: str  # key in run.results: "sqlite", "postgres"
    label: str  # in the report: "SQLite", "PostgreSQL"
    rank: int  # place among the stores in each group of rows (0 is the bare ceiling)
    new_database: Callable[[str], str]
    server_pids: Callable[[], list[int]] = field(default=lambda: [])  # their CPU counts as the server's


class Phase:
    """One measurement of the run; subclasses override what they have."""

    rank = 100  # where its paragraph goes under "How each figure is measured"
    skip = ""  # the --skip name that leaves it out ("" : always run)

    def measure(self, run: Run) -> None:
        raise NotImplementedError

    def rows(self, run: Run) -> list[Row]:
        return []

    def cpu_runs(self, run: Run) -> list[tuple[tuple[int, ...], str, dict[str, Any]]]:
        """(order, label, load report) of each measured HTTP load run, for the CPU table."""
        return []

    def method(self, run: Run) -> str:
        """How its figures were measured and what limits them (markdown); one per kind of phase."""
        return ""

    def leaves(self) -> Iterable[Phase]:
        """The phases that measured (a group of phases gives its members)."""
        return [self]


def rps(run: Run, store: str, method: str, connections: int = TARGET_C) -> float | None:
    """Requests/s of one measured HTTP load run, if it ran."""
    return run.results.get("http", {}).get(store, {}).get(method, {}).get(connections, {}).get("rps")


def cpu_ms(report: dict[str, Any] | None) -> float | None:
    """Server CPU milliseconds per request of a load run."""
    return report["cpu_server"] / report["rps"] * 1000 if report and report["rps"] else None


def ms(us: float) -> str:
    value = us / 1000
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"
