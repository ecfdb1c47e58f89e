"""Which parts of a planning message are a worker's personal data, and whose.

A worker's right to erasure is honoured by encrypting each worker's data
under a key of that worker's own and destroying the key (crypto-shredding).
For that, the store must know which elements of a message are personal data
and which worker each belongs to. That is domain knowledge, kept here, pure:

- PlanningConstraints: ``worker`` (the worker's ids) belongs to the worker the
  message is about (its *subject*), and so does every line's
  ``availabilityComment``;
- PlanningAssignment: ``assignedWorker`` (id and name) belongs to its subject;
- PlanningRequest: each ``positionProfile/requestedWorker`` entry (id and name)
  belongs to the worker it names;
- every line's ``relatedWorker`` entries belong to the worker each names.

A worker is named by its ``workerId`` (``value`` and ``schemeAgencyId``); a
constraints message with several ids is keyed by the first. What is not listed
(documentIds, the parties, positions, times, ``requestComments``) is not a
worker's personal data and stays as it is.

The functions take ``seal(worker, value)``, which returns what to store in
place of ``value``, so the crypto lives elsewhere; :func:`unseal` walks any
stored state and opens what was sealed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .messages import LineKind, MessageKind, line_field

SEALED = "sealedWorkerData"
"""The key that marks a sealed value in stored state (a SETU message never uses it)."""

ERASED = "erased"
"""What an erased text becomes; an erased element becomes ``{"erased": true}``."""


@dataclass(frozen=True, order=True)
class WorkerRef:
    """A worker as a message names it: its ``workerId`` value and scheme."""

    value: str
    scheme: str

    @classmethod
    def of(cls, worker_id: Any) -> WorkerRef | None:
        if isinstance(worker_id, Mapping) and isinstance(worker_id.get("value"), str):
            return cls(worker_id["value"], str(worker_id.get("schemeAgencyId", "")))
        return None


Seal = Callable[[WorkerRef, Any], Any]


def erased(value: Any) -> Any:
    """What a value whose key was destroyed reads as: keeps the shape code relies on."""
    return ERASED if isinstance(value, str) else {ERASED: True}


def is_sealed(value: Any) -> bool:
    """Sealed already, or erased (nothing left to seal)."""
    return (isinstance(value, Mapping) and SEALED in value) or is_erased(value)


def is_erased(value: Any) -> bool:
    """Whether a value read back is the marker of erased data."""
    return value == ERASED or (isinstance(value, Mapping) and len(value) == 1 and value.get(ERASED) is True)


def subject(kind: MessageKind, message: Mapping[str, Any]) -> WorkerRef | None:
    """The worker a constraints or assignment message is about (a request has none)."""
    if kind is MessageKind.CONSTRAINTS:
        ids = message.get("worker", {}).get("workerId") if isinstance(message.get("worker"), Mapping) else None
        return WorkerRef.of(ids[0]) if isinstance(ids, list) and ids else None
    if kind is MessageKind.ASSIGNMENT:
        worker = message.get("assignedWorker")
        return WorkerRef.of(worker.get("workerId")) if isinstance(worker, Mapping) else None
    return None


def workers_named(kind: MessageKind, message: Mapping[str, Any]) -> set[WorkerRef]:
    """Every worker whose personal data ``message`` holds."""
    found: set[WorkerRef] = set()
    nobody = WorkerRef("", "")  # stands in for an erased subject, whose comments name no one any more

    def note(worker: WorkerRef, value: Any) -> Any:
        found.add(worker)
        return value

    seal_message(kind, message, nobody, note)
    return found - {nobody}


def seal_message(
    kind: MessageKind, message: Mapping[str, Any], fallback: WorkerRef | None, seal: Seal
) -> dict[str, Any]:
    """The message with each worker's personal data passed through ``seal``.

    ``fallback`` is the subject when the message (a partial replacement) does
    not say itself.
    """
    sealed = dict(message)
    own = subject(kind, message) or fallback
    if kind is MessageKind.CONSTRAINTS and own is not None and "worker" in sealed and not is_sealed(sealed["worker"]):
        sealed["worker"] = seal(own, sealed["worker"])
    if kind is MessageKind.ASSIGNMENT and own is not None and "assignedWorker" in sealed:
        if not is_sealed(sealed["assignedWorker"]):
            sealed["assignedWorker"] = seal(own, sealed["assignedWorker"])
    if kind is MessageKind.REQUEST and isinstance(sealed.get("positionProfile"), Mapping):
        profile = dict(sealed["positionProfile"])
        if isinstance(profile.get("requestedWorker"), list):
            profile["requestedWorker"] = [_seal_named(entry, seal) for entry in profile["requestedWorker"]]
            sealed["positionProfile"] = profile
    for line_kind in LineKind:
        field = line_field(kind, line_kind)
        if isinstance(sealed.get(field), list):
            sealed[field] = [seal_line(kind, line, own, seal) for line in sealed[field]]
    return sealed


def seal_line(kind: MessageKind, line: Any, own: WorkerRef | None, seal: Seal) -> Any:
    """One line with its workers' data sealed: related workers under theirs, comments under the subject's."""
    if not isinstance(line, Mapping):
        return line
    sealed = dict(line)
    if isinstance(sealed.get("relatedWorker"), list):
        sealed["relatedWorker"] = [_seal_named(entry, seal) for entry in sealed["relatedWorker"]]
    comment = sealed.get("availabilityComment")
    if kind is MessageKind.CONSTRAINTS and comment is not None and not is_sealed(comment):
        if own is None:
            raise ValueError("an availabilityComment cannot be stored without knowing whose constraints hold it")
        sealed["availabilityComment"] = seal(own, comment)
    return sealed


def _seal_named(entry: Any, seal: Seal) -> Any:
    """A list entry that names its own worker (requestedWorker, relatedWorker), sealed under that worker."""
    if is_sealed(entry) or not isinstance(entry, Mapping):
        return entry
    worker = WorkerRef.of(entry.get("workerId"))
    return entry if worker is None else seal(worker, entry)


def unseal(value: Any, open_sealed: Callable[[Mapping[str, Any]], Any]) -> Any:
    """``value`` with every sealed part replaced by ``open_sealed(part)``; unchanged parts are shared."""
    if isinstance(value, dict):
        if SEALED in value:
            return open_sealed(value)
        changed = None
        for key, item in value.items():
            if isinstance(item, (dict, list)):
                opened = unseal(item, open_sealed)
                if opened is not item:
                    changed = changed or dict(value)
                    changed[key] = opened
        return value if changed is None else changed
    if isinstance(value, list):
        opened_items = [unseal(item, open_sealed) if isinstance(item, (dict, list)) else item for item in value]
        return value if all(a is b for a, b in zip(opened_items, value, strict=True)) else opened_items
    return value
