"""Re-encrypting a store under the current key: the last step of a key rotation.

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


def rekey(planning: Any, delivery: Any, progress: Any = None) -> int:
    """Re-encrypt every stored value of ``planning``'s store (and its outbox); returns how many changed.

    ``progress`` is told the number of values read so far, as the work goes.
    """
    cipher = planning.mapper.cipher
    if not isinstance(cipher, RotatingAESCipher):
        raise ValueError("no cipher key is configured: set SETU_PLANNING_CIPHER_KEY")
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
    changed = 0
    transform = _under_current(cipher)
    if progress is not None:
        transform = _counting(transform, progress)
    for recorder, table, keys in tables:
        changed += _rekey_table(recorder.datastore, table, keys, column.get(table, "state"), transform)
    return changed


def _counting(transform: Any, progress: Any) -> Any:
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


def plain(cipher: Cipher, value: bytes) -> bytes:
    """Decrypted under any configured key, or as stored before encryption was switched on.

    Stored state is JSON and the index secret 32 bytes; anything else that no
    configured key decrypts was written under a key that is not configured, and
    is refused rather than encrypted twice.
    """
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
    if hasattr(datastore, "pool") and hasattr(datastore.pool, "db_name"):
        return _sqlite(datastore, table, keys, column, transform)
    return _postgres(datastore, table, keys, column, transform)


def _sqlite(datastore: Any, table: str, keys: tuple[str, ...], column: str, transform: Any) -> int:
    changed = 0
    for rows in _pages_sqlite(datastore, table, keys, column):
        updates = [(new, *key) for *key, value in rows if (new := transform(bytes(value))) is not None]
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


def _postgres(datastore: Any, table: str, keys: tuple[str, ...], column: str, transform: Any) -> int:
    from psycopg.sql import SQL, Identifier

    target = SQL("{}.{}").format(Identifier(datastore.schema), Identifier(table))
    names = SQL(", ").join(Identifier(k) for k in keys)
    marks = SQL(", ").join(SQL("%s") for _ in keys)
    changed = 0
    after: tuple[Any, ...] | None = None
    while True:
        with datastore.transaction(commit=True) as curs:
            if after is None:
                curs.execute(
                    SQL("SELECT {k}, {c} FROM {t} ORDER BY {k} LIMIT %s FOR UPDATE").format(
                        k=names, c=Identifier(column), t=target
                    ),
                    (BATCH,),
                )
            else:
                curs.execute(
                    SQL("SELECT {k}, {c} FROM {t} WHERE ({k}) > ({m}) ORDER BY {k} LIMIT %s FOR UPDATE").format(
                        k=names, c=Identifier(column), t=target, m=marks
                    ),
                    (*after, BATCH),
                )
            rows = [tuple(r.values()) for r in curs.fetchall()]
            if not rows:
                return changed
            updates = [(new, *key) for *key, value in rows if (new := transform(bytes(value))) is not None]
            if updates:
                where = SQL(" AND ").join(SQL("{} = %s").format(Identifier(k)) for k in keys)
                curs.executemany(
                    SQL("UPDATE {t} SET {c} = %s WHERE {w}").format(t=target, c=Identifier(column), w=where),
                    updates,
                )
                changed += len(updates)
        after = rows[-1][: len(keys)]
