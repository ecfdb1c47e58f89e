"""A delivery whose rendering loses data is never silent: sent with a warning, or refused by the party's choice.

The sender delivers to the stub SETU server as party ``otto``, which speaks
SETU 1.0: a request whose address has a house number is rendered with the
number merged into ``positionLocation/line``. With ``lossy = "warn"`` (the
default) it is sent, and the delivery is recorded delivered with a warning
naming the elements (never their values): in the deliveries table, the
``deliveries`` command (table and ``--json``), the REST listing and the log.
With ``lossy = "refuse"`` it is not sent: a failed delivery whose error is
the warning, holding back that resource's later changes to that party.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from datetime import datetime

import pytest
from delivery_sender import PARTY, TOKEN_VARIABLE, Sender, stub_server  # noqa: F401  (the fixture)
from samples import request, single_planning_line

from setu_planning.application import Caller, PlanningApplication
from setu_planning.application.delivery import Backoff
from setu_planning.interface.exchange import Exchange
from setu_planning.interface.http.app import create_app
from setu_planning.interface.parties import load_parties

STREET, NUMBER, ADDITION = "Dorpsstraat", "12", "A"


def _sender(tmp_path, stub, monkeypatch, lossy: str | None) -> Iterator[Sender]:
    token = f"sender-{uuid.uuid4().hex}{uuid.uuid4().hex}"
    stub.require_token(token)
    monkeypatch.setenv(TOKEN_VARIABLE, token)
    parties = tmp_path / "parties.toml"
    parties.write_text(
        f"[parties.{PARTY}]\n"
        'identifiers = [{ value = "OTTO", schemeAgencyId = "Customer" }]\n'
        f'endpoint = "{stub.base_url}"\n'
        f'endpoint_token_env = "{TOKEN_VARIABLE}"\n'
        'setu_version = "1.0"\n' + (f'lossy = "{lossy}"\n' if lossy else "")
    )
    db_url = f"sqlite:///{tmp_path / 'sender.sqlite3'}"
    app = PlanningApplication(db_url)
    exchange = Exchange(app, load_parties(parties), backoff=Backoff(base=0.02, cap=0.2))
    try:
        yield Sender(app, exchange, db_url, stub, tmp_path, token)
    finally:
        exchange.close()
        app.close()


@pytest.fixture
def warning_sender(tmp_path, stub_server, monkeypatch) -> Iterator[Sender]:
    """``otto`` speaks 1.0; no ``lossy`` option: the default, warn."""
    yield from _sender(tmp_path, stub_server, monkeypatch, None)


@pytest.fixture
def refusing_sender(tmp_path, stub_server, monkeypatch) -> Iterator[Sender]:
    yield from _sender(tmp_path, stub_server, monkeypatch, "refuse")


def submit(sender: Sender, document: str, *, house_number: bool) -> uuid.UUID:
    message = request(documentId={"value": document, "schemeAgencyId": "Customer"})
    location = message["positionProfile"]["positionLocation"]
    location["streetName"] = STREET
    if house_number:
        location.update(houseNumber=NUMBER, houseNumberAddition=ADDITION)
    return sender.app.requests.submit(message, by=Caller.local("clerk", setu_version="2.0")).state.id


def posted(sender: Sender, document: str) -> list[dict]:
    """The 1.0 bodies the stub received for ``document``'s creation."""
    bodies = [json.loads(r.body) for r in sender.stub.requests_to("POST", "/planning/requests") if r.body]
    return [body for body in bodies if body["documentId"]["value"] == document]


def _delivery_lines(caplog) -> list[dict]:
    return [
        record.setu_fields for record in caplog.records if getattr(record, "setu_event", None) == "delivery.outcome"
    ]


