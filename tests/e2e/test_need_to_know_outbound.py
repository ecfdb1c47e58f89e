"""Need-to-know towards counterparties' endpoints, and who owns what was pulled, over real HTTP.

``setu-planning serve --parties`` with a customer (acme, no endpoint) and two
suppliers whose endpoints are live SETU servers of their own (otto, rival:
the standard-library stub, recording every request it receives).
"""

from __future__ import annotations

import copy
import json
import uuid
from http.client import HTTPConnection
from urllib.parse import unquote

import pytest
from samples import constraints, request
from stub_setu_server import StubSetuServer
from support import eventually

from setu_planning.application import PlanningApplication
from setu_planning.interface.exchange import Exchange
from setu_planning.interface.parties import load_parties, token_hash

pytestmark = pytest.mark.e2e

TOKENS = {name: f"{name}-token-{uuid.uuid4().hex}{uuid.uuid4().hex}" for name in ("otto", "acme", "rival")}
ENDPOINT_TOKENS = {name: f"to-{name}-{uuid.uuid4().hex}" for name in ("otto", "rival")}
OTTO_WORKER, RIVAL_WORKER = "W-OTTO-31", "W-RIVAL-77"


def ids(value: str) -> str:
    return (
        f'[{{ value = "{value}", schemeAgencyId = "Customer" }}, {{ value = "{value}", schemeAgencyId = "Supplier" }}]'
    )


@pytest.fixture
def endpoints():
    started = {name: StubSetuServer().start() for name in ENDPOINT_TOKENS}
    for name, stub in started.items():
        stub.require_token(ENDPOINT_TOKENS[name])
    yield started
    for stub in started.values():
        stub.stop()
    for name, stub in started.items():
        assert not stub.errors, f"the {name} endpoint failed:\n" + "\n".join(stub.errors)


@pytest.fixture
def hub(start_server, tmp_path, endpoints, monkeypatch):
    parties = tmp_path / "parties.toml"
    text = ""
    for name, token in TOKENS.items():
        text += f'[parties.{name}]\nidentifiers = {ids(name.upper())}\ntokens = ["{token_hash(token)}"]\n'
        if name in endpoints:
            text += f'endpoint = "{endpoints[name].base_url}"\nendpoint_token_env = "{name.upper()}_ENDPOINT_TOKEN"\n'
        text += "\n"
    parties.write_text(text)
    env = {f"{name.upper()}_ENDPOINT_TOKEN": token for name, token in ENDPOINT_TOKENS.items()}
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)  # for the pulls this test makes through the exchange
    server = start_server(args=["--parties", str(parties)], env=env)
    server.parties_file = parties
    return server


def headers(party: str) -> dict[str, str]:
    return {"Content-Type": "application/json", "setuVersionId": "2.0", "Authorization": f"Bearer {TOKENS[party]}"}


def send(http, method: str, party: str, path: str, message: dict):
    return http.request(method, path, json.dumps(message).encode(), headers(party))


def naming(message: dict, supplier: str, customer: str, worker: str | None = None) -> dict:
    message = copy.deepcopy(message)
    message["supplier"] = {"id": [{"value": supplier.upper(), "schemeAgencyId": "Customer"}]}
    message["customer"] = {"id": [{"value": customer.upper(), "schemeAgencyId": "Customer"}]}
    if worker is not None:
        message["positionProfile"]["requestedWorker"] = [{"workerId": {"value": worker, "schemeAgencyId": "Supplier"}}]
    return message


def test_a_removed_suppliers_endpoint_receives_the_cancellation_of_its_copy_and_never_the_new_content(hub, endpoints):
    otto, rival = endpoints["otto"], endpoints["rival"]
    reply = send(hub.http, "POST", "acme", "/planning/requests", naming(request(), "otto", "acme", OTTO_WORKER))
    assert reply.status == 201, reply
    path = reply.headers["Location"]
    (otto_copy,) = eventually(lambda: otto.ids("requests"), "the request created at otto's endpoint")

    replacement = naming(request(), "rival", "acme", RIVAL_WORKER)
    assert send(hub.http, "PUT", "acme", path, replacement).status == 200

    eventually(lambda: otto.requests_to("DELETE"), "the cancellation of otto's copy sent to otto")
    eventually(lambda: rival.ids("requests"), "the request created at rival's endpoint")
    received = otto.recorded
    assert [(r.method, unquote(r.path)) for r in received] == [
        ("POST", "/planning/requests"),
        ("DELETE", f"/planning/requests/{otto_copy}"),
    ]
    assert not any(b"RIVAL" in r.body or RIVAL_WORKER.encode() in r.body for r in received)
    (rival_copy,) = rival.ids("requests")
    assert [r.method for r in rival.recorded] == ["POST"], "rival is sent the request as it now is: a create"
    assert rival.message(rival_copy)["positionProfile"]["requestedWorker"][0]["workerId"]["value"] == RIVAL_WORKER
    assert not any(OTTO_WORKER.encode() in r.body for r in rival.recorded)


def test_a_resource_pulled_from_a_party_belongs_to_that_party_and_only_it_may_change_it(hub, endpoints):
    otto = endpoints["otto"]
    available = constraints(
        supplier={"id": [{"value": "OTTO", "schemeAgencyId": "Supplier"}]},
        customer={"id": [{"value": "ACME", "schemeAgencyId": "Supplier"}]},
        worker={"workerId": [{"value": OTTO_WORKER, "schemeAgencyId": "Supplier"}]},
    )
    connection = HTTPConnection("127.0.0.1", otto.port, timeout=15)  # otto's own system files it at otto
    try:
        connection.request(
            "POST",
            "/planning/constraints",
            json.dumps(available).encode(),
            {
                "Content-Type": "application/json",
                "setuVersionId": "2.0",
                "Authorization": f"Bearer {ENDPOINT_TOKENS['otto']}",
            },
        )
        assert connection.getresponse().status == 201
    finally:
        connection.close()

    app = PlanningApplication(hub.db_url)
    exchange = Exchange(app, load_parties(hub.parties_file))
    try:
        (pulled,) = exchange.pull_constraints_of_worker("otto", OTTO_WORKER)
        assert pulled.origin == "otto"
    finally:
        exchange.close()
        app.close()

    path = f"/planning/constraints/{pulled.id}"
    changed = copy.deepcopy(available)
    changed["periodicAvailabilityLine"][0]["endTime"] = "12:00:00Z"
    refused = send(hub.http, "PUT", "acme", path, changed)
    assert refused.status == 403, refused
    assert refused.json()["code"] == "SETU-NOT-OWNER"
    for method, suffix in (("DELETE", ""), ("DELETE", "/lines/A1")):
        assert hub.http.request(method, f"{path}{suffix}", headers=headers("acme")).status == 403
    get = hub.http.request("GET", path, headers=headers("acme"))
    assert get.status == 200 and get.json() == available, "the refusal stored nothing"

    accepted = send(hub.http, "PUT", "otto", path, changed)
    assert accepted.status == 200, accepted
    assert hub.http.request("GET", path, headers=headers("acme")).json() == changed
