"""Need-to-know through time, writes by the owner only, and whose audit a user name is.

Over real HTTP against ``setu-planning serve --parties`` with three parties:
acme (a customer), otto and rival (suppliers). Each test is one scenario of
what a reviewer tried, and pins what happens now.
"""

from __future__ import annotations

import copy
import json
import time
import uuid

import pytest
from samples import assignment, request

from setu_planning.interface.parties import token_hash

pytestmark = pytest.mark.e2e

TOKENS = {name: f"{name}-token-{uuid.uuid4().hex}{uuid.uuid4().hex}" for name in ("otto", "acme", "rival")}
OTTO_WORKER, RIVAL_WORKER = "W-OTTO-31", "W-RIVAL-77"


def ids(value: str) -> str:
    return (
        f'[{{ value = "{value}", schemeAgencyId = "Customer" }}, {{ value = "{value}", schemeAgencyId = "Supplier" }}]'
    )


@pytest.fixture
def http(start_server, tmp_path):
    parties = tmp_path / "parties.toml"
    parties.write_text(
        "".join(
            f'[parties.{name}]\nidentifiers = {ids(name.upper())}\ntokens = ["{token_hash(token)}"]\n\n'
            for name, token in TOKENS.items()
        )
    )
    return start_server(args=["--parties", str(parties)]).http


def headers(party: str, **extra: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "setuVersionId": "2.0",
        "Authorization": f"Bearer {TOKENS[party]}",
        **extra,
    }


def naming(message: dict, supplier: str, customer: str) -> dict:
    message = copy.deepcopy(message)
    message["supplier"] = {"id": [{"value": supplier.upper(), "schemeAgencyId": "Customer"}]}
    message["customer"] = {"id": [{"value": customer.upper(), "schemeAgencyId": "Customer"}]}
    return message


def asking_for(message: dict, worker: str) -> dict:
    message = copy.deepcopy(message)
    message["positionProfile"]["requestedWorker"] = [
        {"workerId": {"value": worker, "schemeAgencyId": "Supplier"}, "person": {"name": {"formattedName": "J. Doe"}}}
    ]
    return message


def send(http, method: str, party: str, path: str, message: dict | None = None, **extra: str):
    body = None if message is None else json.dumps(message).encode()
    return http.request(method, path, body, headers(party, **extra))


def get(http, party: str, path: str):
    return http.request("GET", path, headers=headers(party))


def created(reply) -> str:
    assert reply.status == 201, reply
    return reply.headers["Location"]


def as_unknown(http, party: str, path: str, reply) -> None:
    """``reply`` is exactly what an unknown id answers ``party`` (404, same body but for the id)."""
    resource_id = path.split("?")[0].rsplit("/", 1)[1]
    unknown_id = str(uuid.uuid4())
    unknown = get(http, party, path.replace(resource_id, unknown_id))
    assert reply.status == unknown.status == 404, reply
    assert reply.json() == {
        **unknown.json(),
        "description": unknown.json()["description"].replace(unknown_id, resource_id),
    }


def replaced_supplier(http) -> tuple[str, str]:
    """acme asks otto for otto's worker, then gives the request to rival and rival's worker instead."""
    path = created(
        send(http, "POST", "acme", "/planning/requests", naming(asking_for(request(), OTTO_WORKER), "otto", "acme"))
    )
    time.sleep(0.01)
    between = get(http, "acme", f"{path}/history").json()["events"][0]["timestamp"]
    time.sleep(0.01)
    replacement = naming(asking_for(request(), RIVAL_WORKER), "rival", "acme")
    assert send(http, "PUT", "acme", path, replacement).status == 200
    return path, between


# ------------------------------------------------------------ through time
def test_a_party_added_later_reads_nothing_from_before_it(http):
    path, before_rival = replaced_supplier(http)
    assert get(http, "rival", path).status == 200
    as_unknown(http, "rival", f"{path}?version=1", get(http, "rival", f"{path}?version=1"))
    as_unknown(http, "rival", f"{path}?asOf={before_rival}", get(http, "rival", f"{path}?asOf={before_rival}"))
    history = get(http, "rival", f"{path}/history")
    assert history.status == 200
    events = history.json()["events"]
    assert [(e["version"], e["type"]) for e in events] == [(2, "Replaced")]
    assert events[0]["changes"]["resource"]["supplier"]["id"][0]["value"] == "RIVAL"
    assert "OTTO" not in history.body.decode() and OTTO_WORKER not in history.body.decode()


