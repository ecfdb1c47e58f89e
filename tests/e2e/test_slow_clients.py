"""Slow clients cannot take the service down: a real ``setu-planning serve`` with its default settings.

A slowloris client opens many connections and sends each a request line and
then one header line a second, never finishing. A server that gives a
request a worker thread before the request has been read is then out of
threads for everyone; ours reads requests whole before a thread takes them,
so ``/health`` and an authenticated GET keep answering. The bound asserted is
behavioural, generous on purpose: the request answers at all, instead of
hanging behind the slow connections (it takes milliseconds).

A refusal sent before the body was read (``413`` for a body over the limit)
must reach the client as that answer, not as a connection reset: the server
reads a bounded remainder of the body before it closes (a lingering close).
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from http.client import HTTPConnection

import pytest
from samples import request

from setu_planning.interface.parties import token_hash

pytestmark = pytest.mark.e2e

SLOW_CONNECTIONS = 200
ANSWERS_WITHIN = 2.0
"""Seconds a request may take while the slow connections are open: it answers, it does not hang."""
MiB = 1024 * 1024


@pytest.fixture
def served(start_server, tmp_path):
    """``serve --parties FILE`` with its defaults, one party ``acme`` with a token, one request stored."""
    token = f"acme-{uuid.uuid4().hex}{uuid.uuid4().hex}"
    parties = tmp_path / "parties.toml"
    parties.write_text(
        "[parties.acme]\n"
        'identifiers = [{ value = "ACME", schemeAgencyId = "Customer" }]\n'
        f'tokens = ["{token_hash(token)}"]\n'
    )
    server = start_server(tmp_path / "slow.sqlite3", args=["--parties", str(parties)])
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "setuVersionId": "2.0"}
    created = server.http.request("POST", "/planning/requests", json.dumps(request()).encode(), headers)
    assert created.status == 201, created
    return server, headers, created.headers["Location"]


class Slowloris:
    """Connections that each send a request line, then one header line a second, and never finish."""

    def __init__(self, host: str, port: int, count: int):
        self.address = (host, port)
        self.count = count
        self.sockets: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._drip, daemon=True)

    def __enter__(self) -> Slowloris:
        for number in range(self.count):
            connection = socket.create_connection(self.address, timeout=5)
            connection.sendall(f"GET /health?slow={number} HTTP/1.1\r\nHost: x\r\n".encode())
            connection.setblocking(False)
            self.sockets.append(connection)
        self._thread.start()
        return self

    def _drip(self) -> None:
        line = 0
        while not self._stop.wait(1.0):
            line += 1
            for connection in self.sockets:
                try:
                    connection.send(f"X-Slow-{line}: {line}\r\n".encode())
                except OSError:
                    pass  # the server may close a connection that is too slow: its right

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        for connection in self.sockets:
            connection.close()


def timed_get(server, path: str, headers: dict[str, str] | None = None) -> tuple[int, float]:
    """(status, seconds) of one GET on a fresh connection; a hang ends in the 15 s socket timeout."""
    started = time.monotonic()
    connection = HTTPConnection(server.http.host, server.http.port, timeout=15)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status, time.monotonic() - started
    except TimeoutError:
        return 0, time.monotonic() - started
    finally:
        connection.close()


def test_health_and_an_authenticated_get_answer_while_200_slow_connections_are_open(served):
    server, headers, location = served
    with Slowloris(server.http.host, server.http.port, SLOW_CONNECTIONS):
        time.sleep(2.5)  # every slow connection has sent a few header lines
        answers = []
        for _ in range(5):
            answers.append(("/health", *timed_get(server, "/health")))
            answers.append((location, *timed_get(server, location, {"Authorization": headers["Authorization"]})))
    print(f"slowest of {len(answers)} answers: {max(seconds for *_, seconds in answers):.3f} s")
    for path, status, seconds in answers:
        assert status == 200 and seconds < ANSWERS_WITHIN, (path, status, f"{seconds:.2f} s", answers)


def post_over_the_limit(server, authorization: str, size: int) -> bytes:
    """POST a body of ``size`` bytes whole, then read whatever the server answers (b'' on a reset)."""
    body = b'{"documentId": "' + b"x" * (size - 20) + b'"}'
    head = (
        "POST /planning/requests HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Authorization: {authorization}\r\n"
        f"setuVersionId: 2.0\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    answer = b""
    with socket.create_connection((server.http.host, server.http.port), timeout=15) as connection:
        try:
            connection.sendall(head + body)
            while block := connection.recv(65536):
                answer += block
        except (ConnectionResetError, BrokenPipeError):
            pass
    return answer


def test_a_body_over_the_limit_is_answered_413_not_reset(served):
    server, headers, _ = served
    answers = [post_over_the_limit(server, headers["Authorization"], int(1.1 * MiB)) for _ in range(10)]
    for answer in answers:
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 413"), [a[:60] for a in answers]
        assert json.loads(body)["code"] == "HTTP-413"
