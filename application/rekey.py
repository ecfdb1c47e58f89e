"""Re-encrypting a store under the current key: the last step of a key rotation.

It also brings a store written before workers had keys of their own under
per-worker keys (see :mod:`.sealing`): every event, snapshot and current row
holding a worker's data in the open is written again with it sealed. That
part needs no store key.

With a new ``SETU_PLANNING_CIPHER_KEY`` and the previous ones in
``SETU_PLANNING_CIPHER_OLD_KEYS``, everything keeps working: new writes use
the new key, old rows still decrypt. :func:`rekey` then rewrites every
encrypted value (events, snapshots, current-state rows, the index secret,
the outbox) under the new key, so the old keys can be dropped. It also turns
on encryption for a store written without it. Values already under the
current key are left alone, so it can be interrupted and run again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from eventsourcing.persistence import Cipher

from .encryption import RotatingAESCipher

BATCH = 500


def rekey(planning: Any, delivery: Any) -> int:
    """Re-encrypt every stored value of ``planning``'s store (and its outbox); returns how many changed.

    Without a store key, only brings the workers' data under their own keys.
    """
    cipher = planning.mapper.cipher
    if cipher is not None and not isinstance(cipher, RotatingAESCipher):
        raise ValueError("the configured cipher cannot rotate keys")
    changed = reseal(planning)
    if cipher is None:
        return changed
    tables = [
        (planning.recorder, planning.recorder.events_table_name, ("originator_id", "originator_version")),
        (planning.recorder, f"{planning.recorder.events_table_name}_current", ("id",)),
        (planning.recorder, f"{planning.recorder.events_table_name}_meta", ("name",)),
        (delivery.recorder, delivery.recorder.events_table_name, ("originator_id", "originator_version")),
    ]
    for app in (planning, delivery):
        if app.snapshots is not None:
            recorder = app.snapshots.recorder
            tables.append((recorder, recorder.events_table_name, ("originator_id", "originator_version")))
    column = {f"{planning.recorder.events_table_name}_meta": "value"}
    worker_keys = getattr(planning.mapper.keyring.table, "table", None)
    if worker_keys is not None:
        tables.append((planning.recorder, worker_keys, ("key_id",)))
        column[worker_keys] = "wrapped"
    for recorder, table, keys in tables:
        changed += _rekey_table(recorder.datastore, table, keys, column.get(table, "state"), _under_current(cipher))
    return changed


def _under_current(cipher: RotatingAESCipher) -> Callable[[bytes], bytes | None]:
    def transform(value: bytes) -> bytes | None:
        if cipher.is_current(value):
            return None
        return cipher.encrypt(plain(cipher, value))

    return transform


def plain(cipher: Cipher | None, value: bytes) -> bytes:
    """Decrypted under any configured key, or as stored before encryption was switched on.

    Stored state is JSON and the index secret 32 bytes; anything else that no
    configured key decrypts was written under a key that is not configured, and
    is refused rather than encrypted twice.
    """
    if cipher is None:
        return value
    try:
        return cipher.decrypt(value)
    except ValueError:
        if value[:1] == b"{" or len(value) == 32:
            return value
        raise ValueError(
            "a stored value decrypts under none of the configured keys: add the key it was written "
            "under to SETU_PLANNING_CIPHER_OLD_KEYS"
        ) from None


def _rekey_table(
    datastore: Any, table: str, keys: tuple[str, ...], column: str, transform: Callable[[bytes], bytes | None]
) -> int:
    return _rewrite_table(datastore, table, keys, column, lambda value, key, topic: transform(value))


def _rewrite_table(
    datastore: Any, table: str, keys: tuple[str, ...], column: str, transform: Any, *, topic: bool = False
) -> int:
    """Rewrite ``column`` of every row ``transform(value, key, topic)`` changes, in key order."""
    if hasattr(datastore, "pool") and hasattr(datastore.pool, "db_name"):
        return _sqlite(datastore, table, keys, column, transform, topic)
    return _postgres(datastore, table, keys, column, transform, topic)


def _updates(rows: list[Any], width: int, transform: Any, topic: bool) -> list[tuple[Any, ...]]:
    updates = []
    for row in rows:
        key, value = tuple(row[:width]), bytes(row[width])
        new = transform(value, key, row[width + 1] if topic else None)
        if new is not None:
            updates.append((new, *key))
    return updates


def _sqlite(datastore: Any, table: str, keys: tuple[str, ...], column: str, transform: Any, topic: bool) -> int:
    changed = 0
    selected = f"{column}, topic" if topic else column
    for rows in _pages_sqlite(datastore, table, keys, selected):
        updates = _updates(rows, len(keys), transform, topic)
        if updates:
            with datastore.transaction(commit=True) as c:
                where = " AND ".join(f"{k} = ?" for k in keys)
                c.executemany(f"UPDATE {table} SET {column} = ? WHERE {where}", updates)
            changed += len(updates)
    return changed


def _pages_sqlite(datastore: Any, table: str, keys: tuple[str, ...], column: str) -> Iterator[list[Any]]:
    after: tuple[Any, ...] | None = None
    order = ", ".join(keys)
    while True:
        with datastore.transaction(commit=False) as c:
            if after is None:
                c.execute(f"SELECT {order}, {column} FROM {table} ORDER BY {order} LIMIT ?", (BATCH,))
            else:
                marks = ", ".join("?" * len(keys))
                c.execute(
                    f"SELECT {order}, {column} FROM {table} WHERE ({order}) > ({marks}) ORDER BY {order} LIMIT ?",
                    (*after, BATCH),
                )
            rows = [tuple(r) for r in c.fetchall()]
        if not rows:
            return
        yield rows
        after = rows[-1][: len(keys)]


def _postgres(datastore: Any, table: str, keys: tuple[str, ...], column: str, transform: Any, topic: bool) -> int:
    from psycopg.sql import SQL, Identifier

    target = SQL("{}.{}").format(Identifier(datastore.schema), Identifier(table))
    names = SQL(", ").join(Identifier(k) for k in keys)
    marks = SQL(", ").join(SQL("%s") for _ in keys)
    selected = SQL(", ").join(Identifier(c) for c in ([column, "topic"] if topic else [column]))
    changed = 0
    after: tuple[Any, ...] | None = None
    while True:
        with datastore.transaction(commit=True) as curs:
            if after is None:
                curs.execute(
                    SQL("SELECT {k}, {c} FROM {t} ORDER BY {k} LIMIT %s FOR UPDATE").format(
                        k=names, c=selected, t=target
                    ),
                    (BATCH,),
                )
            else:
                curs.execute(
                    SQL("SELECT {k}, {c} FROM {t} WHERE ({k}) > ({m}) ORDER BY {k} LIMIT %s FOR UPDATE").format(
                        k=names, c=selected, t=target, m=marks
                    ),
                    (*after, BATCH),
                )
            rows = [tuple(r.values()) for r in curs.fetchall()]
            if not rows:
                return changed
            updates = _updates(rows, len(keys), transform, topic)
            if updates:
                where = SQL(" AND ").join(SQL("{} = %s").format(Identifier(k)) for k in keys)
                curs.executemany(
                    SQL("UPDATE {t} SET {c} = %s WHERE {w}").format(t=target, c=Identifier(column), w=where),
                    updates,
                )
                changed += len(updates)
        after = rows[-1][: len(keys)]


# ------------------------------------------------------------------ reseal
def reseal(planning: Any) -> int:
    """Seal every worker's data still stored in the open under that worker's key; returns rows rewritten.

    Events are read in (resource, version) order, so a line event learns whose
    constraints it belongs to from the events before it.
    """
    mapper = planning.mapper
    recorder = planning.recorder
    changed = 0
    datastore = getattr(recorder, "datastore", None)
    if datastore is None:
        return 0  # an in-memory store is never written before this code
    subjects: dict[Any, Any] = {}
    events = recorder.events_table_name
    changed += _rewrite_table(
        datastore, events, ("originator_id", "originator_version"), "state",
        lambda value, key, topic: _resealed(mapper, planning, subjects, value, key, topic), topic=True,
    )  # fmt: skip
    changed += _rewrite_table(
        datastore, f"{events}_current", ("id",), "state",
        lambda value, key, topic: _resealed(mapper, planning, {}, value, (key[0], 0), topic), topic=True,
    )  # fmt: skip
    if planning.snapshots is not None:
        snapshots = planning.snapshots.recorder
        changed += _rewrite_table(
            snapshots.datastore, snapshots.events_table_name, ("originator_id", "originator_version"), "state",
            lambda value, key, topic: _resealed(mapper, planning, {}, value, key, topic), topic=True,
        )  # fmt: skip
    return changed


def _resealed(mapper: Any, planning: Any, subjects: dict[Any, Any], value: bytes, key: tuple[Any, ...], topic: str) -> bytes | None:
    from uuid import UUID

    from eventsourcing.persistence import Mapper, StoredEvent

    from setu_planning.domain.personal_data import subject, unseal

    from .sealing import _KINDS, _may_hold_sealed

    originator = key[0] if isinstance(key[0], UUID) else UUID(str(key[0]))
    stored = StoredEvent(originator, int(key[1]), topic, plain(mapper.cipher, value))
    raw = Mapper(transcoder=mapper.transcoder).to_domain_event(stored)  # as stored: sealed parts stay sealed
    if not _may_hold_sealed(topic, raw):
        return None
    state = vars(raw)
    kind = _KINDS.get(type(raw).__qualname__.split(".")[0]) or subjects.get(originator, (None, None))[0]
    if kind is not None and isinstance(state.get("message"), dict):
        opened = unseal(state["message"], mapper._open)
        known = subject(kind, opened) or subjects.get(originator, (None, None))[1]
        subjects[originator] = (kind, known)
    found: list[bool] = []
    real_seal = mapper._seal
    with mapper.subjects({originator: subjects[originator]} if originator in subjects else {}):
        mapper._seal = lambda worker, part: found.append(True) or real_seal(worker, part)
        try:
            sealed = mapper._sealed(raw)
        finally:
            del mapper._seal
        if not found or sealed is None:
            return None
        stand_in = object.__new__(type(raw))
        object.__setattr__(stand_in, "__dict__", sealed)
        return Mapper.to_stored_event(mapper, stand_in).state