def test_a_party_removed_keeps_its_past_and_reads_nothing_after(http):
    path, _ = replaced_supplier(http)
    as_unknown(http, "otto", path, get(http, "otto", path))
    as_unknown(http, "otto", f"{path}?version=2", get(http, "otto", f"{path}?version=2"))
    first = get(http, "otto", f"{path}?version=1")
    assert first.status == 200 and first.json()["supplier"]["id"][0]["value"] == "OTTO"
    history = get(http, "otto", f"{path}/history")
    events = history.json()["events"]
    assert [(e["version"], e["changes"]) for e in events[1:]] == [(2, {"removed": True})]
    assert "RIVAL" not in history.body.decode() and RIVAL_WORKER not in history.body.decode()


def test_the_embedding_systems_view_is_whole_while_the_customer_sees_every_version_naming_it(http):
    path, _ = replaced_supplier(http)
    events = get(http, "acme", f"{path}/history").json()["events"]
    assert [e["version"] for e in events] == [1, 2]
    assert {"element": "supplier/id", "old": [{"value": "OTTO", "schemeAgencyId": "Customer"}],
            "new": [{"value": "RIVAL", "schemeAgencyId": "Customer"}]} in events[1]["changes"]["diff"]  # fmt: skip


# ----------------------------------------------------------------- owners
def test_a_counterparty_cannot_evict_the_resources_creator(http):
    otto_assignment = naming(assignment(), "otto", "acme")
    path = created(send(http, "POST", "otto", "/planning/assignments", otto_assignment))
    evicting = naming(assignment(), "rival", "acme")
    refused = send(http, "PUT", "acme", path, evicting)
    assert refused.status == 403
    assert refused.json()["code"] == "SETU-NOT-OWNER"
    assert "only its creator" in refused.json()["description"]
    for method, suffix, body in [("DELETE", "", None), ("DELETE", "/lines/S1", None)]:
        assert send(http, method, "acme", f"{path}{suffix}", body).status == 403
    assert get(http, "otto", path).headers["ETag"] == '"1"'
    assert get(http, "otto", f"{path}/history").status == 200
    assert send(http, "POST", "otto", "/planning/assignments", otto_assignment).status == 201  # its replay
    as_unknown(http, "rival", f"{path}?version=1", get(http, "rival", f"{path}?version=1"))
    assert send(http, "DELETE", "otto", path).status in (200, 204)


# ------------------------------------------------------------------ audit
def test_one_partys_staff_names_are_shown_to_that_party_only(http):
    message = naming(request(), "otto", "acme")
    path = created(send(http, "POST", "acme", "/planning/requests", message, **{"X-SETU-Actor": "planner-7"}))
    own = get(http, "acme", f"{path}/history").json()["events"]
    other = get(http, "otto", f"{path}/history").json()["events"]
    assert [(e["party"], e["onBehalfOf"]) for e in own] == [("acme", "planner-7")]
    assert [(e["party"], e["onBehalfOf"]) for e in other] == [("acme", None)]


# ------------------------------------------------------------ the defects
def test_the_view_cache_answers_only_under_the_resources_own_kind(http):
    path = created(send(http, "POST", "acme", "/planning/requests", naming(request(), "otto", "acme")))
    resource_id = path.rsplit("/", 1)[1]
    assert get(http, "acme", path).status == 200  # now cached
    for kind in ("assignments", "constraints"):
        elsewhere = f"/planning/{kind}/{resource_id}"
        as_unknown(http, "acme", elsewhere, get(http, "acme", elsewhere))


def test_no_client_supplied_header_changes_routing(http):
    path = created(send(http, "POST", "acme", "/planning/requests", naming(request(), "otto", "acme")))
    plain = get(http, "acme", path)
    for header in ({"SCRIPT_NAME": "/x"}, {"X-Forwarded-Prefix": "/x"}, {"X-Forwarded-Proto": "https"}):
        reply = http.request("GET", path, headers={**headers("acme"), **header})
        assert (reply.status, reply.body) == (plain.status, plain.body), header
    doubled = http.request("GET", f"/planning{path}", headers={**headers("acme"), "SCRIPT_NAME": "/planning"})
    assert doubled.status == 404
    posted = send(http, "POST", "acme", "/planning/requests", naming(request(), "otto", "acme"), **{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"})  # fmt: skip
    assert "evil.example" not in posted.headers["Location"] and not posted.headers["Location"].startswith("https")
