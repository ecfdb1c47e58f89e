"""A counterparty that misbehaves on purpose: a real HTTP server on 127.0.0.1, written at the byte level.

Real counterparties are other companies' servers: slow, broken, overloaded,
occasionally hostile. This one can be each of those, per mode: set
``counterparty.mode`` (for every request) or ``counterparty.modes[path
prefix]`` (for requests under one path). ``good`` is a small well-behaved
SETU server that keeps what it is sent, so the same process can stand for
the good party and the bad one.

Modes:

``good``               201 with ``Location: /planning/{kind}/{new id}``, 200 / 204 for PUT / DELETE,
                       GET answers what was stored (404 otherwise)
``hang``               accepts the request and never answers
``drip``               answers 201, one byte a second
``huge-body``          201 with a 50 MB body
``endless-chunked``    201 with a chunked body that never ends
``location-dotdot``    201 with ``Location: /planning/{kind}/%2E%2E``
``location-outside``   201 with ``Location: /latest/meta-data/iam/security-credentials/ev-49``
``redirect``           307 to another path of the same server
``retry-after-huge``   429 with ``Retry-After: 99999999999999``
``retry-after-date``   429 with ``Retry-After: Fri, 31 Dec 9999 23:59:59 GMT``
``huge-header``        201 with one header of 1 MB
``many-headers``       201 with 500 headers
``no-document-id``     GET answers 200 with messages (or a message) without ``documentId``
``server-error``       503
"""

from __future__ import annotations

import json
import socketserver
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

MODES = (
    "good", "hang", "drip", "huge-body", "endless-chunked", "location-dotdot", "location-outside", "redirect",
    "retry-after-huge", "retry-after-date", "huge-header", "many-headers", "no-document-id", "server-error",
)  # fmt: skip
MAX_REQUEST = 4 * 1024 * 1024


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    mode: str


