"""A worker's right to erasure (GDPR art. 17), by crypto-shredding.

Erasing a worker, in this order:

1. cancels the worker's open constraints and assignments, and takes the
   worker out of open requests' ``requestedWorker``: ordinary changes, so
   counterparties are sent the cancellations and replacements as usual;
2. destroys the worker's data keys (:mod:`.worker_keys`): every sealed
   value of that worker, in every event, snapshot and current row, now reads
   as erased; the events themselves stay, so histories still list every
   version, and as-of and rebuilding still work;
3. records who erased whom and when, naming the worker only by a keyed digest.

Running it again finds nothing open and no key, changes nothing, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from setu_planning.domain.messages import MessageKind
from setu_planning.domain.personal_data import WorkerRef, is_erased  # noqa: F401 - is_erased: for callers
from setu_planning.domain.provenance import Caller

from .readmodels import holding_worker_key
from .worker_keys import Erasure, now_utc


@dataclass
class ErasureReport:
    """What one erasure did (or found already done)."""

    worker: str
    """The keyed digest the erasure is recorded under."""
    cancelled: list[tuple[MessageKind, UUID]] = field(default_factory=list)
    requests_changed: list[UUID] = field(default_factory=list)
    keys_destroyed: int = 0
    erased_before: list[Erasure] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        return bool(self.cancelled or self.requests_changed or self.keys_destroyed)

    def lines(self) -> list[str]:
        """What to tell the operator, without the worker's id."""
        if not self.changed_anything:
            before = ", ".join(f"{e.erased_at.isoformat()} by {e.actor}" for e in self.erased_before)
            return ["nothing to erase: no data of this worker is stored" + (f" (erased {before})" if before else "")]
        said = [f"cancelled {kind} {resource_id}" for kind, resource_id in self.cancelled]
        said += [f"removed the worker from requestedWorker of PlanningRequest {r}" for r in self.requests_changed]
        said.append(f"destroyed {self.keys_destroyed} data key(s); recorded as erasure of worker {self.worker[:16]}")
        return said


def _names(worker_id: Any, hr_id: str, scheme: str | None) -> bool:
    found = WorkerRef.of(worker_id)
    return found is not None and found.value == hr_id and scheme in (None, found.scheme)


def erase_worker(app: Any, hr_id: str, scheme: str | None = None, *, actor: str) -> ErasureReport:
    """Erase one worker (by ``workerId`` value, and scheme if given) from ``app``'s store."""
    keyring = app.mapper.keyring
    digest = keyring.worker_digest(hr_id)
    report = ErasureReport(worker=digest, erased_before=keyring.table.erasures(digest))
    key = app.digest(holding_worker_key(hr_id))
    for state in app.constraints.filed_under(key):
        if any(_names(w, hr_id, scheme) for w in state.message.get("worker", {}).get("workerId", ())):
            app.constraints.cancel(state.id, by=Caller.local(actor))
            report.cancelled.append((MessageKind.CONSTRAINTS, state.id))
    for state in app.assignments.filed_under(key):
        if _names(state.message.get("assignedWorker", {}).get("workerId"), hr_id, scheme):
            app.assignments.cancel(state.id, by=Caller.local(actor))
            report.cancelled.append((MessageKind.ASSIGNMENT, state.id))
    for state in app.requests.filed_under(key):
        profile = state.message.get("positionProfile", {})
        requested = profile.get("requestedWorker", [])
        remaining = [w for w in requested if not _names(w.get("workerId"), hr_id, scheme)]
        if len(remaining) != len(requested):
            app.requests.replace(
                state.id,
                {**state.message, "positionProfile": {**profile, "requestedWorker": remaining}},
                by=Caller.local(actor),
            )
            report.requests_changed.append(state.id)
    subject = None if scheme is None else keyring.subject_digest(WorkerRef(hr_id, scheme))
    rows = keyring.table.of_worker(digest, subject)
    if rows or report.changed_anything:
        keyring.table.destroy([row.key_id for row in rows], Erasure(digest, now_utc(), actor))
        report.keys_destroyed = len(rows)
    keyring.forget()
    app.views.clear()
    return report
