"""The three official SETU sequence diagrams, played over real HTTP against ``setu-planning serve``.

Each scenario of ``scenarios/`` in the official material is replayed step by
step with the status the diagram shows, using the official example messages;
new documents, lines and changes are derived from those examples. Every
scenario runs on each wire: SETU 2.0 and 1.0, JSON and XML bodies. Afterwards
the history endpoint must tell exactly what the scenario did, and the as-of
queries (``?version=n``, ``?asOf=<event timestamp>``) must return the earlier
states. Two more tests read the SQLite file from outside: the ``history``
command, and a restarted server.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import pytest
from support import example_path

if TYPE_CHECKING:  # the server machinery lives in this folder's conftest.py, reached through fixtures
    from servers import Http, Reply

pytestmark = [pytest.mark.e2e, pytest.mark.conformance]

NAMESPACES = {"1.0": "https://ontology.setu.nl/planning#", "2.0": "https://ontology.setu.nl/messages"}
UUID_PATH = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
HISTORY_KEYS = {"party", "onBehalfOf", "version", "timestamp", "type", "actor", "setuVersionId", "changes"}

Doc = Any  # a message or line: a dict (JSON) or an Element (XML)


# --------------------------------------------------------------------- wires
@dataclass(frozen=True)
class Wire:
    """One way of talking SETU over HTTP: a message version and a body format.

    Documents are the official examples of that version and format, parsed
    (a dict for JSON, an ElementTree element for XML), edited by path
    (``worker/workerId/0/value``: names, and list positions among same-named
    siblings), and compared with what the server answers.
    """

    version: str  # "2.0" or "1.0"
    fmt: str  # "json" or "xml"
    spec_dir: Path

    @property
    def media_type(self) -> str:
        return f"application/{self.fmt}"

    @property
    def namespace(self) -> str:
        return NAMESPACES[self.version]

    def headers(self, actor: str | None, with_body: bool) -> dict[str, str]:
        headers = {"setuVersionId": self.version, "Accept": self.media_type}
        if with_body:
            headers["Content-Type"] = self.media_type
        if actor:
            headers["X-SETU-Actor"] = actor
        return headers

    # ---------------------------------------------------------- documents
    def example(self, message: str) -> Doc:
        """The official example of ``message`` in this version and format (a fresh copy)."""
        raw = example_path(self.spec_dir, message, self.version, self.fmt).read_bytes()
        if self.fmt == "json":
            return json.loads(raw)
        return ET.fromstring(raw)  # comments are dropped

    def encode(self, doc: Doc) -> bytes:
        if self.fmt == "json":
            return json.dumps(doc).encode()
        return ET.tostring(doc, encoding="utf-8", xml_declaration=True, default_namespace=self.namespace)

    def _tag(self, name: str) -> str:
        return f"{{{self.namespace}}}{name}"

    def _node(self, doc: Doc, path: str) -> tuple[Any, Any]:
        """(parent, key) of the element at ``path``: a dict/list and key/index, or an element twice."""
        steps = path.split("/")
        if self.fmt == "json":
            parent: Any = None
            key: Any = None
            node = doc
            for step in steps:
                parent, key = node, int(step) if step.isdigit() else step
                node = parent[key]
            return parent, key
        node = doc
        i = 0
        while i < len(steps):
            index = int(steps[i + 1]) if i + 1 < len(steps) and steps[i + 1].isdigit() else 0
            matches = node.findall(self._tag(steps[i]))
            assert len(matches) > index, f"no {path!r} in the document"
            node = matches[index]
            i += 2 if i + 1 < len(steps) and steps[i + 1].isdigit() else 1
        return node, node

    def text(self, doc: Doc, path: str) -> str:
        parent, key = self._node(doc, path)
        return parent[key] if self.fmt == "json" else (key.text or "")

    def edit(self, doc: Doc, path: str, change: Callable[[str], str] | str) -> tuple[str, str]:
        """Set the text at ``path`` (a value, or a function of the old one); returns (old, new)."""
        parent, key = self._node(doc, path)
        old = self.text(doc, path)
        new = change(old) if callable(change) else change
        assert new != old, f"{path}: the edit changes nothing"
        if self.fmt == "json":
            parent[key] = new
        else:
            key.text = new
        return old, new

    def copy(self, doc: Doc, path: str = "") -> Doc:
        """A deep copy of the document, or of the element at ``path`` (e.g. a line)."""
        if not path:
            return copy.deepcopy(doc)
        parent, key = self._node(doc, path)
        return copy.deepcopy(parent[key] if self.fmt == "json" else key)

    def append_line(self, doc: Doc, field: str, line: Doc) -> None:
        """Add a line after the lines of its kind, as the server stores it."""
        if self.fmt == "json":
            doc.setdefault(field, []).append(copy.deepcopy(line))
            return
        children = list(doc)
        last = max(i for i, child in enumerate(children) if child.tag == self._tag(field))
        doc.insert(last + 1, copy.deepcopy(line))

    def refer_to_request(self, assignment: Doc, request: Doc) -> None:
        """Give an assignment its planningRequestReference (XSD order: before assignedWorker)."""
        if self.fmt == "json":
            assignment["planningRequestReference"] = {"documentId": copy.deepcopy(request["documentId"])}
            return
        reference = ET.Element(self._tag("planningRequestReference"))
        reference.append(copy.deepcopy(request.find(self._tag("documentId"))))
        position = list(assignment).index(assignment.find(self._tag("assignedWorker")))
        assignment.insert(position, reference)

    # --------------------------------------------------------- comparison
    def canon(self, doc: Doc) -> Any:
        """What the server must answer for a message."""
        return copy.deepcopy(doc) if self.fmt == "json" else _tree(doc)

    def line_form(self, field: str, line: Doc) -> Any:
        """What the server must answer for a line: ``{"field": [line]}`` or a ``<field>`` document."""
        return {field: [copy.deepcopy(line)]} if self.fmt == "json" else _tree(line)

    def list_form(self, wrapper: str, docs: list[Doc]) -> Any:
        """What the server must answer for a list of messages (``<Constraints>`` in XML)."""
        if self.fmt == "json":
            return [copy.deepcopy(doc) for doc in docs]
        return (wrapper, "", (), tuple(_tree(doc) for doc in docs))

    def parse(self, reply: Reply) -> Any:
        assert reply.media_type == self.media_type, reply.headers
        return reply.json() if self.fmt == "json" else _tree(ET.fromstring(reply.body))

    def error_code(self, reply: Reply) -> str:
        if self.fmt == "json":
            return reply.json()["code"]
        return ET.fromstring(reply.body).findtext("code")


def _tree(element: ET.Element) -> tuple:
    """An XML element as a comparable value: tag (with namespace), text, attributes, children."""
    return (
        element.tag,
        (element.text or "").strip(),
        tuple(sorted(element.attrib.items())),
        tuple(_tree(child) for child in element),
    )


WIRES = [("2.0", "json"), ("1.0", "json"), ("2.0", "xml"), ("1.0", "xml")]


@pytest.fixture(params=WIRES, ids=[f"v{v}-{f}" for v, f in WIRES])
def wire(request, spec_dir) -> Wire:
    version, fmt = request.param
    return Wire(version, fmt, spec_dir)


# ------------------------------------------------------------------- parties
@dataclass
class Party:
    """One system of a diagram, calling the server in its own name (X-SETU-Actor)."""

    http: Http
    wire: Wire
    actor: str

    def send(self, method: str, path: str, doc: Doc | None = None) -> Reply:
        body = self.wire.encode(doc) if doc is not None else None
        return self.http.request(method, path, body, self.wire.headers(self.actor, doc is not None))

    def get(self, path: str, **query: str | int) -> Reply:
        return self.send("GET", f"{path}?{urlencode(query)}" if query else path)

    def post(self, path: str, doc: Doc) -> Reply:
        return self.send("POST", path, doc)

    def put(self, path: str, doc: Doc) -> Reply:
        return self.send("PUT", path, doc)

    def delete(self, path: str) -> Reply:
        return self.send("DELETE", path)


def created(reply: Reply, wire: Wire, collection: str, sent: Doc) -> str:
    """A 201 with the request body and a Location of a server-assigned UUID; returns the path."""
    assert reply.status == 201, reply
    assert wire.parse(reply) == wire.canon(sent)
    assert reply.headers["setuVersionId"] == wire.version
    assert reply.headers["ETag"] == '"1"'
    location = reply.headers["Location"]
    assert re.fullmatch(rf"{collection}/{UUID_PATH}", location), location
    return location


def history(http: Http, path: str) -> list[dict[str, Any]]:
    """GET {path}/history: the events, checked for shape and order."""
    reply = http.request("GET", f"{path}/history")
    assert reply.status == 200, reply
    assert reply.media_type == "application/json"
    body = reply.json()
    assert set(body) == {"id", "events"}
    assert body["id"] == path.rsplit("/", 1)[1]
    events = body["events"]
    for event in events:
        assert set(event) == HISTORY_KEYS, event
    assert [e["version"] for e in events] == list(range(1, len(events) + 1))
    moments = [datetime.fromisoformat(e["timestamp"]) for e in events]
    assert all(m.utcoffset() == timedelta(0) for m in moments)
    assert moments == sorted(moments)
    return events


def trail(events: list[dict[str, Any]]) -> list[tuple]:
    """(type, actor, setuVersionId, changes) per event."""
    return [(e["type"], e["actor"], e["setuVersionId"], e["changes"]) for e in events]


def just_before(timestamp: str) -> str:
    return (datetime.fromisoformat(timestamp) - timedelta(microseconds=1)).isoformat()


def as_of_matches(party: Party, path: str, events: list[dict[str, Any]], states: list[Any]) -> None:
    """State n (after event n) by ?version=n, by ?asOf=<timestamp of event n> and just before
    event n+1; nothing before event 1."""
    wire = party.wire
    for n, (event, expected) in enumerate(zip(events, states, strict=True)):
        queries = [{"version": event["version"]}, {"asOf": event["timestamp"]}]
        if n + 1 < len(events):
            queries.append({"asOf": just_before(events[n + 1]["timestamp"])})
        for query in queries:
            reply = party.get(path, **query)
            assert reply.status == 200, (query, reply)
            assert wire.parse(reply) == expected, query
            assert reply.headers["ETag"] == f'"{event["version"]}"'
    before = party.get(path, asOf=just_before(events[0]["timestamp"]))
    assert before.status == 404, before
    assert wire.error_code(before) == "SETU-NOT-FOUND"


# ------------------------------------------------------------------ scenarios
def test_customer_planning_system_and_supplier_backoffice(wire, http):
    """scenarios/customer-planning-supplier-backoffice.md (diagram 6)."""
    backoffice = Party(http, wire, "backoffice-staffing-supplier")
    planning = Party(http, wire, "planning-system-staffing-customer")

    # The backoffice already knows the worker of the official example (123456).
    known = wire.example("PlanningConstraints")
    known_path = created(backoffice.post("/planning/constraints", known), wire, "/planning/constraints", known)

    # GET availability information for a human resource: GET /planning/constraints/{hrID} -> 200.
    reply = planning.get("/planning/constraints/123456")
    assert reply.status == 200, reply
    assert wire.parse(reply) == wire.list_form("Constraints", [known])

    # Availability of another human resource: POST /planning/constraints -> 201 + body + Location.
    other = wire.example("PlanningConstraints")
    wire.edit(other, "documentId/value", "Constraints_e2e_987654")
    wire.edit(other, "worker/workerId/0/value", "987654")
    constraints_path = created(backoffice.post("/planning/constraints", other), wire, "/planning/constraints", other)

    # The assignment is notified: POST /planning/assignments -> 201 + body + Location.
    assignment = wire.example("PlanningAssignment")
    assignment_path = created(
        planning.post("/planning/assignments", assignment), wire, "/planning/assignments", assignment
    )

    # An additional constraint: POST /planning/constraints/{ID}/periodic-lines -> 201 + body + .../lines/{ID}.
    line = wire.copy(other, "periodicAvailabilityLine/0")
    wire.edit(line, "lineId/value", "periodicplanningline_5")
    wire.edit(line, "availabilityPeriod", "Tuesday")
    reply = backoffice.post(f"{constraints_path}/periodic-lines", line)
    assert reply.status == 201, reply
    assert wire.parse(reply) == wire.line_form("periodicAvailabilityLine", line)
    assert reply.headers["Location"] == f"{constraints_path}/lines/periodicplanningline_5"
    assert reply.headers["ETag"] == '"2"'
    fetched = planning.get(reply.headers["Location"])
    assert fetched.status == 200 and wire.parse(fetched) == wire.line_form("periodicAvailabilityLine", line)

    # The updated assignment: PUT /planning/assignments/{ID} -> 200 + body.
    updated = wire.copy(assignment)
    old_end, new_end = wire.edit(updated, "periodicPlanningLine/0/endTime", lambda t: t.replace("16:00", "15:00"))
    reply = planning.put(assignment_path, updated)
    assert reply.status == 200, reply
    assert wire.parse(reply) == wire.canon(updated)
    assert reply.headers["ETag"] == '"2"'

    # What the server now holds.
    with_line = wire.copy(other)
    wire.append_line(with_line, "periodicAvailabilityLine", line)
    assert wire.parse(planning.get(constraints_path)) == wire.canon(with_line)
    assert wire.parse(planning.get("/planning/constraints/987654")) == wire.list_form("Constraints", [with_line])
    assert wire.parse(planning.get("/planning/constraints/123456")) == wire.list_form("Constraints", [known])
    assert wire.parse(planning.get(assignment_path)) == wire.canon(updated)

    # History: exactly what the scenario did, by whom, in which SETU version.
    events = history(http, constraints_path)
    assert trail(events) == [
        (
            "Submitted",
            backoffice.actor,
            wire.version,
            {"documentId": {"value": "Constraints_e2e_987654", "schemeAgencyId": "Supplier"}},
        ),
        ("LineAdded", backoffice.actor, wire.version, {"lineId": "periodicplanningline_5", "lineKind": "periodic"}),
    ]
    as_of_matches(planning, constraints_path, events, [wire.canon(other), wire.canon(with_line)])
    line_before = planning.get(f"{constraints_path}/lines/periodicplanningline_5", version=1)
    assert line_before.status == 404 and wire.error_code(line_before) == "SETU-LINE-NOT-FOUND"

    assignment_events = history(http, assignment_path)
    assert trail(assignment_events) == [
        (
            "Submitted",
            planning.actor,
            wire.version,
            {"documentId": {"value": "Assignments_20220912170054727202", "schemeAgencyId": "Customer"}},
        ),
        (
            "Replaced",
            planning.actor,
            wire.version,
            {"diff": [{"element": "periodicPlanningLine[345677]/endTime", "old": old_end, "new": new_end}]},
        ),
    ]
    as_of_matches(planning, assignment_path, assignment_events, [wire.canon(assignment), wire.canon(updated)])

    assert [e["type"] for e in history(http, known_path)] == ["Submitted"]


def test_supplier_planning_system_and_customer_backoffice(wire, http):
    """scenarios/supplier-planning-customer-backoffice.md (diagram 2)."""
    backoffice = Party(http, wire, "backoffice-staffing-customer")
    planning = Party(http, wire, "planning-system-staffing-supplier")

    # The staffing customer has a planning request: POST /planning/requests -> 201.
    request = wire.example("PlanningRequest")
    request_path = created(backoffice.post("/planning/requests", request), wire, "/planning/requests", request)

    # The assignment is notified to the staffing customer: POST /planning/assignments -> 201.
    assignment = wire.example("PlanningAssignment")
    wire.refer_to_request(assignment, request)
    assignment_path = created(
        planning.post("/planning/assignments", assignment), wire, "/planning/assignments", assignment
    )
    reply = backoffice.get(f"{request_path}/assignments")
    assert reply.status == 200 and wire.parse(reply) == wire.list_form("Assignments", [assignment])

    # The customer updates one line of the request: PUT /planning/requests/{id-A}/lines/{lineId} -> 200.
    line = wire.copy(request, "singlePlanningLine/0")
    old_line_end, new_line_end = wire.edit(line, "endDateTime", lambda t: t.replace("T16:00", "T15:00"))
    reply = backoffice.put(f"{request_path}/lines/345678", line)
    assert reply.status == 200, reply
    assert wire.parse(reply) == wire.line_form("singlePlanningLine", line)
    assert reply.headers["ETag"] == '"2"'
    changed_request = wire.copy(request)
    wire.edit(changed_request, "singlePlanningLine/0/endDateTime", new_line_end)
    assert wire.parse(backoffice.get(request_path)) == wire.canon(changed_request)

    # The planning system updates the assignment: PUT /planning/assignments/{id-B} -> 200.
    updated = wire.copy(assignment)
    old_end, new_end = wire.edit(updated, "singlePlanningLine/0/endDateTime", new_line_end)
    reply = planning.put(assignment_path, updated)
    assert reply.status == 200, reply
    assert wire.parse(reply) == wire.canon(updated)

    # The customer cancels the request: DELETE /planning/requests/{id-A} -> 204.
    reply = backoffice.delete(request_path)
    assert reply.status == 204 and reply.body == b"", reply
    # The assignment is cancelled: DELETE /planning/assignments/{id-B} -> 204.
    reply = planning.delete(assignment_path)
    assert reply.status == 204 and reply.body == b"", reply

    for path in (request_path, assignment_path):
        gone = backoffice.get(path)
        assert gone.status == 404 and wire.error_code(gone) == "SETU-CANCELLED", gone

    # History keeps all of it, cancellation included.
    request_events = history(http, request_path)
    assert trail(request_events) == [
        (
            "Submitted",
            backoffice.actor,
            wire.version,
            {"documentId": {"value": "Requests_20220912170054727202", "schemeAgencyId": "Customer"}},
        ),
        (
            "LineReplaced",
            backoffice.actor,
            wire.version,
            {
                "lineId": "345678",
                "diff": [
                    {
                        "element": "singlePlanningLine[345678]/endDateTime",
                        "old": old_line_end,
                        "new": new_line_end,
                    }
                ],
            },
        ),
        ("Cancelled", backoffice.actor, wire.version, {}),
    ]
    as_of_matches(backoffice, request_path, request_events[:2], [wire.canon(request), wire.canon(changed_request)])
    for query in ({"version": 3}, {"asOf": request_events[2]["timestamp"]}):
        reply = backoffice.get(request_path, **query)
        assert reply.status == 404 and wire.error_code(reply) == "SETU-CANCELLED", (query, reply)

    assignment_events = history(http, assignment_path)
    assert trail(assignment_events) == [
        (
            "Submitted",
            planning.actor,
            wire.version,
            {"documentId": {"value": "Assignments_20220912170054727202", "schemeAgencyId": "Customer"}},
        ),
        (
            "Replaced",
            planning.actor,
            wire.version,
            {"diff": [{"element": "singlePlanningLine[345678]/endDateTime", "old": old_end, "new": new_end}]},
        ),
        ("Cancelled", planning.actor, wire.version, {}),
    ]
    as_of_matches(planning, assignment_path, assignment_events[:2], [wire.canon(assignment), wire.canon(updated)])


def test_supplier_planning_system_and_supplier_backoffice(wire, http):
    """scenarios/supplier-planning-supplier-backoffice.md (diagram 1)."""
    backoffice = Party(http, wire, "backoffice-staffing-supplier")
    planning = Party(http, wire, "planning-system-staffing-supplier")

    # The backoffice holds the constraints of the official example (worker 123456).
    known = wire.example("PlanningConstraints")
    known_path = created(backoffice.post("/planning/constraints", known), wire, "/planning/constraints", known)

    # GET availability information for a human resource: GET /planning/constraints -> 200 + PlanningConstraints.
    reply = planning.get("/planning/constraints", hrId="123456")
    assert reply.status == 200, reply
    assert wire.parse(reply) == wire.list_form("Constraints", [known])

    # The backoffice has constraints about another human resource: POST /planning/constraints -> 201.
    other = wire.example("PlanningConstraints")
    wire.edit(other, "documentId/value", "Constraints_e2e_654321")
    wire.edit(other, "worker/workerId/0/value", "654321")
    other_path = created(backoffice.post("/planning/constraints", other), wire, "/planning/constraints", other)

    # Change existing constraints: PUT /planning/constraints/{id-A} -> 200.
    changed = wire.copy(other)
    old_end, new_end = wire.edit(
        changed, "singleAvailabilityLine/1/endDateTime", lambda t: t.replace("2022-10-09", "2022-10-02")
    )
    old_status, new_status = wire.edit(changed, "singleAvailabilityLine/2/availabilityStatus", "RatherNot")
    reply = backoffice.put(other_path, changed)
    assert reply.status == 200, reply
    assert wire.parse(reply) == wire.canon(changed)

    # Information about existing constraints: GET /planning/constraints/{id-A or B} -> 200 + PlanningConstraints.
    for path, expected in ((other_path, changed), (known_path, known)):
        reply = planning.get(path)
        assert reply.status == 200, reply
        assert wire.parse(reply) == wire.canon(expected)
        assert reply.headers["setuVersionId"] == wire.version
    reply = planning.get("/planning/constraints", hrId="654321")
    assert wire.parse(reply) == wire.list_form("Constraints", [changed])

    events = history(http, other_path)
    assert trail(events) == [
        (
            "Submitted",
            backoffice.actor,
            wire.version,
            {"documentId": {"value": "Constraints_e2e_654321", "schemeAgencyId": "Supplier"}},
        ),
        (
            "Replaced",
            backoffice.actor,
            wire.version,
            {
                "diff": [
                    {
                        "element": "singleAvailabilityLine[singplanningline_3]/endDateTime",
                        "old": old_end,
                        "new": new_end,
                    },
                    {
                        "element": "singleAvailabilityLine[singleplanningline_4]/availabilityStatus",
                        "old": old_status,
                        "new": new_status,
                    },
                ]
            },
        ),
    ]
    as_of_matches(planning, other_path, events, [wire.canon(other), wire.canon(changed)])
    assert [e["type"] for e in history(http, known_path)] == ["Submitted"]


# ------------------------------------------------ the store seen from outside
def _constraints_life(party: Party) -> tuple[str, dict[str, Any]]:
    """Submit the official constraints, add a line, change a line, change the message, remove the line."""
    wire = party.wire
    assert wire.fmt == "json"
    message = wire.example("PlanningConstraints")
    path = created(party.post("/planning/constraints", message), wire, "/planning/constraints", message)
    line = wire.copy(message, "periodicAvailabilityLine/0")
    wire.edit(line, "lineId/value", "periodicplanningline_5")
    wire.edit(line, "availabilityPeriod", "Tuesday")
    assert party.post(f"{path}/periodic-lines", line).status == 201
    single = wire.copy(message, "singleAvailabilityLine/2")
    wire.edit(single, "availabilityStatus", "NotAvailable")
    assert party.put(f"{path}/lines/singleplanningline_4", single).status == 200
    # A PUT carrying a list of lines replaces that list: start from what the server holds.
    whole = wire.parse(party.get(path))
    wire.edit(whole, "periodicAvailabilityLine/0/endTime", lambda t: t.replace("16:00", "15:00"))
    assert party.put(path, whole).status == 200
    assert party.delete(f"{path}/lines/periodicplanningline_5").status == 200
    return path, message


def test_history_command_prints_the_events_in_order(spec_dir, server, http, cli_command):
    wire = Wire("2.0", "json", spec_dir)
    party = Party(http, wire, "backoffice-staffing-supplier")
    path, _ = _constraints_life(party)
    events = history(http, path)
    resource_id = path.rsplit("/", 1)[1]

    # Read the SQLite file while the server still has it open.
    run = subprocess.run(
        cli_command("history", "constraints", resource_id, "--db", server.db_url),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert run.returncode == 0, run.stderr
    header, *rows = run.stdout.splitlines()
    assert re.split(r"\s{2,}", header) == [
        "version", "timestamp (UTC)", "event", "actor", "party", "on behalf of", "SETU", "changes"]  # fmt: skip
    table = [re.split(r"\s{2,}", row.rstrip(), maxsplit=7) for row in rows]
    assert [row[:7] for row in table] == [
        [
            str(e["version"]),
            datetime.fromisoformat(e["timestamp"]).strftime("%Y-%m-%d %H:%M:%S.%f"),
            e["type"],
            party.actor,
            e["party"] or "-",
            e["onBehalfOf"] or "-",
            "2.0",
        ]
        for e in events
    ]
    assert [row[7] for row in table] == [
        "documentId Constraints_20220912170054727202",
        "line periodicplanningline_5 (periodic)",
        "line singleplanningline_4: singleAvailabilityLine[singleplanningline_4]/availabilityStatus: "
        "'Available' -> 'NotAvailable'",
        "periodicAvailabilityLine[periodicplanningline_1]/endTime: '16:00:00Z' -> '15:00:00Z'",
        "line periodicplanningline_5",
    ]

    unknown = subprocess.run(
        cli_command("history", "constraints", str(uuid.uuid4()), "--db", server.db_url),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert unknown.returncode == 1
    assert unknown.stderr.startswith("setu-planning: no PlanningConstraints with id"), unknown.stderr
    assert unknown.stdout == ""


def test_restarted_server_on_the_same_file_keeps_everything(spec_dir, start_server):
    wire = Wire("2.0", "json", spec_dir)
    first = start_server()
    assert first.http is not None
    path, message = _constraints_life(Party(first.http, wire, "backoffice-staffing-supplier"))

    def snapshot(http: Http) -> dict[str, Any]:
        party = Party(http, wire, "auditor")
        events = history(http, path)
        current = party.get(path)
        return {
            "current": (current.status, current.headers["ETag"], current.json()),
            "history": events,
            "worker": party.get("/planning/constraints/123456").json(),
            "versions": [party.get(path, version=e["version"]).json() for e in events],
            "as of": [party.get(path, asOf=e["timestamp"]).json() for e in events],
            "line": party.get(f"{path}/lines/singleplanningline_4").json(),
        }

    before = snapshot(first.http)
    assert before["current"][:2] == (200, '"5"')
    first.stop()

    second = start_server(first.db_file)
    assert second.http is not None
    assert snapshot(second.http) == before

    # The document index survived: the first document again is the same resource,
    # answered as the first POST was (version 1), with nothing stored...
    party = Party(second.http, wire, "backoffice-staffing-supplier")
    reply = party.post("/planning/constraints", wire.example("PlanningConstraints"))
    assert reply.status == 201, reply
    assert (reply.headers["Location"], reply.headers["ETag"]) == (path, '"1"')
    # ...and the stream goes on from where it stopped.
    line = wire.copy(message, "periodicAvailabilityLine/0")
    wire.edit(line, "lineId/value", "periodicplanningline_6")
    reply = party.post(f"{path}/periodic-lines", line)
    assert reply.status == 201 and reply.headers["ETag"] == '"6"', reply
    events = history(second.http, path)
    assert events[:5] == before["history"]
    assert [e["type"] for e in events[5:]] == ["LineAdded"]
