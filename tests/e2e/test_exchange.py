"""Two live systems play the three scenarios: a back office and a planning system, talking SETU.

Each side is a ``setu-planning serve --parties FILE`` process on its own SQLite
store, with a parties file naming the other (its identifiers, the hash of the
token it presents, its endpoint, the variable holding the token to present
there). The test drives each side through the embedding API on that side's
own store, as the systems embedding the library would; the serving process
delivers each local change to the other side, which answers with its own id.
At the end every resource is equal on both sides, and both histories hold
every change, the receiver's naming the sending party.
"""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass

import pytest
from samples import assignment, constraints, request
from servers import ServerProcess, free_port
from support import eventually

from setu_planning.application import Caller, PlanningApplication
from setu_planning.domain.messages import MessageKind
from setu_planning.interface.exchange import Exchange
from setu_planning.interface.parties import PartyDirectory, load_parties, token_hash

pytestmark = pytest.mark.e2e


@dataclass
class Side:
    """One system: its server, its own store opened through the embedding API, its exchange."""

    name: str  # how the other side's parties file names it
    server: ServerProcess
    app: PlanningApplication
    parties: PartyDirectory
    exchange: Exchange

    def counterparty(self, name: str):
        return self.parties[name].party


def ids_toml(identifiers: list[tuple[str, str]]) -> str:
    return "[" + ", ".join(f'{{ value = "{v}", schemeAgencyId = "{s}" }}' for v, s in identifiers) + "]"


@pytest.fixture
def pair(start_server, tmp_path, monkeypatch):
    """pair(back_office_ids, planning_ids, back_office_format=..., planning_format=...) -> (back office, planning)."""
    opened: list[Side] = []

    def make(
        back_office_ids: list[tuple[str, str]],
        planning_ids: list[tuple[str, str]],
        *,
        to_back_office: str = "json",
        to_planning: str = "json",
    ) -> tuple[Side, Side]:
        ports = {"backoffice": free_port(), "planning-system": free_port()}
        tokens = {name: f"{name}-{uuid.uuid4().hex}{uuid.uuid4().hex}" for name in ports}
        ids = {"backoffice": back_office_ids, "planning-system": planning_ids}
        formats = {"backoffice": to_back_office, "planning-system": to_planning}
        variables = {"backoffice": "BACKOFFICE_TOKEN", "planning-system": "PLANNING_SYSTEM_TOKEN"}
        sides = []
        for me, other in (("backoffice", "planning-system"), ("planning-system", "backoffice")):
            folder = tmp_path / me
            folder.mkdir()
            parties = folder / "parties.toml"
            parties.write_text(
                f"[parties.{other}]\n"
                f"identifiers = {ids_toml(ids[other])}\n"
                f'tokens = ["{token_hash(tokens[other])}"]   # what {other} presents here\n'
                f'endpoint = "http://127.0.0.1:{ports[other]}"\n'
                f'endpoint_token_env = "{variables[other]}"\n'
                f'format = "{formats[other]}"\n'
            )
            # This side presents its own token at the other side's endpoint.
            environment = {variables[other]: tokens[me]}
            server = start_server(
                folder / "store.sqlite3",
                args=["--parties", str(parties), "--log-format", "json", "--access-log"],
                env=environment,
                port=ports[me],
            )
            for variable, value in environment.items():
                monkeypatch.setenv(variable, value)  # the pulls this test makes through the exchange
            app = PlanningApplication(server.db_url)
            directory = load_parties(parties)
            side = Side(me, server, app, directory, Exchange(app, directory))
            opened.append(side)
            sides.append(side)
            secrets.extend(tokens.values())
        return sides[0], sides[1]

    secrets: list[str] = []
    yield make
    for side in opened:
        side.exchange.close()
        side.app.close()
    seen: set[str] = set()
    for side in opened:
        side.server.stop()
        seen |= assert_log_is_clean(side.server, secrets)
    if opened:
        assert {"http.request", "delivery.outcome", "service.start"} <= seen


# Personal data and content of the samples the scenarios exchange: none of it may reach a log line.
PERSONAL = ("W-1", "Tholen", "Monday day shift", "Picker")


def assert_log_is_clean(server: ServerProcess, secrets: list[str]) -> set[str]:
    """Every line the server wrote is one JSON object; none holds a token or personal data. Its events."""
    lines = []
    for number in range(1, server.starts + 1):
        for suffix in ("out", "err"):
            path = server.log_dir / f"server-{number}.{suffix}"
            if path.exists():
                lines += path.read_text().splitlines()
    events = [json.loads(line) for line in lines]
    text = "\n".join(lines)
    for secret in (*secrets, *PERSONAL):
        assert secret not in text, f"the log holds {secret[:12]!r}..."
    return {e["event"] for e in events}


