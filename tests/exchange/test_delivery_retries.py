"""Delivery to a counterparty that fails: retried when it may succeed, held for an operator when refused.

The sender (``delivery_sender.py``) delivers with ``Exchange.deliver_once()`` to the
stub SETU server, which is programmed to fail: 503 and 429 (with
``Retry-After``) are retried with backoff until the counterparty recovers;
a 400 stops that resource's later changes to that party until an operator
retries or skips the refused one with ``setu-planning deliveries``. Other
resources never wait. What the stub received is the proof: each change once
successfully, in the order made, per resource.
"""

from __future__ import annotations

import copy
import json
import time
import uuid
from datetime import timedelta
from http.client import HTTPConnection
from urllib.parse import unquote, urlsplit

import pytest
from delivery_sender import PARTY, Sender, sender, stub_server  # noqa: F401  (fixtures)
from samples import request, single_planning_line

from setu_planning.application import Caller
from setu_planning.application.delivery import Backoff, DeliveryNotOpen
from setu_planning.domain.outbox import Change
from setu_planning.interface.exchange import ClientTransport, Exchange
from setu_planning.interface.parties import load_parties


def submit(sender: Sender, document: str) -> uuid.UUID:
    message = request(documentId={"value": document, "schemeAgencyId": "Customer"})
    return sender.app.requests.submit(message, by=Caller.local("clerk", setu_version="2.0")).state.id


def retitle(sender: Sender, resource_id: uuid.UUID, title: str) -> None:
    """A whole PUT that changes the position title."""
    message = copy.deepcopy(sender.app.requests.get(resource_id).message)
    message["positionProfile"]["positionTitle"] = title
    sender.app.requests.replace(resource_id, message, by=Caller.local("clerk", setu_version="2.0"))


def requantify(sender: Sender, resource_id: uuid.UUID, quantity: int) -> None:
    """Replace line P1 with another position quantity."""
    line = dict(sender.app.requests.get(resource_id).line("P1"), positionQuantity=quantity)
    sender.app.requests.replace_line(resource_id, "P1", line, by=Caller.local("clerk"))


def sent(sender: Sender, document: str, remote_id: str | None) -> list[tuple[str, str]]:
    """(method, decoded path) of every request the stub received about one resource, in order."""
    found = []
    for recorded in sender.stub.recorded:
        path = unquote(recorded.path)
        if recorded.method == "POST" and path == "/planning/requests":
            if json.loads(recorded.body)["documentId"]["value"] == document:
                found.append((recorded.method, path))
        elif remote_id is not None and (
            path == f"/planning/requests/{remote_id}" or path.startswith(f"/planning/requests/{remote_id}/")
        ):
            found.append((recorded.method, path))
    return found


