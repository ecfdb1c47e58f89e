"""What a run found: one result per check, and how results add up to an exit code."""

from __future__ import annotations

from dataclasses import dataclass, field

from .catalogue import MUST, Check

PASS, FAIL, WARN, SKIP = "PASS", "FAIL", "WARN", "SKIP"


@dataclass(frozen=True)
class Result:
    """The outcome of one check: PASS, FAIL (a MUST broken), WARN or SKIP, and why."""

    check: Check
    outcome: str
    detail: str

    def line(self) -> str:
        return f"{self.outcome} {self.check.id} {self.check.title}: {self.detail}"


@dataclass
class Results:
    """Results by check id, in the order the checks were decided."""

    checks: dict[str, Check]
    found: dict[str, Result] = field(default_factory=dict)

    def _put(self, check_id: str, outcome: str, detail: str) -> None:
        check = self.checks[check_id]
        if check_id in self.found:  # a check decided in several steps keeps its worst outcome
            previous = self.found[check_id]
            rank = {SKIP: 0, PASS: 1, WARN: 2, FAIL: 3}
            if rank[previous.outcome] > rank[outcome]:
                return
            if rank[previous.outcome] == rank[outcome] and outcome != PASS:
                detail = f"{previous.detail}; {detail}"
        self.found[check_id] = Result(check, outcome, detail)

    def passed(self, check_id: str, detail: str) -> None:
        self._put(check_id, PASS, detail)

    def failed(self, check_id: str, detail: str) -> None:
        """The check is broken: FAIL for a MUST, WARN for a SHOULD or INFO."""
        self._put(check_id, FAIL if self.checks[check_id].severity == MUST else WARN, detail)

    def warned(self, check_id: str, detail: str) -> None:
        """Not broken, but not clean: a contradiction of the SETU material, a softer deviation."""
        self._put(check_id, WARN, detail)

    def skipped(self, check_id: str, detail: str) -> None:
        if check_id not in self.found:
            self._put(check_id, SKIP, detail)

    def expect(self, check_id: str, ok: bool, good: str, bad: str) -> bool:
        (self.passed if ok else self.failed)(check_id, good if ok else bad)
        return ok

    def ordered(self) -> list[Result]:
        """Every check of the catalogue, in catalogue order; an undecided one is a SKIP."""
        return [
            self.found.get(check_id) or Result(check, SKIP, "not reached") for check_id, check in self.checks.items()
        ]

    def counts(self) -> tuple[int, int, int]:
        outcomes = [result.outcome for result in self.ordered()]
        return outcomes.count(PASS), outcomes.count(FAIL), outcomes.count(WARN)

    def summary(self) -> str:
        passed, failed, warnings = self.counts()
        return f"{passed} passed, {failed} failed, {warnings} warnings"

    @property
    def exit_code(self) -> int:
        return 1 if self.counts()[1] else 0
