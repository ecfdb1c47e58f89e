"""Bringing a store written before per-worker keys under them (part of ``setu-planning rekey``).

Every stored event, snapshot and current-state row that still holds a
worker's personal data in the open is rewritten with that data sealed under
the worker's own key (:mod:`.sealing`). Events are read in (resource,
version) order, so a line event learns whose constraints it belongs to from
the events before it. Rows already sealed are left alone: it can be run again.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent

from setu_planning.domain.messages import MessageKind
from setu_planning.domain.personal_data import WorkerRef, subject, unseal

from .encryption import plain
from .sealing import SealingMapper, kind_of_event, may_hold_sealed
from .stores.contract import EVENT_KEYS, EncryptedColumn

Subjects = dict[UUID, tuple[MessageKind, WorkerRef | None]]


def reseal(planning: Any) -> int:
    """Seal every worker's data still stored in the open under that worker's key; returns rows rewritten."""
    if planning.store.backend == "memory":
        return 0  # an in-memory store is never written before this code
    mapper: SealingMapper = planning.mapper
    events = planning.recorder.events_table_name
    subjects: Subjects = {}
    changed: int = planning.store.rewrite_rows(
        EncryptedColumn(events, EVENT_KEYS, also=("topic",)),
        lambda key, value, also: _resealed(mapper, subjects, key, value, also[0]),
    )
    changed += planning.store.rewrite_rows(
        EncryptedColumn(f"{events}_current", ("id",), also=("topic",)),
        lambda key, value, also: _resealed(mapper, {}, (key[0], 0), value, also[0]),
    )
    if planning.snapshots is not None:
        table = planning.snapshots.recorder.events_table_name
        changed += planning.store.rewrite_rows(
            EncryptedColumn(table, EVENT_KEYS, also=("topic",)),
            lambda key, value, also: _resealed(mapper, {}, key, value, also[0]),
        )
    return changed


def _resealed(
    mapper: SealingMapper, subjects: Subjects, key: tuple[Any, ...], value: bytes, topic: str
) -> bytes | None:
    originator = key[0] if isinstance(key[0], UUID) else UUID(str(key[0]))
    opened = value if mapper.cipher is None else plain(mapper.cipher, value)
    stored = StoredEvent(originator, int(key[1]), topic, opened)
    raw: Any = Mapper[UUID](transcoder=mapper.transcoder).to_domain_event(stored)  # as stored: sealed parts stay sealed
    if not may_hold_sealed(topic, raw):
        return None
    state = vars(raw)
    kind = kind_of_event(raw) or subjects.get(originator, (None, None))[0]
    if kind is not None and isinstance(state.get("message"), dict):
        message = unseal(state["message"], mapper.open_sealed)
        subjects[originator] = (kind, subject(kind, message) or subjects.get(originator, (None, None))[1])
    with mapper.subjects({originator: subjects[originator]} if originator in subjects else {}):
        sealed = mapper.sealed_state(raw, only_if_open=True)
        if sealed is None:
            return None
        stand_in = object.__new__(type(raw))
        object.__setattr__(stand_in, "__dict__", sealed)
        return Mapper.to_stored_event(mapper, stand_in).state
