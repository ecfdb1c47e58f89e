"""One misbehaving counterparty never stalls, floods or crashes delivery to the others.

The sender is a store with its :class:`Exchange` delivering in the background
to two counterparties, both named in every message: ``good`` (a well-behaved
server) and ``bad`` (``hostile_counterparty.py``, in one misbehaving mode per
test, with a 2 s deadline). For each mode: the good party receives every
change meanwhile; the bad party's delivery is recorded with an error, its
later changes wait behind it, nothing it answered is stored as a remote id;
and the delivering process's peak memory grows by a bounded amount.
"""

from __future__ import annotations

import copy
import json
import resource
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import pytest
from hostile_counterparty import (  # noqa: F401  (the fixture)
    HostileCounterparty,
    hostile_counterparty,
    start_hostile_counterparty,
    stop_hostile_counterparty,
    wait_for,
)
from samples import request

from setu_planning.application import Caller, PlanningApplication
from setu_planning.application.delivery import Backoff
from setu_planning.domain.errors import SetuError
from setu_planning.interface.client import SetuClientFailure, SetuTransportError
from setu_planning.interface.exchange import Exchange
from setu_planning.interface.http.app import create_app
from setu_planning.interface.parties import load_parties

OWED = 20
PEAK_GROWTH_KIB = 150 * 1024
"""What the delivering process may grow by at its peak while a counterparty floods it."""


@pytest.fixture
def good() -> Iterator[HostileCounterparty]:
    counterparty, server = start_hostile_counterparty()
    try:
        yield counterparty
    finally:
        stop_hostile_counterparty(counterparty, server)


@pytest.fixture
def sender(tmp_path, good, hostile_counterparty, monkeypatch):
    monkeypatch.setenv("GOOD_TOKEN", "good-token")
    monkeypatch.setenv("BAD_TOKEN", "bad-token")
    parties = tmp_path / "parties.toml"
    parties.write_text(
        "[parties.good]\n"
        'identifiers = [{ value = "ACME", schemeAgencyId = "Customer" }]\n'
        f'endpoint = "{good.base_url}"\nendpoint_token_env = "GOOD_TOKEN"\n'
        "[parties.bad]\n"
        'identifiers = [{ value = "OTTO", schemeAgencyId = "Customer" }]\n'
        f'endpoint = "{hostile_counterparty.base_url}"\nendpoint_token_env = "BAD_TOKEN"\n'
        "endpoint_timeout_seconds = 2\n"
    )
    app = PlanningApplication(f"sqlite:///{tmp_path / 'sender.sqlite3'}")
    exchange = Exchange(app, load_parties(parties), backoff=Backoff(base=0.2, cap=1.0), poll_seconds=0.05)
    try:
        yield app, exchange
    finally:
        exchange.close()
        app.close()


def submit(app: PlanningApplication, document: str) -> uuid.UUID:
    message = request(documentId={"value": document, "schemeAgencyId": "Customer"})
    return app.requests.submit(message, by=Caller.local("clerk", setu_version="2.0")).state.id


def posts(counterparty: HostileCounterparty) -> int:
    return sum(1 for r in counterparty.received if r.method == "POST")


def peak_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


MISBEHAVIOUR = {
    "hang": "no whole answer within 2 s",
    "drip": "no whole answer within 2 s",
    "huge-body": "over the 1048576",
    "endless-chunked": "over the 1048576",
    "location-dotdot": "not a usable resource id",
    "location-outside": "is not a resource under",
    "redirect": "unexpected status 307",
    "retry-after-huge": "429",
    "retry-after-date": "429",
    "huge-header": "no answer",
    "many-headers": "more than 100 header fields",
    "server-error": "503",
}


@pytest.mark.parametrize("mode", sorted(MISBEHAVIOUR))
def test_a_misbehaving_party_holds_up_only_its_own_deliveries(sender, good, hostile_counterparty, mode):
    app, exchange = sender
    hostile_counterparty.mode = mode
    peak_before = peak_kib()
    ids = [submit(app, f"D-{mode}-{n}") for n in range(OWED)]
    exchange.start()
    wait_for(lambda: posts(hostile_counterparty) >= 1, f"the {mode} party is tried")
    late = submit(app, f"D-{mode}-late")  # owed only after the bad party already misbehaves
    wait_for(lambda: posts(good) >= OWED + 1, "every change reaches the good party meanwhile")

    def bad_rows_with_error():
        rows = [r for r in exchange.deliveries(party="bad") if r.attempts or r.status == "failed"]
        return rows if rows and all(r.last_error for r in rows) else None

    tried = wait_for(bad_rows_with_error, f"the {mode} deliveries are recorded with an error")
    assert MISBEHAVIOUR[mode] in tried[0].last_error, tried[0].last_error
    bad = exchange.deliveries(party="bad")
    assert not [r for r in bad if r.status == "delivered" or r.remote_id], "nothing it answered is kept"
    assert {r.resource_id for r in bad} == {*ids, late}

    message = copy.deepcopy(app.requests.get(ids[0]).message)
    message["positionProfile"]["positionTitle"] = "Changed"
    app.requests.replace(ids[0], message, by=Caller.local("clerk", setu_version="2.0"))
    wait_for(lambda: len(exchange.deliveries(resource_id=ids[0], party="bad")) == 2, "the change is owed")
    first, later = sorted(exchange.deliveries(resource_id=ids[0], party="bad"), key=lambda r: r.seq)
    assert (first.status != "delivered", later.status, later.attempts) == (True, "pending", 0)
    assert peak_kib() - peak_before < PEAK_GROWTH_KIB


