"""State as of a moment reads a bounded number of stored events, however long the history."""

from __future__ import annotations

from samples import request

from setu_planning.domain.aggregates import PlanningRequest

EVENTS = 10_000


def build_long_history(app, events: int):
    """A request with ``events`` events: one submission, then line renames, saved at once."""
    resource = PlanningRequest.submit(request())
    line = request()["periodicPlanningLine"][0]
    for n in range(events - 1):
        resource.replace_line("P1", {**line, "planningLineName": f"rename {n}"})
    pending = list(resource.pending_events)
    app.save(resource)
    return resource.id, pending


class CountingReads:
    """Wraps a recorder's select_events to count the stored events it returns."""

    def __init__(self, recorder):
        self.recorder = recorder
        self.original = recorder.select_events
        self.count = 0

    def __enter__(self):
        def counting(*args, **kwargs):
            rows = self.original(*args, **kwargs)
            self.count += len(rows)
            return rows

        self.recorder.select_events = counting
        return self

    def __exit__(self, *exc):
        self.recorder.select_events = self.original


def test_as_of_on_ten_thousand_events_reads_at_most_one_snapshot_interval(app):
    resource_id, events = build_long_history(app, EVENTS)
    moment = events[7_654].timestamp
    # Events made in a tight loop may share a microsecond: the last of them wins.
    target = max((e for e in events if e.timestamp <= moment), key=lambda e: e.originator_version)
    with CountingReads(app.recorder) as event_reads, CountingReads(app.snapshots.recorder) as snapshot_reads:
        state = app.requests.as_of(resource_id, moment)
    assert state.version == target.originator_version
    assert state.message["periodicPlanningLine"][0]["planningLineName"] == f"rename {target.originator_version - 2}"
    assert snapshot_reads.count == 1
    assert event_reads.count < 100  # a snapshot every 100 events
    assert event_reads.count + snapshot_reads.count < EVENTS / 50


def test_snapshots_taken_as_commands_cross_the_interval_hold_the_state_replay_gives(app):
    """Resources are snapshotted from memory after a save; each snapshot must equal a replay."""
    from setu_planning.application.app import SNAPSHOT_INTERVAL

    resource_id = app.requests.submit(request()).state.id
    line = request()["periodicPlanningLine"][0]
    for n in range(2 * SNAPSHOT_INTERVAL + 3):
        app.requests.replace_line(resource_id, "P1", {**line, "planningLineName": f"rename {n}"})
    snapshots = list(app.snapshots.get(resource_id))
    assert [s.originator_version for s in snapshots] == [SNAPSHOT_INTERVAL, 2 * SNAPSHOT_INTERVAL]
    events = list(app.events.get(resource_id))
    for snapshot in snapshots:
        replayed = None
        for event in events[: snapshot.originator_version]:
            replayed = event.mutate(replayed)
        assert snapshot.mutate(None).message == replayed.message
    for version in range(1, len(events) + 1):
        expected = f"rename {version - 2}" if version > 1 else line["planningLineName"]
        assert app.requests.at_version(resource_id, version).line("P1")["planningLineName"] == expected
