"""A new worker's data key is created in the transaction of the save that needs it.

So one commit per POST, and a race between two writers over the same new
worker has one winner: the loser's save conflicts, writes nothing under its
own key, and its command is run again under the winner's key.
"""

from __future__ import annotations

import pytest
from samples import constraints

from setu_planning.application import PlanningApplication
from setu_planning.application.erasure import is_erased

WORKER = "W-RACE-1"


def availability(document: str) -> dict:
    return constraints(
        worker={"workerId": [{"value": WORKER, "schemeAgencyId": "Supplier"}]},
        documentId={"value": document, "schemeAgencyId": "Supplier"},
    )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    return request.getfixturevalue("postgres_cluster").new_database()


def test_a_new_workers_key_commits_with_the_save_that_needs_it(url):
    app = PlanningApplication(url)
    try:
        before = app.recorder.max_notification_id() or 0
        saved = app.constraints.submit(availability("CON-1")).state
        assert app.recorder.max_notification_id() == before + 1
        keys = app.mapper.keyring.table.of_worker(app.mapper.keyring.worker_digest(WORKER), None)
        assert len(keys) == 1
        other = PlanningApplication(url)  # another process, reading the key from the table
        try:
            assert other.constraints.get(saved.id).message == availability("CON-1")
        finally:
            other.close()
    finally:
        app.close()


def test_the_loser_of_a_race_for_a_new_workers_key_is_run_again_under_the_winners_key(url):
    loser, winner = PlanningApplication(url), PlanningApplication(url)
    table = loser.mapper.keyring.table
    read = table.by_subject
    raced: list = []
    reads: list[str] = []

    def stale_read(subject: str):
        """The loser reads "no key yet"; the winner's save commits before the loser's does."""
        reads.append(subject)
        if not raced:
            raced.append(winner.constraints.submit(availability("CON-WINNER")).state.id)
            return None
        return read(subject)

    table.by_subject = stale_read  # type: ignore[method-assign]
    try:
        lost = loser.constraints.submit(availability("CON-LOSER")).state
        assert len(reads) == 2, "the loser's save conflicted on the worker's key and its command ran again"
        digest = loser.mapper.keyring.worker_digest(WORKER)
        assert len(read.__self__.of_worker(digest, None)) == 1, "one key for the worker: the winner's"
        assert [s.message["documentId"]["value"] for s in winner.constraints.of_worker(WORKER)] == [
            "CON-WINNER",
            "CON-LOSER",
        ]
        assert winner.constraints.get(lost.id).message == availability("CON-LOSER")

        winner.erase_worker(WORKER, actor="dpo")  # destroying the one key erases both saves
        fresh = PlanningApplication(url)
        try:
            for resource_id in (lost.id, raced[0]):
                assert is_erased(fresh.constraints.at_version(resource_id, 1).message["worker"])
        finally:
            fresh.close()
    finally:
        loser.close()
        winner.close()
