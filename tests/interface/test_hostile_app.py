"""Generated hostile requests against the Flask app: never a server error, and a refusal stores nothing.

Budget: derandomized, 250 examples per test (about 10 s in all), against an
in-memory store; the codecs' own property tests are in test_wire_properties.py.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from samples import constraints, request, single_planning_line
from support import TestPlanningApplication

from setu_planning.interface.http import create_app

BUDGET = settings(
    max_examples=250,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=40,
)


@st.composite
def mutated(draw: st.DrawFn, message: dict) -> bytes:
    """A valid message with one element replaced, removed or added."""
    copy = json.loads(json.dumps(message))
    holder, key = copy, None
    while isinstance(holder, (dict, list)) and holder:
        keys = list(holder.keys()) if isinstance(holder, dict) else list(range(len(holder)))
        key = draw(st.sampled_from(keys))
        if not isinstance(holder[key], (dict, list)) or draw(st.booleans()):
            break
        holder = holder[key]
    action = draw(st.sampled_from(["replace", "delete", "add"]))
    if action == "replace" and key is not None:
        holder[key] = draw(json_values)
    elif action == "delete" and isinstance(holder, dict) and key is not None:
        del holder[key]
    elif isinstance(holder, dict):
        holder[draw(st.text(max_size=10))] = draw(json_values)
    return json.dumps(copy).encode()


bodies = st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda value: json.dumps(value).encode()),
    mutated(request()),
    mutated(constraints()),
    mutated(single_planning_line()),
    st.text(max_size=200).map(lambda text: f"<PlanningRequest>{text}</PlanningRequest>".encode("utf-8", "replace")),
)
header_values = st.one_of(st.none(), st.text(max_size=40).filter(lambda t: "\n" not in t and "\r" not in t))
content_types = st.sampled_from(
    ["application/json", "application/xml", "text/xml", "application/json; charset=latin-1", "text/plain", ""]
)


@pytest.fixture
def app():
    planning = TestPlanningApplication("memory://")
    flask_app = create_app(planning)
    flask_app.extensions["planning_for_test"] = planning
    yield flask_app
    planning.close()


def events(flask_app) -> int:
    return len(flask_app.extensions["planning_for_test"].recorder.select_notifications(start=1, limit=1_000_000))


def headers(content_type: str, version: str | None, if_match: str | None, accept: str | None) -> dict[str, str]:
    found = {"Content-Type": content_type}
    for name, value in (("setuVersionId", version), ("If-Match", if_match), ("Accept", accept)):
        if value is not None:
            found[name] = value
    return found


@BUDGET
@given(
    body=bodies,
    content_type=content_types,
    version=st.one_of(st.sampled_from(["2.0", "1.0"]), header_values),
    path=st.sampled_from(["/planning/requests", "/planning/assignments", "/planning/constraints"]),
)
def test_hostile_posts_never_fail_the_server_and_refusals_store_nothing(app, body, content_type, version, path):
    client = app.test_client()
    before = events(app)
    reply = client.post(path, data=body, headers=headers(content_type, version, None, None))
    assert reply.status_code < 500, reply.get_data()
    if reply.status_code >= 400:
        assert events(app) == before
        assert set(reply.get_json()) == {"code", "description"}


@BUDGET
@given(
    body=bodies,
    content_type=content_types,
    version=st.one_of(st.just("2.0"), header_values),
    if_match=header_values,
    accept=header_values,
    operation=st.sampled_from(
        [
            ("PUT", ""),
            ("POST", "/periodic-lines"),
            ("POST", "/single-lines"),
            ("PUT", "/lines/P1"),
            ("DELETE", "/lines/P1"),
            ("DELETE", ""),
            ("GET", ""),
            ("GET", "/lines/P1"),
            ("GET", "/history"),
        ]
    ),  # fmt: skip
    query=st.one_of(
        st.just(""),
        st.text(max_size=30).map(lambda t: "?asOf=" + t),
        st.text(max_size=10).map(lambda t: "?version=" + t),
    ),
)
def test_hostile_changes_and_reads_of_a_resource_never_fail_the_server(
    app, body, content_type, version, if_match, accept, operation, query
):
    client = app.test_client()
    location = client.post("/planning/requests", json=request(), headers={"setuVersionId": "2.0"}).headers["Location"]
    method, suffix = operation
    before = events(app)
    reply = client.open(
        location + suffix + query, method=method, data=body, headers=headers(content_type, version, if_match, accept)
    )
    assert reply.status_code < 500, reply.get_data()
    if reply.status_code >= 400:
        assert events(app) == before