def test_a_lossy_rendering_is_delivered_with_a_warning_naming_elements_everywhere_it_is_shown(warning_sender, caplog):
    sender = warning_sender
    caplog.set_level(logging.INFO, logger="setu_planning.delivery")
    lossy = submit(sender, "REQ-LOSSY", house_number=True)
    whole = submit(sender, "REQ-WHOLE", house_number=False)
    sender.deliver_until(lambda: sender.all_delivered(lossy, whole), "both requests delivered")

    # It was sent, as 1.0 renders it: the number merged into the line.
    [body] = posted(sender, "REQ-LOSSY")
    assert body["positionProfile"]["positionLocation"]["item"]["line"] == f"{STREET} {NUMBER} {ADDITION}"
    [row] = sender.rows(lossy)
    assert row.status == "delivered" and row.last_error is None
    assert row.warning.startswith("lossy rendering as SETU 1.0 JSON: "), row.warning
    for element in ("positionLocation/houseNumber merged", "houseNumberAddition merged", "streetName merged"):
        assert element in row.warning, row.warning
    assert STREET not in row.warning and f" {NUMBER}" not in row.warning, "elements, never values"
    [kept] = sender.rows(whole)
    assert kept.status == "delivered" and kept.warning is None, "a lossless rendering carries no warning"

    # The embedding API and the REST listing
    assert row.as_json()["warning"] == row.warning and kept.as_json()["warning"] is None
    listed = (
        create_app(sender.app)
        .test_client()
        .get(f"/planning/requests/{lossy}/deliveries", headers={"Accept": "application/json"})
    )
    assert listed.status_code == 200, listed.text
    assert [d["warning"] for d in listed.get_json()["deliveries"]] == [row.warning]

    # The log: one outcome line with the warning, at warning level; no value of the message in it.
    lines = [fields for fields in _delivery_lines(caplog) if fields["delivery"] == str(row.id)]
    assert [(f["outcome"], f["warning"]) for f in lines] == [("delivered", row.warning)]
    assert "warning" not in next(f for f in _delivery_lines(caplog) if f["delivery"] == str(kept.id))
    warned = [r for r in caplog.records if getattr(r, "setu_fields", {}).get("delivery") == str(row.id)]
    assert [r.levelno for r in warned] == [logging.WARNING]

    # The command line: --json carries it, the table shows it.
    as_json = sender.cli("deliveries", "--json", "--db", sender.db_url)
    assert as_json.returncode == 0, as_json.stderr
    by_id = {item["id"]: item for item in map(json.loads, as_json.stdout.splitlines())}
    assert by_id[str(row.id)]["warning"] == row.warning and by_id[str(kept.id)]["warning"] is None
    table = sender.cli("deliveries", "--db", sender.db_url)
    assert table.returncode == 0, table.stderr
    [shown] = [line for line in table.stdout.splitlines() if str(row.id) in line]
    assert "warning: lossy rendering as SETU 1.0" in shown, table.stdout
    assert STREET not in table.stdout


def test_a_line_change_that_loses_nothing_carries_no_warning(warning_sender):
    sender = warning_sender
    resource = submit(sender, "REQ-LINE", house_number=False)
    sender.app.requests.add_line(resource, "single", single_planning_line("S1"), by=Caller.local("clerk"))
    sender.deliver_until(lambda: sender.all_delivered(resource), "the request and its line delivered")
    assert [(r.change, r.warning) for r in sender.rows(resource)] == [("create", None), ("add-line", None)]


