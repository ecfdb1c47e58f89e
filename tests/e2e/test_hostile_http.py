"""Hostile requests against a real ``setu-planning serve``: a clear 4xx, nothing stored, a healthy server.

Each case is sent over a raw socket (so malformed framing reaches the
server as sent) and answered within the stated budget.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid

import pytest
from samples import request
from servers import ServerProcess

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server for the module: hostile requests must not disturb it for the next one."""
    folder = tmp_path_factory.mktemp("hostile")
    process = ServerProcess(folder / "hostile.sqlite3", folder)
    process.start()
    yield process
    process.stop()
    assert "Traceback" not in process.stderr(), process.stderr()


@pytest.fixture
def nothing_stored(server):
    """Asserts, after the test, that the store holds no more events than before it."""
    before = stored_events(server)
    yield
    assert stored_events(server) == before


BUDGET = 10.0
"""Seconds any hostile request may take to be answered (they take milliseconds)."""

MiB = 1024 * 1024


def raw(server, data: bytes, *, chunks: list[bytes] | None = None) -> tuple[int, bytes]:
    """Send bytes as they are; return (status, body)."""
    answer = b""
    with socket.create_connection((server.http.host, server.http.port), timeout=BUDGET) as connection:
        try:
            for part in (data, *(chunks or ())):
                connection.sendall(part)
            connection.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server answered before reading everything, and closed: its answer is what counts
        try:
            while block := connection.recv(65536):
                answer += block
        except ConnectionResetError:
            pass
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def post_head(path: str, length: int | None, *extra: str) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: x", "Content-Type: application/json", "setuVersionId: 2.0", *extra]
    lines.append(f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def stored_events(server) -> int:
    from setu_planning.application import PlanningApplication

    app = PlanningApplication(server.db_url)
    try:
        return len(app.recorder.select_notifications(start=1, limit=1_000_000))
    finally:
        app.close()


def test_a_body_over_the_limit_is_413_and_stores_nothing(server, nothing_stored):
    body = b'{"documentId": "' + b"x" * (2 * MiB) + b'"}'
    status, answer = raw(server, post_head("/planning/requests", len(body)) + body)
    assert status == 413
    assert json.loads(answer)["code"] == "HTTP-413"


def test_a_chunked_body_without_a_length_is_limited_too(server, nothing_stored):
    piece = b"x" * 65536
    chunk = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    status, answer = raw(server, post_head("/planning/requests", None), chunks=[chunk] * 40 + [b"0\r\n\r\n"])
    assert status in (400, 413), answer


def test_a_chunked_body_within_the_limit_is_accepted(server):
    body = json.dumps(request(documentId={"value": "CHUNKED", "schemeAgencyId": "Customer"})).encode()
    chunks = [
        f"{len(body[i : i + 100]):x}\r\n".encode() + body[i : i + 100] + b"\r\n" for i in range(0, len(body), 100)
    ]
    status, answer = raw(server, post_head("/planning/requests", None), chunks=[*chunks, b"0\r\n\r\n"])
    assert status == 201, answer


@pytest.mark.parametrize(
    "path",
    [
        "/planning/requests/%ZZ",
        "/planning/requests/%",
        "/planning/requests/%C0%AF",
        "/planning/requests/%00",
        "/planning/requests/" + "a" * 5000,
        f"/planning/requests/{uuid.uuid4()}/lines/%2F%2E%2E",
        f"/planning/requests/{uuid.uuid4()}//lines/x",
    ],
)
def test_broken_or_odd_paths_are_a_clear_4xx(server, path):
    status, answer = raw(server, f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert 400 <= status < 500, (status, answer)
    if status == 404:
        assert json.loads(answer)["code"], answer


def test_an_odd_worker_id_is_just_a_worker_without_constraints(server):
    status, answer = raw(server, b"GET /planning/constraints/%FF%FE HTTP/1.1\r\nHost: x\r\n\r\n")
    assert (status, json.loads(answer)) == (200, [])


@pytest.mark.parametrize(
    "value", ["xyz", '"unterminated', "W/", '"1", garbage', "\u00e9t\u00e9", '"' + "9" * 400 + '"', "*,*"]
)
def test_a_garbage_if_match_is_a_4xx_and_changes_nothing(server, value):
    location = server.http.request(
        "POST",
        "/planning/requests",
        json.dumps(request()).encode(),
        {"Content-Type": "application/json", "setuVersionId": "2.0"},
    ).headers["Location"]
    head = (
        f"DELETE {location} HTTP/1.1\r\nHost: x\r\nsetuVersionId: 2.0\r\nIf-Match: ".encode()
        + value.encode("utf-8")
        + b"\r\n\r\n"
    )
    status, answer = raw(server, head)
    assert status in (400, 412), (status, answer)
    assert server.http.request("GET", location).status == 200


@pytest.mark.parametrize(
    "moment",
    [
        "0001-01-01T00:00:00%2B14:00",
        "0001-01-01T00:00:00-14:00",
        "9999-12-31T23:59:59-14:00",
        "9999-12-31T23:59:59.999999%2B14:00",
        "2026-13-45T25:61:61Z",
        "2026-01-01T00:00:00%2B99:99",
        "not-a-date",
        "",
    ],
)
def test_extreme_or_broken_as_of_moments_are_answered_without_a_server_error(server, moment):
    location = server.http.request(
        "POST",
        "/planning/requests",
        json.dumps(request()).encode(),
        {"Content-Type": "application/json", "setuVersionId": "2.0"},
    ).headers["Location"]
    reply = server.http.request("GET", f"{location}?asOf={moment}")
    assert reply.status in (200, 400, 404), reply
    if moment.startswith("0001"):
        assert reply.status == 404, "before the calendar's start nothing existed yet"
    if moment.startswith("9999"):
        assert reply.status == 200 and reply.json() == request()


def test_the_server_stays_healthy_for_others_while_one_client_sends_hostile_bodies(server, nothing_stored):
    stop = threading.Event()
    bodies = [
        json.dumps({"periodicPlanningLine": [{}] * 20_000}).encode(),
        b"[" * 100_000,
        b'{"a": ' * 50_000,
        b"\xff\xfe" * 1000,
        json.dumps(request(requestComments=["\u0001" * 10_000])).encode(),
    ]
    answered: list[int] = []

    def attack() -> None:
        while not stop.is_set():
            for body in bodies:
                answered.append(raw(server, post_head("/planning/requests", len(body)) + body)[0])

    attacker = threading.Thread(target=attack)
    attacker.start()
    try:
        latencies = []
        for _ in range(20):
            started = time.monotonic()
            assert server.http.request("GET", "/health").status == 200
            latencies.append(time.monotonic() - started)
            time.sleep(0.05)
    finally:
        stop.set()
        attacker.join(BUDGET * 3)
    assert answered and all(400 <= status < 500 for status in answered), set(answered)
    print(f"health answered in at most {max(latencies) * 1000:.1f} ms during {len(answered)} hostile posts")
