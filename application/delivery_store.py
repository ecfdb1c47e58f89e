"""Kept so that older imports keep working: the outbox recorders now live in :mod:`.stores`.

``PostgresDeliveryRecorder`` is imported from :mod:`.stores.postgres_delivery`
only when asked for, so this module needs no psycopg.
"""

from __future__ import annotations

from typing import Any

from .stores.contract import DeliveryRecorder, DeliveryRow
from .stores.memory import POPODeliveryRecorder
from .stores.sqlite_delivery import SQLiteDeliveryRecorder

__all__ = [
    "DeliveryRecorder",
    "DeliveryRow",
    "POPODeliveryRecorder",
    "SQLiteDeliveryRecorder",
]


def __getattr__(name: str) -> Any:
    if name == "PostgresDeliveryRecorder":
        from .stores.postgres_delivery import PostgresDeliveryRecorder

        return PostgresDeliveryRecorder
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
