"""Application recorders that also index event timestamps.

"State as of a moment" needs the version a resource had at that moment. The
stored events keep their timestamps inside the serialised state, where no
query can reach them, so each recorder also writes ``(originator_id,
originator_version, timestamp)`` rows in the same transaction as the events
(the pattern of eventsourcing's ``searchabletimestamps`` example). Finding the
version is then one indexed look-up, and the repository rebuilds that version
from the nearest snapshot: the cost stays flat however long the history grows.

The rows arrive as the ``event_timestamps`` keyword of ``insert_events()``,
which :class:`~setu_planning.application.app.PlanningApplication` fills in.
"""

from __future__ import annotations

import bisect
from abc import abstractmethod
from collections.abc import Sequence
from datetime import UTC, datetime
from threading import Lock
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, StoredEvent
from eventsourcing.popo import POPOApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

EventTimestamp = tuple[UUID, int, datetime]
"""(originator id, originator version, event timestamp)"""


class TimestampsRecorder(ApplicationRecorder):
    """An application recorder that can say which version existed at a moment."""

    @abstractmethod
    def version_at(self, originator_id: UUID, moment: datetime) -> int:
        """The highest version recorded at or before ``moment`` (0 when none)."""


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("a moment must carry its UTC offset")
    return moment.astimezone(UTC)


class POPOTimestampsRecorder(POPOApplicationRecorder, TimestampsRecorder):
    """In-memory variant, for unit tests: a sorted list of timestamps per resource."""

    def __init__(self) -> None:
        super().__init__()
        self._timestamps: dict[UUID, list[tuple[datetime, int]]] = {}
        self._timestamps_lock = Lock()

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super().insert_events(stored_events, **kwargs)
        with self._timestamps_lock:
            for originator_id, version, moment in kwargs.get("event_timestamps", ()):
                rows = self._timestamps.setdefault(originator_id, [])
                bisect.insort(rows, (_utc(moment), version))
        return ids

    def version_at(self, originator_id: UUID, moment: datetime) -> int:
        with self._timestamps_lock:
            rows = self._timestamps.get(originator_id, [])
            position = bisect.bisect_right(rows, (_utc(moment), float("inf")))
            return max((version for _, version in rows[:position]), default=0)


class SQLiteTimestampsRecorder(SQLiteApplicationRecorder, TimestampsRecorder):
    """SQLite variant: timestamps kept as fixed-width UTC text, which sorts as time does."""

    TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

    def __init__(self, datastore: Any, events_table_name: str = "stored_events"):
        self.timestamps_table_name = f"{events_table_name}_timestamps"
        super().__init__(datastore, events_table_name)

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {self.timestamps_table_name} ("
            "originator_id TEXT NOT NULL, "
            "originator_version INTEGER NOT NULL, "
            "timestamp TEXT NOT NULL, "
            "PRIMARY KEY (originator_id, originator_version))",
            f"CREATE INDEX IF NOT EXISTS {self.timestamps_table_name}_by_time "
            f"ON {self.timestamps_table_name} (originator_id, timestamp)",
        ]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        rows = [
            (originator_id.hex, version, self._text(moment))
            for originator_id, version, moment in kwargs.get("event_timestamps", ())
        ]
        if rows:
            c.executemany(f"INSERT INTO {self.timestamps_table_name} VALUES (?, ?, ?)", rows)
        return ids

    def version_at(self, originator_id: UUID, moment: datetime) -> int:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT MAX(originator_version) AS version FROM {self.timestamps_table_name} "
                "WHERE originator_id = ? AND timestamp <= ?",
                (originator_id.hex, self._text(moment)),
            )
            row = c.fetchone()
        return row["version"] or 0

    @classmethod
    def _text(cls, moment: datetime) -> str:
        return _utc(moment).strftime(cls.TIMESTAMP_FORMAT)


try:  # PostgreSQL support is an optional extra (psycopg).
    from eventsourcing.postgres import PostgresApplicationRecorder
    from psycopg.sql import SQL, Identifier
except ImportError:  # pragma: no cover - exercised only without the extra
    PostgresApplicationRecorder = None  # type: ignore[assignment,misc]

if PostgresApplicationRecorder is not None:

    class PostgresTimestampsRecorder(PostgresApplicationRecorder, TimestampsRecorder):
        """PostgreSQL variant: a ``timestamptz`` column with an index per resource."""

        def __init__(self, datastore: Any, *, events_table_name: str = "stored_events"):
            super().__init__(datastore, events_table_name=events_table_name)
            table = Identifier(f"{events_table_name}_timestamps")
            schema = Identifier(self.datastore.schema)
            self.sql_create_statements.append(
                SQL(
                    "CREATE TABLE IF NOT EXISTS {schema}.{table} ("
                    "originator_id uuid NOT NULL, "
                    "originator_version bigint NOT NULL, "
                    "timestamp timestamptz NOT NULL, "
                    "PRIMARY KEY (originator_id, originator_version))"
                ).format(schema=schema, table=table)
            )
            self.sql_create_statements.append(
                SQL(
                    "CREATE INDEX IF NOT EXISTS {index} ON {schema}.{table} "
                    "(originator_id, timestamp)"
                ).format(
                    index=Identifier(f"{events_table_name}_timestamps_by_time"),
                    schema=schema,
                    table=table,
                )
            )
            self.insert_timestamps_statement = SQL(
                "INSERT INTO {schema}.{table} VALUES (%s, %s, %s)"
            ).format(schema=schema, table=table)
            self.select_version_statement = SQL(
                "SELECT MAX(originator_version) AS version FROM {schema}.{table} "
                "WHERE originator_id = %s AND timestamp <= %s"
            ).format(schema=schema, table=table)

        def _insert_events(self, curs: Any, stored_events: Any, **kwargs: Any) -> None:
            # Runs inside the transaction that inserts the events themselves.
            super()._insert_events(curs, stored_events, **kwargs)
            rows = [
                (originator_id, version, _utc(moment))
                for originator_id, version, moment in kwargs.get("event_timestamps", ())
            ]
            if rows:
                curs.executemany(self.insert_timestamps_statement, rows)

        def version_at(self, originator_id: UUID, moment: datetime) -> int:
            with self.datastore.get_connection() as conn, conn.cursor() as curs:
                curs.execute(self.select_version_statement, (originator_id, _utc(moment)))
                row = curs.fetchone()
            return (row["version"] if row else None) or 0
