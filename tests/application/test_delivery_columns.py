"""A deliveries table made before the time and warning columns existed gains them when the store opens.

The old table (and a row written by the old version) is made by hand on a
real SQLite file and a real PostgreSQL database; opening the outbox adds the
columns, the old row still reads (without times), and rows written from then
on carry when they were queued.
"""

from __future__ import annotations

import sqlite3
import uuid

import pytest
from samples import request

from setu_planning.application import Caller, PlanningApplication
from setu_planning.application.delivery import DeliveryApplication
from setu_planning.domain.parties import Party, PartyIdentifier

OTTO = Party("otto", frozenset({PartyIdentifier("OTTO", "Customer")}))
TABLE = "setudelivery_deliveries"
OLD_COLUMNS = (
    "id {text} PRIMARY KEY, outbox_id {text} NOT NULL, resource_id {text} NOT NULL, kind text NOT NULL, "
    "party text NOT NULL, seq integer NOT NULL, version integer NOT NULL, change text NOT NULL, line_id text, "
    "status text NOT NULL, attempts integer NOT NULL, remote_id text, last_error text, due_at {real}, "
    "updated_at {real}, head {flag} NOT NULL"
)
OLD_ROW_ID = uuid.uuid4()


def _old_values(backend: str) -> tuple:
    ids = (OLD_ROW_ID, uuid.uuid4(), uuid.uuid4())
    shown = tuple(i.hex for i in ids) if backend == "sqlite" else ids
    head = 1 if backend == "sqlite" else True
    return (*shown, "PlanningRequest", "otto", 1, 1, "create", None, "failed", 1, None, "400 no", None, 1.0e9, head)


def _make_old_sqlite_table(url: str) -> None:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
        connection.execute(f"CREATE TABLE {TABLE} ({OLD_COLUMNS.format(text='TEXT', real='REAL', flag='INTEGER')})")
        connection.execute(f"INSERT INTO {TABLE} VALUES ({', '.join('?' * 16)})", _old_values("sqlite"))


def _make_old_postgres_table(url: str) -> None:
    import psycopg

    with psycopg.connect(url) as connection:
        columns = OLD_COLUMNS.format(text="uuid", real="double precision", flag="boolean")
        connection.execute(f"CREATE TABLE {TABLE} ({columns})")
        connection.execute(f"INSERT INTO {TABLE} VALUES ({', '.join(['%s'] * 16)})", _old_values("postgres"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def old_store(request, tmp_path) -> str:
    """A store whose deliveries table has the old columns only, with one old row."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
        _make_old_sqlite_table(url)
    else:
        url = request.getfixturevalue("postgres_cluster").new_database()
        _make_old_postgres_table(url)
    return url


def test_an_old_deliveries_table_gains_the_time_and_warning_columns_and_its_rows_still_read(old_store):
    planning = PlanningApplication(old_store)
    delivery = DeliveryApplication(planning, [OTTO])
    try:
        old = delivery.delivery(OLD_ROW_ID)
        assert (old.status, old.last_error, old.queued_at, old.last_attempt_at, old.warning) == (
            "failed", "400 no", None, None, None,
        )  # fmt: skip
        assert old.as_json()["queued"] is None and old.as_json()["lastAttempt"] is None

        made = planning.requests.submit(request(), by=Caller.local("clerk")).state.id
        while delivery.follow():
            pass
        [new] = delivery.deliveries(resource_id=made)
        assert new.status == "pending" and new.queued_at is not None and new.as_json()["queued"].endswith("Z")
    finally:
        delivery.close()
        planning.close()

    # Opening again finds the columns there: nothing is added twice.
    planning = PlanningApplication(old_store)
    delivery = DeliveryApplication(planning, [OTTO])
    try:
        assert delivery.deliveries(resource_id=made)[0].queued_at == new.queued_at
    finally:
        delivery.close()
        planning.close()
