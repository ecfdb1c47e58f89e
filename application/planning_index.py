"""Look-ups that remember: every resource that ever named a worker or a request document.

The look-ups of :mod:`.readmodels` are current: a cancelled assignment, or
constraints moved to another worker, leave them. A planner asking "as of last
Tuesday" needs the resources that named the worker *then*. So each save also
files its resource under these keys, and never takes it out; the as-of query
reads the state of each candidate at the moment (one index descent each) and
keeps those that named the worker at that moment. The cost follows the
worker's own resources, never the size of the store.

They live in the same look-ups table (keyed digests, like the others), are
written in the transaction of the events, and ``setu-planning rebuild``
derives them from the log like every other read model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from setu_planning.domain.messages import MessageKind


def ever_worker_key(worker_id: str) -> str:
    """Constraints that ever named the worker in worker/workerId."""
    return f"ever:worker:{worker_id}"


def ever_assigned_worker_key(worker_id: str) -> str:
    """Assignments that ever named the worker in assignedWorker/workerId."""
    return f"ever:assigned-worker:{worker_id}"


def ever_request_document_key(document_id: str) -> str:
    """Assignments that ever referred to the request document in planningRequestReference."""
    return f"ever:request-document:{document_id}"


def assigned_worker(message: Mapping[str, Any]) -> str | None:
    """The worker id an assignment names, if any."""
    return ((message.get("assignedWorker") or {}).get("workerId") or {}).get("value")


def request_document(message: Mapping[str, Any]) -> str | None:
    return (((message.get("planningRequestReference") or {}).get("documentId")) or {}).get("value")


def history_keys(digest: Callable[[str], str], kind: MessageKind, message: Mapping[str, Any] | None) -> set[str]:
    """The digests a message is filed under for good."""
    if message is None:
        return set()
    keys: set[str] = set()
    if kind is MessageKind.CONSTRAINTS:
        keys = {ever_worker_key(w["value"]) for w in (message.get("worker") or {}).get("workerId", ())}
    elif kind is MessageKind.ASSIGNMENT:
        worker, document = assigned_worker(message), request_document(message)
        if worker:
            keys.add(ever_assigned_worker_key(worker))
        if document:
            keys.add(ever_request_document_key(document))
    return {digest(key) for key in keys}