@dataclass
class HostileCounterparty:
    """The server's state: its address, what it does now, what it received and stored."""

    host: str
    port: int
    mode: str = "good"
    modes: dict[str, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    stored: dict[str, bytes] = field(default_factory=dict)
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def mode_for(self, path: str) -> str:
        for prefix, mode in sorted(self.modes.items(), key=lambda item: -len(item[0])):
            if path.startswith(prefix):
                return mode
        return self.mode

    def requests_in(self, mode: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.mode == mode]


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        counterparty = self.server.counterparty
        self.request.settimeout(30)
        try:
            while not counterparty.stopping.is_set():
                received = self._read(counterparty)
                if received is None:
                    return
                with counterparty.lock:
                    counterparty.received.append(received)
                if not self._answer(counterparty, received):
                    return
        except OSError:
            return  # the client gave up on us: that is the point of most modes

    def _read(self, counterparty: HostileCounterparty) -> Received | None:
        data = b""
        while b"\r\n\r\n" not in data:
            block = self.request.recv(65536)
            if not block:
                return None
            data += block
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = min(int(headers.get("content-length", "0") or 0), MAX_REQUEST)
        while len(rest) < length:
            block = self.request.recv(65536)
            if not block:
                return None
            rest += block
        return Received(method, path, headers, rest[:length], counterparty.mode_for(path))

    def _send(self, status: str, headers: list[tuple[str, str]], body: bytes = b"") -> None:
        head = f"HTTP/1.1 {status}\r\n" + "".join(f"{n}: {v}\r\n" for n, v in headers)
        if not any(n.lower() in ("content-length", "transfer-encoding") for n, _ in headers):
            head += f"Content-Length: {len(body)}\r\n"
        self.request.sendall(head.encode("latin-1") + b"\r\n" + body)

    def _answer(self, counterparty: HostileCounterparty, received: Received) -> bool:
        """Answer one request; False when the connection must end."""
        mode = received.mode
        kind = received.path.split("?", 1)[0].split("/")[2] if received.path.startswith("/planning/") else "requests"
        json_type = ("Content-Type", "application/json")
        if mode == "good":
            return self._good(counterparty, received, kind)
        if mode == "hang":
            counterparty.stopping.wait(120)
            return False
        if mode == "drip":
            self.request.sendall(b"H")
            for byte in b"TTP/1.1 201 Created\r\nLocation: /planning/x/y\r\nContent-Length: 2\r\n\r\n{}":
                if counterparty.stopping.wait(1.0):
                    return False
                self.request.sendall(bytes([byte]))
            return False
        if mode == "huge-body":
            self._send("201 Created", [json_type, ("Location", f"/planning/{kind}/{uuid.uuid4()}"),
                                       ("Content-Length", str(50 * 1024 * 1024))])  # fmt: skip
            block = b" " * 65536
            for _ in range(50 * 16):
                self.request.sendall(block)
            return False
        if mode == "endless-chunked":
            self._send("201 Created", [json_type, ("Location", f"/planning/{kind}/{uuid.uuid4()}"),
                                       ("Transfer-Encoding", "chunked")])  # fmt: skip
            chunk = b"10000\r\n" + b" " * 65536 + b"\r\n"
            while not counterparty.stopping.is_set():
                self.request.sendall(chunk)
            return False
        if mode == "location-dotdot":
            self._send("201 Created", [json_type, ("Location", f"/planning/{kind}/%2E%2E")], received.body)
        elif mode == "location-outside":
            location = "/latest/meta-data/iam/security-credentials/ev-49"
            self._send("201 Created", [json_type, ("Location", location)], received.body)
        elif mode == "redirect":
            self._send("307 Temporary Redirect", [("Location", "/elsewhere" + received.path)])
        elif mode == "retry-after-huge":
            self._send("429 Too Many Requests", [json_type, ("Retry-After", "99999999999999")], b'{"code": "slow"}')
        elif mode == "retry-after-date":
            date = "Fri, 31 Dec 9999 23:59:59 GMT"
            self._send("429 Too Many Requests", [json_type, ("Retry-After", date)], b'{"code": "slow"}')
        elif mode == "huge-header":
            self._send("201 Created", [json_type, ("Location", f"/planning/{kind}/{uuid.uuid4()}"),
                                       ("X-Padding", "x" * (1024 * 1024))], received.body)  # fmt: skip
        elif mode == "many-headers":
            headers = [json_type, ("Location", f"/planning/{kind}/{uuid.uuid4()}")]
            headers += [(f"X-Many-{n}", "x") for n in range(500)]
            self._send("201 Created", headers, received.body)
        elif mode == "no-document-id":
            body = b'[{"hrId": "123456"}]' if "?" in received.path else b'{"hrId": "123456"}'
            self._send("200 OK", [json_type], body)
        elif mode == "server-error":
            self._send("503 Service Unavailable", [json_type], b'{"code": "down", "description": "down"}')
        else:
            raise ValueError(f"unknown mode {mode!r}")
        return True

    def _good(self, counterparty: HostileCounterparty, received: Received, kind: str) -> bool:
        json_type = ("Content-Type", "application/json")
        path = received.path.split("?", 1)[0]
        if received.method == "POST" and path.count("/") == 2:
            remote = str(uuid.uuid4())
            with counterparty.lock:
                counterparty.stored[f"/planning/{kind}/{remote}"] = received.body
            self._send("201 Created", [json_type, ("Location", f"/planning/{kind}/{remote}")], received.body)
        elif received.method == "GET":
            with counterparty.lock:
                body = counterparty.stored.get(path)
            if body is None:
                self._send("404 Not Found", [json_type], b'{"code": "HTTP-404", "description": "not here"}')
            else:
                self._send("200 OK", [json_type], body)
        elif received.method == "PUT" and path.count("/") == 3:
            with counterparty.lock:
                counterparty.stored[path] = received.body
            self._send("200 OK", [json_type], received.body)
        elif received.method == "DELETE":
            self._send("204 No Content", [])
        else:
            self._send("200 OK", [json_type], received.body)
        return True


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    counterparty: HostileCounterparty


def start_hostile_counterparty() -> tuple[HostileCounterparty, _Server]:
    server = _Server(("127.0.0.1", 0), _Handler)
    counterparty = HostileCounterparty("127.0.0.1", server.server_address[1])
    server.counterparty = counterparty
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return counterparty, server


def stop_hostile_counterparty(counterparty: HostileCounterparty, server: _Server) -> None:
    counterparty.stopping.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def hostile_counterparty() -> Iterator[HostileCounterparty]:
    counterparty, server = start_hostile_counterparty()
    try:
        yield counterparty
    finally:
        stop_hostile_counterparty(counterparty, server)


def wait_for(check, what: str, timeout: float = 30.0):  # noqa: ANN001 - a predicate
    deadline = time.monotonic() + timeout
    while not (found := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.05)
    return found


if __name__ == "__main__":  # run by hand: python tests/exchange/hostile_counterparty.py MODE
    import sys

    state, running = start_hostile_counterparty()
    state.mode = sys.argv[1] if len(sys.argv) > 1 else "good"
    print(json.dumps({"base_url": state.base_url, "mode": state.mode}), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        stop_hostile_counterparty(state, running)
