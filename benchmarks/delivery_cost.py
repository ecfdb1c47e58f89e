"""What one delivery costs the sender, part by part: its bookkeeping, and its HTTP client.

    python benchmarks/delivery_cost.py [--changes 2000] [--posts 1000]

1. **Bookkeeping**: ``changes`` new requests are written to a fresh SQLite
   store; a :class:`DeliveryApplication` then follows the log and delivers
   them through a transport that renders each body and answers "created" at
   once. The figure is the process's CPU per change: following the log,
   owing the change, reading the head, building and rendering the change,
   recording the outcome.
2. **HTTP client**: ``posts`` creates sent by the SETU client to a plain
   HTTP server on 127.0.0.1 that answers 201 with the body sent (a server
   thread of this process); the figure is the sending thread's CPU per POST.

Both are CPU time, so they move less than throughput on a shared machine.
"""

from __future__ import annotations

import argparse
import http.server
import json
import socketserver
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from samples import request  # noqa: E402

from setu_planning.application import Caller, PlanningApplication  # noqa: E402
from setu_planning.application.delivery import DeliveryApplication, Outcome  # noqa: E402
from setu_planning.domain.messages import MessageKind  # noqa: E402
from setu_planning.domain.parties import Party, PartyIdentifier  # noqa: E402
from setu_planning.interface.client.setu_client import SetuClient  # noqa: E402
from setu_planning.interface.codecs.wire import JSON, Encoder  # noqa: E402

OTTO = Party("otto", frozenset({PartyIdentifier("OTTO", "Customer")}))


def _message(number: int) -> dict:
    message = request()
    message["documentId"] = {"value": f"D-{number}", "schemeAgencyId": "Customer"}
    message["supplier"] = {"id": [{"value": "OTTO", "schemeAgencyId": "Customer"}]}
    return message


class _Rendering:
    """A transport that renders the body as the client would, and answers created at once."""

    def __init__(self) -> None:
        self.encoder, self.sent = Encoder(JSON, "2.0"), 0

    def send(self, change):
        self.encoder.message(MessageKind.REQUEST, change.message)
        self.sent += 1
        return Outcome.ok(f"R-{self.sent}")


def bookkeeping_ms(changes: int) -> float:
    """The sender's CPU per change without HTTP, in ms."""
    folder = Path(tempfile.mkdtemp(prefix="setu-delivery-cost-"))
    planning = PlanningApplication(f"sqlite:///{folder / 'sender.sqlite3'}")
    delivery = DeliveryApplication(planning, [OTTO])
    try:
        for number in range(changes):
            planning.requests.submit(_message(number), by=Caller.local("bench", setu_version="2.0"))
        transport = _Rendering()
        started = time.process_time()
        while delivery.run_once(transport, wait=True):
            pass
        spent = time.process_time() - started
        if transport.sent != changes:
            raise RuntimeError(f"sent {transport.sent} of {changes}")
        return spent / changes * 1000
    finally:
        delivery.close()
        planning.close()


class _Created(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802 - the standard library's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(201)
        self.send_header("Location", "/planning/requests/R-1")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def client_ms(posts: int) -> float:
    """The SETU client's CPU per create against a plain local server, in ms (the sending thread's)."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Created)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    message = json.loads(json.dumps(_message(1)))
    try:
        with SetuClient(f"http://127.0.0.1:{server.server_address[1]}", token="t" * 64) as client:
            client.requests.create(message)  # the connection is made outside the timing
            started = time.thread_time()
            for _ in range(posts):
                client.acting_for("bench").requests.create(message)
            return (time.thread_time() - started) / posts * 1000
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--changes", type=int, default=2000)
    parser.add_argument("--posts", type=int, default=1000)
    args = parser.parse_args()
    print(f"{'sender bookkeeping per change (no HTTP), CPU':<48} {bookkeeping_ms(args.changes):>8.2f} ms")
    print(f"{'SETU client per create (local server), CPU':<48} {client_ms(args.posts):>8.2f} ms")


if __name__ == "__main__":
    main()