def delivered(sender: Side, resource_id) -> list:
    """The sender's deliveries of a resource, once none is pending any more."""
    rows = sender.exchange.deliveries(resource_id=resource_id)
    return rows if rows and all(r.status == "delivered" for r in rows) else []


def remote_copy(sender: Side, receiver: Side, kind: MessageKind, resource_id, versions: int):
    """The receiver's copy of a sender's resource, once delivered up to ``versions`` changes."""

    def arrived():
        rows = delivered(sender, resource_id)
        if not rows:
            return None
        remote = uuid.UUID(rows[-1].remote_id)
        history = receiver.app.service(kind).history(remote)
        return remote if len(history) >= versions else None

    return eventually(arrived, f"{kind} {resource_id} delivered to {receiver.name}")


def assert_same_on_both_sides(sender: Side, receiver: Side, kind: MessageKind, local_id, remote_id) -> None:
    service_here, service_there = sender.app.service(kind), receiver.app.service(kind)
    here, there = service_here.history(local_id), service_there.history(remote_id)
    assert [e.type for e in here] == [e.type for e in there]
    assert {(e.actor, e.party) for e in there} == {(sender.name, sender.name)}, "the receiver names the sender"
    now_here = _current_or_none(service_here, local_id)
    now_there = _current_or_none(service_there, remote_id)
    assert now_here == now_there
    rows = sender.exchange.deliveries(resource_id=local_id)
    assert {r.remote_id for r in rows} == {str(remote_id)}, "the receiver's id is kept as the remote id"


def _current_or_none(service, resource_id):
    try:
        return service.get(resource_id).message
    except Exception:  # noqa: BLE001 - cancelled on both sides is equal too
        return None


# ------------------------------------------------------------------ scenario 1
def test_supplier_planning_system_and_customer_back_office(pair):
    """Request in, assignment out, a line changed, the assignment updated, both cancelled; XML one way."""
    back_office, planning = pair([("ACME", "Customer")], [("OTTO", "Customer")], to_back_office="xml")
    customer_request = back_office.app.requests.submit(request(), by=Caller.local("j.jansen", setu_version="2.0")).state
    remote_request = remote_copy(back_office, planning, MessageKind.REQUEST, customer_request.id, 1)

    planned = planning.app.assignments.submit(assignment(), by=Caller.local("planner-7")).state
    remote_assignment = remote_copy(planning, back_office, MessageKind.ASSIGNMENT, planned.id, 1)
    assert [a.id for a in back_office.app.requests.assignments(customer_request.id)] == [remote_assignment]

    line = dict(request()["periodicPlanningLine"][0], positionQuantity=3)
    back_office.app.requests.replace_line(customer_request.id, "P1", line, by=Caller.local("j.jansen"))
    remote_copy(back_office, planning, MessageKind.REQUEST, customer_request.id, 2)
    assert planning.app.requests.get(remote_request).line("P1")["positionQuantity"] == 3

    updated = planning.app.assignments.get(planned.id).message
    updated = dict(updated, positionProfile=dict(updated["positionProfile"], positionTitle="Reach truck driver"))
    planning.app.assignments.replace(planned.id, updated, by=Caller.local("planner-7"))
    remote_copy(planning, back_office, MessageKind.ASSIGNMENT, planned.id, 2)

    back_office.app.requests.cancel(customer_request.id, by=Caller.local("j.jansen"))
    remote_copy(back_office, planning, MessageKind.REQUEST, customer_request.id, 3)
    planning.app.assignments.cancel(planned.id, by=Caller.local("planner-7"))
    remote_copy(planning, back_office, MessageKind.ASSIGNMENT, planned.id, 3)

    assert_same_on_both_sides(back_office, planning, MessageKind.REQUEST, customer_request.id, remote_request)
    assert_same_on_both_sides(planning, back_office, MessageKind.ASSIGNMENT, planned.id, remote_assignment)
    history = back_office.app.assignments.history(remote_assignment)
    assert [e.on_behalf_of for e in history] == ["planner-7"] * 3, "the local user travels as X-SETU-Actor"


