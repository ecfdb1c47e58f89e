"""Kept so that older imports and recorder topics keep working: the recorders now live in :mod:`.stores`.

``PostgresPlanningRecorder`` and ``schema_lock`` are imported from
:mod:`.stores.postgres` only when asked for, so this module needs no psycopg.
"""

from __future__ import annotations

from typing import Any

from .stores.contract import PlanningRecorder, utc
from .stores.lockfiles import WriterLockFile
from .stores.memory import POPOPlanningRecorder
from .stores.sqlite import SQLitePlanningRecorder

__all__ = [
    "POPOPlanningRecorder",
    "PlanningRecorder",
    "SQLitePlanningRecorder",
    "WriterLockFile",
    "utc",
]


def __getattr__(name: str) -> Any:
    if name == "PostgresPlanningRecorder":
        from .stores.postgres import PostgresPlanningRecorder

        return PostgresPlanningRecorder
    if name == "schema_lock":
        from .stores.postgres_locks import schema_lock

        return schema_lock
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
