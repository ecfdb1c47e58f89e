"""``GET /planning/{kind}/{id}/deliveries`` on ``setu-planning serve --parties FILE``.

The server's store holds a request made locally (through the embedding API)
that names two counterparties with endpoints, OTTO (supplier) and ACME
(customer), each a stub SETU server over real HTTP; the serving process
delivers every change to both. ACME refuses one change (a 400), so its
later change waits. Each party sees the deliveries to itself, with ids,
changes, status, its remote id and the refusal; a party the resource does
not name gets exactly the 404 of an unknown id.
"""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

import pytest
from samples import request, single_planning_line
from stub_setu_server import StubSetuServer
from support import eventually as wait_for

from setu_planning.application import Caller, PlanningApplication
from setu_planning.application.delivery import DeliveryApplication
from setu_planning.interface.parties import token_hash

pytestmark = pytest.mark.e2e


@pytest.fixture
def stubs():
    started = {name: StubSetuServer().start() for name in ("otto", "acme")}
    yield started
    for stub in started.values():
        stub.stop()
    for name, stub in started.items():
        assert not stub.errors, f"the {name} stub failed:\n" + "\n".join(stub.errors)


def test_each_party_sees_the_deliveries_to_itself_and_no_other_party_sees_any(start_server, tmp_path, stubs):
    tokens = {name: f"{name}-{uuid.uuid4().hex}{uuid.uuid4().hex}" for name in ("otto", "acme", "globex")}
    endpoint_tokens = {name: f"to-{name}-{uuid.uuid4().hex}" for name in stubs}
    for name, stub in stubs.items():
        stub.require_token(endpoint_tokens[name])
    parties = tmp_path / "parties.toml"
    parties.write_text(
        "[parties.otto]\n"
        'identifiers = [{ value = "OTTO", schemeAgencyId = "Customer" }]\n'
        f'tokens = ["{token_hash(tokens["otto"])}"]\n'
        f'endpoint = "{stubs["otto"].base_url}"\n'
        'endpoint_token_env = "OTTO_ENDPOINT_TOKEN"\n\n'
        "[parties.acme]\n"
        'identifiers = [{ value = "ACME", schemeAgencyId = "Customer" }]\n'
        f'tokens = ["{token_hash(tokens["acme"])}"]\n'
        f'endpoint = "{stubs["acme"].base_url}"\n'
        'endpoint_token_env = "ACME_ENDPOINT_TOKEN"\n\n'
        "[parties.globex]\n"
        'identifiers = [{ value = "GLOBEX", schemeAgencyId = "Customer" }]\n'
        f'tokens = ["{token_hash(tokens["globex"])}"]\n'
    )
    server = start_server(
        tmp_path / "store.sqlite3",
        args=["--parties", str(parties), "--workers", "2"],
        env={"OTTO_ENDPOINT_TOKEN": endpoint_tokens["otto"], "ACME_ENDPOINT_TOKEN": endpoint_tokens["acme"]},
    )

    def get(path: str, party: str | None):
        headers = {"Accept": "application/json"}
        if party is not None:
            headers["Authorization"] = f"Bearer {tokens[party]}"
        return server.http.request("GET", path, headers=headers)

    app = PlanningApplication(server.db_url)
    delivery = DeliveryApplication(app)
    try:
        # A request made here, naming OTTO and ACME: owed to both. ACME will refuse the PUT.
        made = app.requests.submit(request(), by=Caller.local("planner", setu_version="2.0")).state.id
        path = f"/planning/requests/{made}/deliveries"

        def rows_of(party: str) -> list[dict[str, Any]]:
            reply = get(path, party)
            assert reply.status == 200, reply
            assert reply.json()["id"] == str(made)
            return reply.json()["deliveries"]

        wait_for(lambda: stubs["acme"].ids("requests") and stubs["otto"].ids("requests"), "created at both")
        (remote_acme,) = stubs["acme"].ids("requests")
        stubs["acme"].fail_matching("PUT", f"/planning/requests/{remote_acme}", status=400)
        app.requests.add_line(made, "single", single_planning_line("S1"), by=Caller.local("planner"))
        message = copy.deepcopy(app.requests.get(made).message)
        message["positionProfile"]["positionTitle"] = "Reach truck driver"
        app.requests.replace(made, message, by=Caller.local("planner", setu_version="2.0"))
        app.requests.add_line(made, "single", single_planning_line("S2", "2026-01-08"), by=Caller.local("planner"))

        wait_for(
            lambda: (
                [r["status"] for r in rows_of("otto")] == ["delivered"] * 4
                and [r["status"] for r in rows_of("acme")] == ["delivered", "delivered", "failed", "pending"]
            ),
            "delivered to OTTO; ACME refused the PUT",
        )
        (remote_otto,) = stubs["otto"].ids("requests")
        stored = {str(row.id): row for row in delivery.deliveries(resource_id=made)}
        assert len(stored) == 8

        otto = rows_of("otto")
        assert [(r["party"], r["seq"], r["version"], r["change"], r["lineId"]) for r in otto] == [
            ("otto", 1, 1, "create", None),
            ("otto", 2, 2, "add-line", "S1"),
            ("otto", 3, 3, "replace", None),
            ("otto", 4, 4, "add-line", "S2"),
        ]
        for row in otto:
            assert (row["resource"], row["kind"], row["remoteId"], row["attempts"], row["lastError"], row["next"]) == (
                str(made), "PlanningRequest", remote_otto, 1, None, False,
            )  # fmt: skip
            assert row["id"] in stored and stored[row["id"]].party == "otto"

        acme = rows_of("acme")
        assert [(r["party"], r["change"], r["status"], r["remoteId"]) for r in acme] == [
            ("acme", "create", "delivered", remote_acme),
            ("acme", "add-line", "delivered", remote_acme),
            ("acme", "replace", "failed", remote_acme),
            ("acme", "add-line", "pending", remote_acme),
        ]
        refused, waiting = acme[2], acme[3]
        assert refused["lastError"].startswith("400") and "scripted answer 400" in refused["lastError"]
        assert (refused["attempts"], refused["next"]) == (1, False), "refused: waits for an operator"
        assert (waiting["attempts"], waiting["lastError"], waiting["next"]) == (0, None, False), "behind it"
        assert {r["id"] for r in otto + acme} == set(stored), "the ids the operator commands take"
        assert not {r["id"] for r in otto} & {r["id"] for r in acme}

        # A party the resource does not name: exactly the answer for an id that does not exist.
        nowhere = uuid.uuid4()
        hidden, unknown = get(path, "globex"), get(f"/planning/requests/{nowhere}/deliveries", "globex")
        assert hidden.status == unknown.status == 404, (hidden, unknown)
        assert hidden.json() == json.loads(json.dumps(unknown.json()).replace(str(nowhere), str(made)))
        assert get(path, None).status == 401, "and nobody unauthenticated"

        # What a party sent itself is never sent back to it: ACME's own request is owed to OTTO only.
        sent_by_acme = request(documentId={"value": "REQ-ACME", "schemeAgencyId": "Customer"})
        reply = server.http.request(
            "POST", "/planning/requests", json.dumps(sent_by_acme).encode(),
            {"Content-Type": "application/json", "setuVersionId": "2.0", "Authorization": f"Bearer {tokens['acme']}"},
        )  # fmt: skip
        assert reply.status == 201, reply
        theirs = reply.headers["Location"].rsplit("/", 1)[1]
        mine = f"/planning/requests/{theirs}/deliveries"
        wait_for(lambda: [r["status"] for r in get(mine, "otto").json()["deliveries"]] == ["delivered"], "to OTTO")
        assert get(mine, "acme").json() == {"id": theirs, "deliveries": [], "heldBack": {}}
        assert get(mine, "globex").status == 404
    finally:
        delivery.close()
        app.close()