# ------------------------------------------------------------------ scenario 2
@pytest.mark.conformance
def test_customer_planning_system_and_supplier_back_office(pair, official_example):
    """Availability pulled and pushed, the assignment notified, a line added, the assignment updated."""
    back_office, planning = pair([("OTTO", "Customer")], [("OTTO_NLTHO001", "Customer")])
    available = back_office.app.constraints.submit(
        official_example("PlanningConstraints"), by=Caller.local("clerk")
    ).state

    # The planning system fetches the worker's availability (GET /planning/constraints?hrId=).
    pulled = planning.exchange.pull_constraints_of_worker("backoffice", "123456")
    assert [state.message for state in pulled] == [available.message]
    assert pulled[0].origin == "backoffice"
    remote_available = remote_copy(back_office, planning, MessageKind.CONSTRAINTS, available.id, 1)
    assert remote_available == pulled[0].id, "the push of what was pulled lands on the same resource"
    assert len(planning.app.constraints.of_worker("123456")) == 1

    # Additional availability of another worker, pushed by the back office.
    other = official_example("PlanningConstraints")
    other["documentId"]["value"] = "Constraints_other_worker"
    other["worker"]["workerId"][0]["value"] = "654321"
    other_worker = back_office.app.constraints.submit(other, by=Caller.local("clerk")).state
    remote_other = remote_copy(back_office, planning, MessageKind.CONSTRAINTS, other_worker.id, 1)

    # The planning system notifies the assignment.
    planned = planning.app.assignments.submit(official_example("PlanningAssignment"), by=Caller.local("planner")).state
    remote_assignment = remote_copy(planning, back_office, MessageKind.ASSIGNMENT, planned.id, 1)

    # The back office adds a periodic availability line.
    tuesday = {
        "lineId": {"value": "tuesday", "schemeAgencyId": "Supplier"},
        "availabilityStatus": "Available",
        "availabilityPeriod": "Tuesday",
        "startTime": "08:00:00Z",
        "endTime": "16:00:00Z",
    }
    back_office.app.constraints.add_line(other_worker.id, "periodic", tuesday, by=Caller.local("clerk"))
    remote_copy(back_office, planning, MessageKind.CONSTRAINTS, other_worker.id, 2)

    # The planning system updates the assignment.
    updated = copy.deepcopy(planned.message)
    updated["assignedWorker"]["person"]["name"]["formattedName"] = "Doe, J."
    planning.app.assignments.replace(planned.id, updated, by=Caller.local("planner"))
    remote_copy(planning, back_office, MessageKind.ASSIGNMENT, planned.id, 2)

    assert_same_on_both_sides(back_office, planning, MessageKind.CONSTRAINTS, available.id, remote_available)
    assert_same_on_both_sides(back_office, planning, MessageKind.CONSTRAINTS, other_worker.id, remote_other)
    assert_same_on_both_sides(planning, back_office, MessageKind.ASSIGNMENT, planned.id, remote_assignment)
    assert planning.exchange.deliveries(resource_id=remote_other) == [], "what came from a party is not sent back"


# ------------------------------------------------------------------ scenario 3
def test_supplier_planning_system_and_supplier_back_office(pair):
    """Availability fetched by worker, pushed, changed with a PUT, fetched again by the back office's id."""
    supplier = [("OTTO", "Supplier")]
    back_office, planning = pair(supplier, supplier)
    first = back_office.app.constraints.submit(constraints(), by=Caller.local("clerk")).state
    fetched = planning.exchange.pull_constraints_of_worker("backoffice", "W-1")
    assert [state.message for state in fetched] == [first.message]
    remote_first = remote_copy(back_office, planning, MessageKind.CONSTRAINTS, first.id, 1)

    second = back_office.app.constraints.submit(
        constraints(
            documentId={"value": "CON-2", "schemeAgencyId": "Supplier"},
            worker={"workerId": [{"value": "W-2", "schemeAgencyId": "Supplier"}]},
        ),
        by=Caller.local("clerk"),
    ).state
    remote_second = remote_copy(back_office, planning, MessageKind.CONSTRAINTS, second.id, 1)

    changed = copy.deepcopy(second.message)
    changed["periodicAvailabilityLine"][0]["endTime"] = "17:00:00Z"
    back_office.app.constraints.replace(second.id, changed, by=Caller.local("clerk"))
    remote_copy(back_office, planning, MessageKind.CONSTRAINTS, second.id, 2)

    # The planning system reads the constraints by the back office's own id (GET /planning/constraints/{id}).
    again = planning.exchange.pull("backoffice", MessageKind.CONSTRAINTS, str(second.id))
    assert again.id == remote_second and again.message == back_office.app.constraints.get(second.id).message
    assert again.version == 2, "fetching what is already here changes nothing"

    assert_same_on_both_sides(back_office, planning, MessageKind.CONSTRAINTS, first.id, remote_first)
    assert_same_on_both_sides(back_office, planning, MessageKind.CONSTRAINTS, second.id, remote_second)
