"""Re-encrypting a store under the current key: the last step of a key rotation.

With a new ``SETU_PLANNING_CIPHER_KEY`` and the previous ones in
``SETU_PLANNING_CIPHER_OLD_KEYS``, everything keeps working: new writes use
the new key, old rows still decrypt. :func:`rekey` then rewrites every
encrypted value (events, snapshots, current-state rows, the index secret,
the outbox) under the new key, so the old keys can be dropped. It also turns
on encryption for a store written without it, and brings workers' data
written before per-worker keys under them (:mod:`.reseal`). Values already under the
current key are left alone, so it can be interrupted and run again.

Which columns hold encrypted values is each recorder's to say
(``encrypted_columns()``); how a column is rewritten, its store's
(:meth:`~.stores.contract.PlanningStore.rewrite`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol
from uuid import UUID

from eventsourcing.persistence import EventStore, Mapper

from .encryption import RotatingAESCipher, plain
from .reseal import reseal
from .stores.contract import EncryptedColumn, PlanningStore

__all__ = ["Encrypted", "plain", "rekey"]


class _Recorder(Protocol):
    def encrypted_columns(self) -> list[EncryptedColumn]: ...


class Encrypted(Protocol):
    """What rekeying needs of an application (planning or delivery): its cipher, recorders and store."""

    @property
    def mapper(self) -> Mapper[UUID]: ...

    @property
    def recorder(self) -> _Recorder: ...

    @property
    def snapshots(self) -> EventStore[UUID] | None: ...

    @property
    def store(self) -> PlanningStore: ...


def rekey(planning: Encrypted, delivery: Encrypted, progress: Callable[[int], None] | None = None) -> int:
    """Re-encrypt every stored value of ``planning``'s store (and its outbox); returns how many changed.

    First brings workers' data still in the open under their own keys (:mod:`.reseal`);
    without a store key, that is all it does. ``progress`` is told the number of values
    read so far, as the work goes.
    """
    cipher = planning.mapper.cipher
    if cipher is not None and not isinstance(cipher, RotatingAESCipher):
        raise ValueError("the configured cipher cannot rotate keys")
    changed = reseal(planning)
    if cipher is None:
        return changed
    transform = _under_current(cipher)
    if progress is not None:
        transform = _counting(transform, progress)
    for app in (planning, delivery):
        columns = list(app.recorder.encrypted_columns())
        if app.snapshots is not None:
            columns.append(EncryptedColumn.of_events(app.snapshots.recorder.events_table_name))  # type: ignore[attr-defined]
        for column in columns:
            changed += app.store.rewrite(column, transform)
    return changed


def _counting(
    transform: Callable[[bytes], bytes | None], progress: Callable[[int], None]
) -> Callable[[bytes], bytes | None]:
    read = [0]

    def counted(value: bytes) -> bytes | None:
        read[0] += 1
        if read[0] % 1000 == 0:
            progress(read[0])
        return transform(value)

    return counted


def _under_current(cipher: RotatingAESCipher) -> Callable[[bytes], bytes | None]:
    def transform(value: bytes) -> bytes | None:
        if cipher.is_current(value):
            return None
        return cipher.encrypt(plain(cipher, value))

    return transform
