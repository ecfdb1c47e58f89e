"""Outcomes of concurrent sends are stored together, and a background sender does not wait for the commit.

The outbox store here is a stand-in whose save can be held: that is how a
commit under way is made to last long enough to be seen.
"""

from __future__ import annotations

import threading
import uuid

from setu_planning.application.delivery_outcomes import OutcomeBook
from setu_planning.application.delivery_share import SendingShare
from setu_planning.application.delivery_transport import Backoff, Outcome
from setu_planning.domain.outbox import Change, Outbox, Status


class HeldSaves:
    """Saves outboxes when let through; remembers which thread saved which outboxes."""

    def __init__(self) -> None:
        self.entered, self.gate = threading.Event(), threading.Event()
        self.saves: list[tuple[int, list[uuid.UUID]]] = []

    def get(self, outbox_id):
        raise AssertionError("nothing conflicts here: no outbox is read again")

    def save(self, *outboxes):
        self.entered.set()
        assert self.gate.wait(10)
        self.saves.append((threading.get_ident(), [outbox.id for outbox in outboxes]))


def owed() -> Outbox:
    outbox = Outbox(resource_id=uuid.uuid4(), kind="request", party="otto")
    outbox.queue(Change.CREATE, 1)
    return outbox


def book_on(saves: HeldSaves) -> OutcomeBook:
    backoff = Backoff()
    return OutcomeBook(saves, backoff, SendingShare(backoff))


def test_an_outcome_queued_while_another_is_written_returns_at_once_and_is_stored_by_the_writer():
    saves = HeldSaves()
    book = book_on(saves)
    first, second = owed(), owed()
    told: dict[str, object] = {}
    writer = threading.Thread(
        target=book.queue, args=(first, 1, Outcome.ok("R-1"), lambda error: told.setdefault("first", error))
    )
    writer.start()
    assert saves.entered.wait(10), "the first sender writes its own outcome"

    book.queue(second, 1, Outcome.ok("R-2"), lambda error: told.setdefault("second", error))
    assert told == {}, "queued behind a write under way: returned without waiting, and not stored yet"

    saves.gate.set()
    writer.join(10)
    assert told == {"first": None, "second": None}
    assert [ids for _, ids in saves.saves] == [[first.id], [second.id]]
    assert {thread for thread, _ in saves.saves} == {writer.ident}, "the writer stored what queued meanwhile"
    assert first.head is None and second.head is None
    assert first.last_finished["status"] == Status.DELIVERED and second.remote_id == "R-2"


def test_record_returns_once_its_outcome_is_stored():
    saves = HeldSaves()
    saves.gate.set()
    outbox = owed()
    book_on(saves).record(outbox, 1, Outcome.ok("R-1"))
    assert [ids for _, ids in saves.saves] == [[outbox.id]]
    assert outbox.remote_id == "R-1" and outbox.last_finished["status"] == Status.DELIVERED


def test_a_failing_stored_callback_does_not_keep_the_others_from_being_told():
    saves = HeldSaves()
    saves.gate.set()
    book = book_on(saves)
    told: list[object] = []

    def broken(error):
        raise RuntimeError("bookkeeping bug")

    book.queue(owed(), 1, Outcome.ok("R-1"), broken)
    book.queue(owed(), 1, Outcome.ok("R-2"), told.append)
    assert told == [None]