def test_with_lossy_refuse_a_lossy_rendering_is_not_sent_and_holds_back_that_resources_later_changes(
    refusing_sender,
):
    sender = refusing_sender
    lossy = submit(sender, "REQ-REFUSED", house_number=True)
    whole = submit(sender, "REQ-SENT", house_number=False)
    sender.deliver_until(
        lambda: sender.rows(lossy)[0].status == "failed" and sender.all_delivered(whole),
        "the lossy one refused, the other delivered",
    )
    [refused] = sender.rows(lossy)
    assert (refused.status, refused.attempts, refused.warning) == ("failed", 1, None)
    assert refused.last_error.startswith("lossy rendering as SETU 1.0 JSON: "), refused.last_error
    assert "houseNumber merged" in refused.last_error and STREET not in refused.last_error
    assert 'lossy is "refuse"' in refused.last_error
    assert posted(sender, "REQ-REFUSED") == [], "nothing of it reached the counterparty"
    assert len(posted(sender, "REQ-SENT")) == 1, "other resources do not wait"

    # A later change of that resource waits for the operator, as behind any refusal.
    sender.app.requests.add_line(lossy, "single", single_planning_line("S9"), by=Caller.local("clerk"))
    sender.exchange.deliver_once()
    assert [(r.change, r.status, r.head) for r in sender.rows(lossy)] == [
        ("create", "failed", True),
        ("add-line", "pending", False),
    ]
    listing = sender.cli("deliveries", "--failed", "--db", sender.db_url)
    assert listing.returncode == 1 and str(refused.id) in listing.stdout, listing.stdout

    # Retried, it is refused again (the rendering has not changed): never sent.
    sender.exchange.delivery.retry(refused.id, by="operator")
    sender.deliver_until(lambda: sender.rows(lossy)[0].attempts == 2, "the retry recorded")
    assert sender.rows(lossy)[0].status == "failed" and posted(sender, "REQ-REFUSED") == []


def test_deliveries_carry_when_they_were_queued_and_last_attempted_as_rfc_3339(warning_sender):
    sender = warning_sender
    before = datetime.now().astimezone().replace(microsecond=0)
    resource = submit(sender, "REQ-TIMES", house_number=False)
    sender.exchange.delivery.follow()
    [queued] = sender.rows(resource)
    assert queued.status == "pending" and queued.attempts == 0
    assert queued.queued_at is not None and queued.last_attempt_at is None
    listed = queued.as_json()
    assert listed["lastAttempt"] is None and listed["nextAttempt"] is None, "due now: no next attempt is set"
    assert datetime.fromisoformat(listed["queued"]) >= before

    sender.stub.fail_next(status=503)
    sender.deliver_until(lambda: sender.rows(resource)[0].attempts == 1, "the first attempt failed")
    [retrying] = sender.rows(resource)
    assert retrying.status == "pending" and retrying.queued_at == queued.queued_at
    assert retrying.last_attempt_at >= retrying.queued_at and retrying.due_at > retrying.last_attempt_at
    listed = retrying.as_json()
    for field in ("queued", "lastAttempt", "nextAttempt"):
        assert listed[field].endswith("Z") and datetime.fromisoformat(listed[field]), listed
    assert datetime.fromisoformat(listed["nextAttempt"]) >= datetime.fromisoformat(listed["lastAttempt"])

    sender.deliver_until(lambda: sender.all_delivered(resource), "delivered on the retry")
    [done] = sender.rows(resource)
    assert done.queued_at == queued.queued_at and done.last_attempt_at >= retrying.last_attempt_at
    assert done.as_json()["nextAttempt"] is None

    as_json = sender.cli("deliveries", "--json", "--db", sender.db_url)
    [item] = map(json.loads, as_json.stdout.splitlines())
    assert (item["queued"], item["lastAttempt"], item["nextDue"]) == (
        done.as_json()["queued"], done.as_json()["lastAttempt"], None,
    )  # fmt: skip


def test_the_listing_is_newest_first_by_when_the_change_was_queued(warning_sender):
    sender = warning_sender
    made = [submit(sender, f"REQ-ORDER-{n}", house_number=False) for n in range(3)]
    made.reverse()  # uuids sort at random; the listing must not follow them
    sender.exchange.delivery.follow()
    listing = sender.cli("deliveries", "--json", "--db", sender.db_url)
    assert [item["resource"] for item in map(json.loads, listing.stdout.splitlines())] == [str(m) for m in made]
    oldest = sender.cli("deliveries", "--json", "--sort", "oldest", "--db", sender.db_url)
    assert [item["resource"] for item in map(json.loads, oldest.stdout.splitlines())] == [str(m) for m in made[::-1]]