def distinct(requests: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The requests with repeats of the one before (retries) collapsed."""
    return [r for i, r in enumerate(requests) if i == 0 or requests[i - 1] != r]


def expected_request(change: str, remote_id: str, line_id: str | None, line_kind: str = "single") -> tuple[str, str]:
    base = f"/planning/requests/{remote_id}"
    return {
        Change.CREATE: ("POST", "/planning/requests"),
        Change.REPLACE: ("PUT", base),
        Change.ADD_LINE: ("POST", f"{base}/{line_kind}-lines"),
        Change.REPLACE_LINE: ("PUT", f"{base}/lines/{line_id}"),
        Change.REMOVE_LINE: ("DELETE", f"{base}/lines/{line_id}"),
        Change.CANCEL: ("DELETE", base),
    }[Change(change)]


def stub_get(sender: Sender, remote_id: str) -> tuple[int, str | None, dict | None]:
    """GET the stub's copy over HTTP: status, ETag, message."""
    address = urlsplit(sender.stub.base_url)
    connection = HTTPConnection(address.hostname, address.port, timeout=15)
    try:
        connection.request(
            "GET", f"/planning/requests/{remote_id}",
            headers={"Authorization": f"Bearer {sender.token}", "Accept": "application/json", "setuVersionId": "2.0"},
        )  # fmt: skip
        response = connection.getresponse()
        body = response.read()
        return response.status, response.headers.get("etag"), json.loads(body) if response.status == 200 else None
    finally:
        connection.close()


def outbox_events(sender: Sender, resource_id: uuid.UUID) -> list:
    """The outbox's own events (the audit of what was sent), for one resource."""
    delivery = sender.exchange.delivery
    outbox_id = sender.rows(resource_id)[0].outbox_id
    return [delivery.mapper.to_domain_event(e) for e in delivery.recorder.select_events(outbox_id)]


# --------------------------------------------------------------------- 503 / 429
def test_an_unavailable_counterparty_gets_every_change_once_in_order_and_holds_up_no_other(sender: Sender):
    stub = sender.stub
    first = submit(sender, "REQ-A")
    sender.deliver_until(lambda: sender.all_delivered(first), "REQ-A created at the counterparty")
    remote_a = sender.remote_id(first)

    # From now on the counterparty is unavailable: twice for anything, then for REQ-A only
    # (a 429 asking to wait a second, then 503 until it recovers).
    stub.fail_next(2, status=503)
    stub.fail_matching(None, f"/planning/requests/{remote_a}", status=429, times=1, headers={"Retry-After": "1"})
    stub.fail_matching(None, f"/planning/requests/{remote_a}", status=503)

    sender.app.requests.add_line(first, "single", single_planning_line("S9"), by=Caller.local("clerk"))
    requantify(sender, first, 4)
    retitle(sender, first, "Reach truck driver")
    sender.app.requests.remove_line(first, "S9", by=Caller.local("clerk"))
    sender.app.requests.cancel(first, by=Caller.local("clerk"))
    second = submit(sender, "REQ-B")
    sender.app.requests.add_line(second, "single", single_planning_line("S8"), by=Caller.local("clerk"))
    requantify(sender, second, 5)
    retitle(sender, second, "Forklift driver")

    # REQ-B gets through while REQ-A's counterparty keeps failing, and REQ-A's head is retried with backoff.
    sender.deliver_until(lambda: sender.all_delivered(second), "REQ-B delivered while REQ-A fails")
    sender.deliver_until(lambda: sender.rows(first)[1].attempts >= 5, "REQ-A's head tried again and again")
    rows_a = sender.rows(first)
    assert [r.status for r in rows_a] == ["delivered"] + ["pending"] * 5, "REQ-A still waits"
    head = rows_a[1]
    assert head.head and head.change == "add-line" and head.last_error.startswith("503")
    assert stub.message(remote_a) == sender.app.requests.at_version(first, 1).message, "nothing of A applied"
    assert set(sent(sender, "REQ-A", remote_a)[1:]) == {("POST", f"/planning/requests/{remote_a}/single-lines")}, (
        "only REQ-A's head was tried; the changes behind it were not sent"
    )

    # The counterparty recovers.
    stub.clear_scripts()
    sender.deliver_until(lambda: sender.all_delivered(first, second), "everything delivered after recovery")

    remote_b = sender.remote_id(second)
    for resource_id, document, remote_id in ((first, "REQ-A", remote_a), (second, "REQ-B", remote_b)):
        rows = sender.rows(resource_id)
        history = sender.app.requests.history(resource_id)
        assert [r.version for r in rows] == [e.version for e in history], "one delivery per change"
        expected = [expected_request(r.change, remote_id, r.line_id) for r in rows]
        requests = sent(sender, document, remote_id)
        assert distinct(requests) == expected, f"{document}: each change sent after the one before succeeded"
        for row, wanted in zip(rows, expected, strict=True):
            assert row.attempts == requests.count(wanted), f"{document} {row.change}: every attempt counted"
    assert sum(r.attempts for r in sender.exchange.deliveries()) == len(stub.recorded), "nothing else was sent"
    assert sender.rows(first)[1].attempts >= 6, "REQ-A's line kept failing until the counterparty recovered"

    # Each change applied exactly once: B's copy is the sender's, three changes past its creation.
    status, etag, message = stub_get(sender, remote_b)
    assert (status, etag, message) == (200, 'W/"r4"', sender.app.requests.get(second).message)
    assert stub_get(sender, remote_a)[0] == 404, "REQ-A was cancelled there"

    # The 429's Retry-After was honoured: the next attempt was not due before it.
    failures = [e for e in outbox_events(sender, first) if type(e).__name__ == "AttemptFailed"]
    told_to_wait = [e for e in failures if e.error.startswith("429")]
    assert len(told_to_wait) == 1 and told_to_wait[0].retry_at - told_to_wait[0].at >= timedelta(seconds=1)
    assert len(failures) == sum(r.attempts - 1 for r in sender.rows(first))


# --------------------------------------------------------------------- 400
def test_a_refused_change_holds_back_that_resource_until_an_operator_retries_or_skips_it(sender: Sender):
    stub = sender.stub
    blocked, other = submit(sender, "REQ-C"), submit(sender, "REQ-D")
    sender.deliver_until(lambda: sender.all_delivered(blocked, other), "both created at the counterparty")
    remote_c, remote_d = sender.remote_id(blocked), sender.remote_id(other)

    stub.fail_matching("PUT", f"/planning/requests/{remote_c}", status=400)
    retitle(sender, blocked, "Refused title")  # refused
    sender.app.requests.add_line(blocked, "single", single_planning_line("S7"), by=Caller.local("clerk"))  # waits
    sender.app.requests.add_line(other, "single", single_planning_line("S6"), by=Caller.local("clerk"))  # unaffected
    sender.deliver_until(
        lambda: sender.rows(blocked)[1].status == "failed" and sender.all_delivered(other),
        "REQ-C's PUT refused, REQ-D's line delivered",
    )
    assert sender.exchange.deliver_once() == 0, "nothing more is due while the refusal stands"

    refused = sender.rows(blocked)[1]
    waiting = sender.rows(blocked)[2]
    assert (refused.change, refused.status, refused.party, refused.attempts) == ("replace", "failed", PARTY, 1)
    assert refused.last_error.startswith("400") and "scripted answer 400" in refused.last_error
    assert (waiting.change, waiting.status, waiting.head) == ("add-line", "pending", False)
    assert [r.id for r in sender.exchange.deliveries(failed=True)] == [refused.id]
    line_path = f"/planning/requests/{remote_c}/single-lines"
    assert stub.requests_to("POST", line_path) == [], "the change behind the refused one was not sent"
    assert stub.message(remote_d)["singlePlanningLine"][-1]["lineId"]["value"] == "S6"

    # The operator sees it ...
    listing = sender.cli("deliveries", "--failed", "--db", sender.db_url)
    assert listing.returncode == 1, "a listed failure is exit 1, for a cron job to alert on"
    lines = listing.stdout.strip().splitlines()
    assert len(lines) == 2 and lines[0].split()[:3] == ["id", "resource", "party"], listing.stdout
    for shown in (str(refused.id), str(blocked), PARTY, "replace", "failed", "400", "scripted answer 400"):
        assert shown in lines[1], f"{shown!r} not in {lines[1]!r}"

    # ... the counterparty is fixed, and the operator retries: the refused change, then the one behind it.
    stub.clear_scripts()
    retried = sender.cli("deliveries", "retry", str(refused.id), "--db", sender.db_url)
    assert retried.returncode == 0, retried.stderr
    assert retried.stdout.strip() == f"delivery {refused.id}: pending"
    sender.deliver_until(lambda: sender.all_delivered(blocked), "REQ-C's PUT and line delivered after the retry")
    assert distinct(sent(sender, "REQ-C", remote_c)) == [
        ("POST", "/planning/requests"),
        ("PUT", f"/planning/requests/{remote_c}"),
        ("POST", line_path),
    ]
    assert [r.attempts for r in sender.rows(blocked)] == [1, 2, 1]
    assert stub.message(remote_c) == sender.app.requests.get(blocked).message
    assert sender.exchange.deliveries(failed=True) == []
    as_json = sender.cli("deliveries", "--json", "--resource", str(blocked), "--db", sender.db_url)
    assert as_json.returncode == 0, as_json.stderr
    listed_rows = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert [r["status"] for r in listed_rows] == ["delivered"] * 3
    assert all(r["lastError"] is None and r["nextDue"] is None for r in listed_rows), "no stale error once delivered"
    assert next(r for r in listed_rows if r["id"] == str(refused.id))["remoteId"] == remote_c

    # Another refusal, skipped by the operator: the next change gets its turn, the skipped one never arrives.
    stub.fail_matching("PUT", f"/planning/requests/{remote_c}/lines/P1", status=400)
    requantify(sender, blocked, 7)  # refused, then skipped
    sender.app.requests.remove_line(blocked, "S7", by=Caller.local("clerk"))
    sender.deliver_until(lambda: sender.rows(blocked)[3].status == "failed", "the line replacement refused")
    skipped_id = sender.rows(blocked)[3].id
    skipping = sender.cli("deliveries", "skip", str(skipped_id), "--db", sender.db_url)
    assert skipping.returncode == 0, skipping.stderr
    assert skipping.stdout.strip() == f"delivery {skipped_id}: skipped"
    sender.deliver_until(lambda: sender.rows(blocked)[4].status == "delivered", "the line removal delivered")
    assert [(r.change, r.status) for r in sender.rows(blocked)] == [
        ("create", "delivered"),
        ("replace", "delivered"),
        ("add-line", "delivered"),
        ("replace-line", "skipped"),
        ("remove-line", "delivered"),
    ]
    assert stub.requests_to("DELETE", f"/planning/requests/{remote_c}/lines/S7")
    there = stub.message(remote_c)
    assert "singlePlanningLine" not in there
    assert there["periodicPlanningLine"][0]["positionQuantity"] == 2, "the skipped change never arrived"
    listed = sender.cli("deliveries", "--resource", str(blocked), "--db", sender.db_url)
    assert listed.returncode == 0, listed.stderr
    skipped_line = next(line for line in listed.stdout.splitlines() if line.startswith(str(skipped_id)))
    assert "replace-line P1" in skipped_line and "skipped" in skipped_line
    assert len(listed.stdout.strip().splitlines()) == 1 + 5
    assert [r.status for r in sender.rows(other)] == ["delivered", "delivered"], "REQ-D never waited"


# --------------------------------------------------------------------- not open
def test_only_an_open_head_can_be_retried_or_skipped(sender: Sender):
    stub = sender.stub
    resource = submit(sender, "REQ-E")
    sender.deliver_until(lambda: sender.all_delivered(resource), "REQ-E created")
    remote = sender.remote_id(resource)
    delivered = sender.rows(resource)[0]

    stub.fail_matching("PUT", f"/planning/requests/{remote}", status=503)  # retried, for now
    retitle(sender, resource, "Unavailable title")
    sender.app.requests.add_line(resource, "single", single_planning_line("S5"), by=Caller.local("clerk"))
    sender.deliver_until(lambda: sender.rows(resource)[1].attempts >= 1, "the PUT tried")
    pending_head, behind = sender.rows(resource)[1:]
    assert (pending_head.status, pending_head.head, behind.status, behind.head) == ("pending", True, "pending", False)

    def refused(action: str, delivery_id: str, because: str) -> None:
        done = sender.cli("deliveries", action, delivery_id, "--db", sender.db_url)
        assert done.returncode != 0, f"{action} {delivery_id} was accepted: {done.stdout}"
        assert done.stdout == ""
        assert because in done.stderr and done.stderr.startswith("setu-planning: "), done.stderr

    before = sender.exchange.deliveries()
    refused("retry", str(delivered.id), "already delivered")
    refused("skip", str(delivered.id), "already delivered")
    refused("retry", str(behind.id), "not the next one due")
    refused("skip", str(behind.id), "not the next one due")
    refused("retry", str(pending_head.id), "pending, not failed")  # being retried already: nothing to do
    refused("retry", str(uuid.uuid4()), "no delivery with id")
    refused("skip", "not-a-delivery-id", "no delivery with id")
    with pytest.raises(DeliveryNotOpen, match="already delivered"):
        sender.exchange.retry(delivered.id)
    with pytest.raises(DeliveryNotOpen, match="not the next one due"):
        sender.exchange.skip(behind.id)
    unchanged = {r.id: (r.status, r.head) for r in before}
    assert {r.id: (r.status, r.head) for r in sender.exchange.deliveries()} == unchanged, "nothing changed"

    # Once refused for good, the head can be retried; what is behind it still cannot.
    stub.clear_scripts()
    stub.fail_matching("PUT", f"/planning/requests/{remote}", status=409)
    sender.deliver_until(lambda: sender.rows(resource)[1].status == "failed", "the PUT refused")
    refused("retry", str(behind.id), "not the next one due")
    stub.clear_scripts()
    assert sender.exchange.retry(pending_head.id).status == "pending"
    sender.deliver_until(lambda: sender.all_delivered(resource), "all delivered after the retry")
    refused("skip", str(pending_head.id), "already delivered")


def test_a_silent_counterparty_for_some_resources_holds_up_no_other_resource(sender: Sender):
    """Heads that time out occupy only the threads sending them; the rest flows past them."""
    slow = [submit(sender, f"SLOW-{n}") for n in range(4)]
    sender.deliver_until(lambda: sender.all_delivered(*slow), "the slow resources created")
    for resource_id in slow:  # from now on the counterparty never answers in time about these
        sender.stub.delay_next(5.0, times=1000, path_prefix=f"/planning/requests/{sender.remote_id(resource_id)}")
        sender.app.requests.add_line(resource_id, "single", single_planning_line("S-SLOW"), by=Caller.local("clerk"))

    parties = load_parties(sender.folder / "parties.toml")
    background = Exchange(
        sender.app, parties, backoff=Backoff(base=0.2, cap=1.0), poll_seconds=0.05,
        transport=ClientTransport(parties, read_timeout=0.5),
    ).start()  # fmt: skip
    try:
        fast = submit(sender, "FAST")
        for n in range(5):
            sender.app.requests.add_line(fast, "single", single_planning_line(f"F{n}"), by=Caller.local("clerk"))
        deadline = time.monotonic() + 30
        while not sender.all_delivered(fast):
            assert time.monotonic() < deadline, sender.rows(fast)
            time.sleep(0.05)
        waiting = [sender.rows(resource_id)[-1] for resource_id in slow]
        assert all(row.status == "pending" for row in waiting), "the slow heads are still being tried"
    finally:
        background.stop()
        sender.stub.clear_scripts()