def test_retry_after_beyond_reason_is_capped_and_never_a_hot_loop(sender, hostile_counterparty):
    app, exchange = sender
    hostile_counterparty.mode = "retry-after-huge"
    submit(app, "D-429")
    exchange.start()
    wait_for(lambda: [r for r in exchange.deliveries(party="bad") if r.attempts >= 1], "the 429 is recorded")
    row = exchange.deliveries(party="bad")[0]
    assert row.status == "pending" and row.due_at is not None
    assert row.due_at - time.time() <= 3600 + 1
    time.sleep(1.0)
    assert posts(hostile_counterparty) == 1, "a capped Retry-After still waits: no re-send at once"


def test_a_pulled_message_without_documentid_is_refused_with_a_typed_error_and_nothing_stored(
    sender, hostile_counterparty
):
    app, exchange = sender
    hostile_counterparty.mode = "no-document-id"
    with pytest.raises(SetuError):
        exchange.pull("bad", "PlanningConstraints", "C-1")
    with pytest.raises((SetuError, SetuClientFailure)):
        exchange.pull_constraints_of_worker("bad", "123456")
    assert app.recorder.select_notifications(start=1, limit=10) == []


@pytest.mark.parametrize("mode", ["hang", "drip", "endless-chunked"])
def test_a_pull_from_a_stalling_or_flooding_party_ends_within_its_deadline(sender, hostile_counterparty, mode):
    app, exchange = sender
    hostile_counterparty.mode = mode
    peak_before = peak_kib()
    with pytest.raises(SetuClientFailure) as raised:
        exchange.pull("bad", "PlanningConstraints", "C-1")
    assert isinstance(raised.value, SetuTransportError) or "over the" in str(raised.value)
    assert app.recorder.select_notifications(start=1, limit=10) == []
    assert peak_kib() - peak_before < PEAK_GROWTH_KIB


def test_every_id_put_in_a_url_is_one_path_segment(sender, good):
    app, exchange = sender
    client = exchange.transport.client("good")
    for hostile in ("..", "../../admin", "a/b", "%2E%2E"):
        with pytest.raises(SetuClientFailure):
            client.requests.get(hostile)
    paths = [r.path for r in good.received]
    assert all(p.count("/") == 3 and not p.endswith("/..") for p in paths), paths
    assert json.dumps(paths)  # every request stayed under /planning/requests/


def test_deliveries_says_a_party_is_held_back_and_why_from_another_process(tmp_path, sender, hostile_counterparty):
    app, _ = sender
    hostile_counterparty.mode = "server-error"
    parties = load_parties(tmp_path / "parties.toml")
    exchange = Exchange(app, parties, backoff=Backoff(base=60.0, cap=120.0), poll_seconds=0.05)
    try:
        for n in range(6):
            submit(app, f"D-held-{n}")
        exchange.start()
        wait_for(lambda: exchange.delivery.held_back().get("bad"), "the failing party is held back")
        assert "good" not in exchange.delivery.held_back()
    finally:
        exchange.close()
    listed = subprocess.run(
        [sys.executable, "-m", "setu_planning.interface.cli", "deliveries", "--db",
         f"sqlite:///{tmp_path / 'sender.sqlite3'}", "--party", "bad"],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    first = listed.stdout.splitlines()[0]
    assert first.startswith("party bad: held back until ") and "failures in a row" in first, listed.stdout
    assert "503" in first, first


def test_the_rest_deliveries_of_a_resource_say_its_party_is_held_back_and_why(tmp_path, sender, hostile_counterparty):
    app, _ = sender
    hostile_counterparty.mode = "server-error"
    parties = load_parties(tmp_path / "parties.toml")
    exchange = Exchange(app, parties, backoff=Backoff(base=60.0, cap=120.0), poll_seconds=0.05)
    try:
        resources = [submit(app, f"D-rest-held-{n}") for n in range(6)]
        exchange.start()
        wait_for(lambda: exchange.delivery.held_back().get("bad"), "the failing party is held back")
    finally:
        exchange.close()
    client = create_app(app).test_client()
    listed = client.get(f"/planning/requests/{resources[-1]}/deliveries", headers={"Accept": "application/json"})
    assert listed.status_code == 200, listed.text
    body = listed.get_json()
    assert sorted(body["heldBack"]) == ["bad"], body
    assert body["heldBack"]["bad"].startswith("held back until ") and "503" in body["heldBack"]["bad"], body
    assert {row["party"] for row in body["deliveries"]} == {"good", "bad"}, body
