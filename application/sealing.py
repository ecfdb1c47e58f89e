"""The mapper that stores each worker's personal data under that worker's own key.

The eventsourcing library's :class:`~eventsourcing.persistence.Mapper` turns
a domain event into stored bytes; its cipher sees only those bytes, but the
mapper sees the event's state. This one, before the state is encoded, seals
every part :mod:`setu_planning.domain.personal_data` assigns to a worker
under that worker's data key (:mod:`.worker_keys`), and opens it again when
decoding. Everything written through the mapper is covered: events,
snapshots, and the current-state rows (which are snapshots too). The store
cipher, when configured, still encrypts the whole state on top.

A value whose key was destroyed opens as the "erased" marker, so every
resource stays replayable after an erasure: history, as-of and rebuilding
the read models still work, with the worker's data gone.

Events of the shared base class (replacements, line changes) say neither the
kind of resource nor whose constraints they belong to; the application tells
the mapper the kind and subject of each resource it saves (:meth:`subjects`).
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.domain import Snapshot
from eventsourcing.persistence import Mapper, StoredEvent

from setu_planning.domain.aggregates import RESOURCE_CLASSES
from setu_planning.domain.messages import MessageKind
from setu_planning.domain.personal_data import (
    SEALED,
    WorkerRef,
    erased,
    seal_line,
    seal_message,
    subject,
    unseal,
)

from .worker_keys import WorkerKeyring

_RESOURCE_MODULE = "setu_planning.domain.aggregates:"
_KINDS = {cls.__name__: kind for kind, cls in RESOURCE_CLASSES.items()}
_BASE = "PlanningResource"


class SealingMapper(Mapper[UUID]):
    """A mapper that seals workers' personal data once it has a keyring (:attr:`keyring`)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.keyring: WorkerKeyring | None = None
        self._context = threading.local()

    @contextmanager
    def subjects(self, known: Mapping[UUID, tuple[MessageKind, WorkerRef | None]]) -> Iterator[None]:
        """While encoding, the kind of each resource (by id) and the worker it is about."""
        previous = getattr(self._context, "subjects", None)
        self._context.subjects = {**(previous or {}), **known}
        try:
            yield
        finally:
            self._context.subjects = previous

    # ---------------------------------------------------------------- encode
    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        if self.keyring is None:
            return super().to_stored_event(domain_event)
        state = self.sealed_state(domain_event)
        if state is None:
            return super().to_stored_event(domain_event)
        stand_in = object.__new__(type(domain_event))
        object.__setattr__(stand_in, "__dict__", state)
        return super().to_stored_event(stand_in)

    def sealed_state(self, domain_event: Any, *, only_if_open: bool = False) -> dict[str, Any] | None:
        """The event's state with its workers' data sealed, or None if it holds none.

        ``only_if_open``: None as well when nothing was left in the open to seal (rekeying).
        """
        if not only_if_open:
            return self._sealed(domain_event)
        found: list[bool] = []
        self._context.found = found
        try:
            sealed = self._sealed(domain_event)
        finally:
            self._context.found = None
        return sealed if found else None

    def _sealed(self, domain_event: Any) -> dict[str, Any] | None:
        state = vars(domain_event)
        if isinstance(domain_event, Snapshot):
            kind = _kind_of_topic(state.get("topic", ""))
            inner = state.get("state")
            if kind is None or not isinstance(inner, Mapping) or "message" not in inner:
                return None
            return {**state, "state": {**inner, "message": seal_message(kind, inner["message"], None, self._seal)}}
        owner = type(domain_event).__qualname__.split(".")[0]
        if owner not in _KINDS and owner != _BASE:
            return None
        if "message" not in state and "line" not in state:
            return None
        known = (getattr(self._context, "subjects", None) or {}).get(domain_event.originator_id)
        kind = _KINDS.get(owner) or (known[0] if known else None)
        if kind is None:
            raise ValueError(f"cannot tell whose personal data {owner} event of {domain_event.originator_id} holds")
        own = known[1] if known else None
        if "message" in state:
            return {**state, "message": seal_message(kind, state["message"], own, self._seal)}
        return {**state, "line": seal_line(kind, state["line"], own, self._seal)}

    def _seal(self, worker: WorkerRef, value: Any) -> dict[str, str]:
        assert self.keyring is not None
        found = getattr(self._context, "found", None)
        if found is not None:
            found.append(True)
        key_id, cipher = self.keyring.key_for(worker)
        plaintext = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
        kind = "s" if isinstance(value, str) else "o"
        return {SEALED: key_id, "t": kind, "v": base64.b64encode(cipher.encrypt(plaintext)).decode()}

    # ---------------------------------------------------------------- decode
    def to_sealed_event(self, stored_event: StoredEvent) -> Any:
        """The event as stored, its workers' data still sealed: for readers that need only the rest.

        Following the log for delivery needs the parties a message names, which
        are never personal data; opening every worker's part was a tenth of it.
        """
        return super().to_domain_event(stored_event)

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        domain_event = super().to_domain_event(stored_event)
        if self.keyring is None or not may_hold_sealed(stored_event.topic, domain_event):
            return domain_event
        state = vars(domain_event)
        opened = unseal(state, self.open_sealed)
        if opened is not state:
            object.__setattr__(domain_event, "__dict__", opened)
        return domain_event

    def open_sealed(self, sealed: Mapping[str, Any]) -> Any:
        """The value of one sealed part; the erased marker once its key was destroyed."""
        assert self.keyring is not None
        cipher = self.keyring.cipher_of(sealed[SEALED])
        if cipher is None:
            return erased("" if sealed.get("t") == "s" else {})
        return json.loads(cipher.decrypt(base64.b64decode(sealed["v"])))


def _kind_of_topic(topic: str) -> MessageKind | None:
    if not topic.startswith(_RESOURCE_MODULE):
        return None
    return _KINDS.get(topic[len(_RESOURCE_MODULE) :].split(".")[0])


def kind_of_event(domain_event: Any) -> MessageKind | None:
    """The kind of resource an event's class says it belongs to (None for the shared base class)."""
    return _KINDS.get(type(domain_event).__qualname__.split(".")[0])


def may_hold_sealed(topic: str, domain_event: Any) -> bool:
    if topic.startswith(_RESOURCE_MODULE):
        return True
    return isinstance(domain_event, Snapshot) and vars(domain_event).get("topic", "").startswith(_RESOURCE_MODULE)


def subject_of_resource(resource: Any) -> tuple[MessageKind, WorkerRef | None]:
    """The kind of a live resource and the worker it is about, for :meth:`SealingMapper.subjects`."""
    message = getattr(resource, "message", None)
    return resource.kind, None if message is None else subject(resource.kind, message)
