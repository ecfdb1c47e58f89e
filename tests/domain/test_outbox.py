"""The outbox: changes owed to one counterparty go out in order, and survive a snapshot."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from eventsourcing.application import Application

from setu_planning.domain.outbox import Change, NotTheHead, Outbox, Status

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def owed(changes: int) -> Outbox:
    outbox = Outbox(resource_id=uuid.uuid4(), kind="PlanningRequest", party="acme")
    outbox.queue(Change.CREATE, 1)
    for version in range(2, changes + 1):
        outbox.queue(Change.ADD_LINE, version, line_kind="single", line_id=f"S{version}")
    return outbox


def test_the_first_change_owed_is_the_creation():
    outbox = Outbox(resource_id=uuid.uuid4(), kind="PlanningRequest", party="acme")
    with pytest.raises(ValueError):
        outbox.queue(Change.REPLACE, 2)


def test_only_the_head_is_due_and_a_refusal_blocks_what_follows_until_retried_or_skipped():
    outbox = owed(3)
    assert outbox.due(NOW)["seq"] == 1
    with pytest.raises(NotTheHead):
        outbox.record_delivered(2, remote_id="R-1", status=201, at=NOW)
    outbox.record_delivered(1, remote_id="R-1", status=201, at=NOW)
    outbox.record_refused(2, status=400, error="no", at=NOW)
    assert outbox.due(NOW) is None and outbox.head["status"] == Status.FAILED
    outbox.retry(2, by="operator")
    assert outbox.due(NOW)["seq"] == 2
    outbox.skip(2, by="operator")
    assert outbox.due(NOW)["seq"] == 3 and outbox.remote_id == "R-1"


def test_a_failed_attempt_waits_until_its_retry_time():
    outbox = owed(1)
    outbox.record_attempt_failed(1, error="503", retry_at=NOW + timedelta(seconds=5), at=NOW)
    assert outbox.due(NOW) is None
    assert outbox.due(NOW + timedelta(seconds=5))["attempts"] == 1


def test_an_outbox_rebuilt_from_a_snapshot_keeps_its_order_and_remote_id():
    app = Application(env={"IS_SNAPSHOTTING_ENABLED": "y"})
    outbox = owed(60)
    outbox.record_delivered(1, remote_id="R-1", status=201, at=NOW)
    outbox.record_attempt_failed(2, error="timeout", retry_at=NOW, at=NOW)
    app.save(outbox)
    app.take_snapshot(outbox.id)
    restored: Outbox = app.repository.get(outbox.id)
    assert restored.remote_id == "R-1"
    assert [e["seq"] for e in restored.entries] == list(range(2, 61))
    assert restored.due(NOW)["due_at"] == NOW
    restored.record_delivered(2, remote_id=None, status=200, at=NOW)
    assert restored.head["seq"] == 3 and restored.remote_id == "R-1"


def test_each_entry_keeps_when_it_was_queued_and_last_attempted_from_its_events_and_a_replay_agrees():
    outbox = owed(2)
    outbox.record_attempt_failed(1, error="503", retry_at=NOW, at=NOW)
    outbox.record_delivered(1, remote_id="R-1", status=201, at=NOW, warning="lossy rendering as SETU 1.0 JSON: x")
    outbox.record_refused(2, status=400, error="no", at=NOW)
    events = outbox.collect_events()
    queued = [e.timestamp for e in events if type(e).__name__ == "ChangeQueued"]
    attempted = {type(e).__name__: e.timestamp for e in events[-3:]}
    delivered, refused = outbox.entry(1), outbox.entry(2)
    assert (delivered["queued_at"], refused["queued_at"]) == tuple(queued)
    assert delivered["last_attempt_at"] == attempted["Delivered"] >= queued[0]
    assert refused["last_attempt_at"] == attempted["Refused"]
    assert (delivered["warning"], refused["warning"]) == ("lossy rendering as SETU 1.0 JSON: x", None)

    replayed = None
    for stored in events:
        replayed = stored.mutate(replayed)
    assert replayed.entry(1) == delivered and replayed.entry(2) == refused
