"""The write path under concurrency: group commit stores everything once, and the log never has a gap a follower could skip."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from eventsourcing.persistence import IntegrityError
from samples import request, single_planning_line
from support import TestPlanningApplication

from setu_planning.domain.aggregates import PlanningRequest
from setu_planning.domain.messages import LineKind

WRITERS = 16
SAVES_PER_WRITER = 25


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def durable_app(request, tmp_path):
    """The application on each durable store (the in-memory one has no transactions to group)."""
    url = (
        f"sqlite:///{tmp_path / 'planning.sqlite3'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_cluster").new_database()
    )
    app = TestPlanningApplication(url)
    yield app
    app.close()


def document(n: int) -> dict:
    return request(documentId={"value": f"REQ-{n}", "schemeAgencyId": "Customer"})


def test_concurrent_saves_are_all_stored_once_with_contiguous_notification_ids(durable_app):
    app = durable_app

    def write(writer: int) -> list:
        return [app.requests.submit(document(writer * 1000 + n)).state.id for n in range(SAVES_PER_WRITER)]

    with ThreadPoolExecutor(WRITERS) as pool:
        ids = [i for batch in pool.map(write, range(WRITERS)) for i in batch]
    assert len(set(ids)) == WRITERS * SAVES_PER_WRITER
    notifications = app.recorder.select_notifications(start=1, limit=1_000_000)
    assert [n.id for n in notifications] == list(range(1, len(ids) + 1)), "gap-free, in order"
    assert sorted(n.originator_id for n in notifications) == sorted(ids)


def test_a_conflicting_save_in_a_group_fails_alone_and_its_command_is_retried(durable_app):
    """Writers racing on one resource: every line lands once, the others' saves are unaffected."""
    app = durable_app
    target = app.requests.submit(request()).state.id

    def add(n: int) -> None:
        app.requests.add_line(target, "single", single_planning_line(f"S{n}"))

    def other(n: int) -> None:
        app.requests.submit(document(50_000 + n))

    with ThreadPoolExecutor(WRITERS) as pool:
        futures = [pool.submit(add, n) for n in range(40)] + [pool.submit(other, n) for n in range(40)]
        for future in futures:
            future.result()
    state = app.requests.get(target)
    assert state.version == 41
    assert sorted(line["lineId"]["value"] for line in state.message["singlePlanningLine"]) == sorted(
        f"S{n}" for n in range(40)
    )
    assert [e.originator_version for e in app.events.get(target)] == list(range(1, 42))


def test_two_saves_of_the_same_version_in_one_group_one_wins_one_is_refused(durable_app):
    app = durable_app
    stored = app.repository.get(app.requests.submit(request()).state.id)
    copies = [app.repository.get(stored.id) for _ in range(2)]
    copies[0].add_line(LineKind.SINGLE, single_planning_line("A"))
    copies[1].add_line(LineKind.SINGLE, single_planning_line("B"))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def save(resource) -> None:
        barrier.wait()
        try:
            app.save(resource)
            outcomes.append("saved")
        except IntegrityError:
            outcomes.append("refused")

    threads = [threading.Thread(target=save, args=(c,)) for c in copies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "saved"]
    assert app.requests.get(stored.id).version == 2


def test_a_follower_tailing_the_log_during_writes_never_skips_a_notification(durable_app):
    """Read while writing: each read continues exactly where the last ended (no id appears late)."""
    app = durable_app
    done = threading.Event()
    seen: list[int] = []
    problems: list[str] = []

    def follow() -> None:
        last = 0
        while True:
            finished = done.is_set()
            batch = app.recorder.select_notifications(start=last + 1, limit=500)
            for notification in batch:
                if notification.id != last + 1:
                    problems.append(f"read {notification.id} after {last}")
                last = notification.id
                seen.append(notification.id)
            if finished and not batch:
                return

    follower = threading.Thread(target=follow)
    follower.start()

    def write(writer: int) -> None:
        for n in range(SAVES_PER_WRITER):
            resource = PlanningRequest.submit(document(writer * 1000 + n))
            app.save(resource)

    with ThreadPoolExecutor(WRITERS) as pool:
        list(pool.map(write, range(WRITERS)))
    done.set()
    follower.join(60)
    assert problems == []
    assert seen == list(range(1, WRITERS * SAVES_PER_WRITER + 1))
