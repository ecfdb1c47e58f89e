"""Delivery throughput between two live ``setu-planning serve`` processes, beside what the receiver takes.

One run, on one machine, in rounds:

1. the receiver (``serve --parties``, its own SQLite store) takes POSTs of a
   PlanningRequest from wrk (``-c 8``): its own POST rate, before the first
   round and after each (this machine's speed drifts within a minute; a
   round is measured against the mean of the two wrk runs around it);
2. in each round, 3,000 new requests are written to a new sender store
   through the embedding API while the sender is stopped; then the sender
   (``serve --parties``, naming the receiver with an endpoint) starts and
   delivers them. The rate is counted, as the receiver's is, once the sender
   is live (answers ``/health``): the changes not yet delivered then, over the
   time until its deliveries table shows every one delivered. Following its
   log is included; starting the process (importing, forking its workers,
   opening its store) is not, and is a row of its own, as is the rate counted
   from the process's start.

The ratio of the two says how much of what the receiver can take the sender
actually delivers; the rows are those of the round with the median ratio,
and every round's ratio. ``measure()`` returns the rows; run as a script it
prints them:

    python benchmarks/delivery.py [--changes 3000] [--seconds 10] [--rounds 3]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
sys.path.insert(0, str(HERE.parent / "tests"))

from samples import request  # noqa: E402

MESSAGE: dict[str, Any] = request(documentId={"value": "@@DOCUMENT_ID@@", "schemeAgencyId": "Customer"})
"""The PlanningRequest delivered and POSTed (the tests' sample, supplier OTTO, customer ACME); wrk fills the id."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _hash(token: str) -> str:
    return "sha256:" + hashlib.sha256(token.encode()).hexdigest()


class _Serve:
    def __init__(self, folder: Path, name: str, parties: Path, port: int, env: dict[str, str]):
        self.folder, self.name, self.port = folder, name, port
        self.db = f"sqlite:///{folder / (name + '.sqlite3')}"
        self.argv = [PYTHON, "-m", "setu_planning.interface.cli", "serve", "--port", str(port),
                     "--db", self.db, "--parties", str(parties)]  # fmt: skip
        self.env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        """Start; returns the monotonic time it was started at, once it answers /health."""
        started = time.monotonic()
        log = (self.folder / f"{self.name}.log").open("ab")
        self.process = subprocess.Popen(self.argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                        env=self.env, start_new_session=True)  # fmt: skip
        deadline = started + 60
        while time.monotonic() < deadline:
            try:
                connection = HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", "/health")
                if connection.getresponse().status == 200:
                    return started
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not start; see {self.folder / (self.name + '.log')}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait(10)
        self.process = None


def _wrk_post_rate(url: str, template: Path, token: str, seconds: int) -> float:
    argv = ["wrk", "-t", "2", "-c", "8", "-d", f"{seconds}s", "--timeout", "10s",
            "-s", str(HERE / "wrk" / "post_request.lua"), f"{url}/planning/requests", "--",
            str(template), token, f"wrk-{uuid.uuid4().hex[:8]}"]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 120)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed: {done.stdout[-1000:]}{done.stderr[-1000:]}")
    report = json.loads(line.removeprefix("BENCH_JSON "))
    if sum(report["errors"].values()):
        raise RuntimeError(f"wrk saw errors: {report['errors']}")
    return report["requests"] / (report["duration_us"] / 1e6)


class _Delivered:
    """How many changes the sender's deliveries table shows delivered, read on one open connection.

    Opening the database for every look cost more than the count itself, on
    the cores the two processes measured share.
    """

    def __init__(self, db_file: Path):
        self._db_file = db_file
        self._connection: sqlite3.Connection | None = None

    def __call__(self) -> int:
        try:
            if self._connection is None:
                self._connection = sqlite3.connect(f"file:{self._db_file}?mode=ro", uri=True, timeout=5)
            return self._connection.execute(
                "SELECT count(*) FROM setudelivery_deliveries WHERE status = 'delivered'"
            ).fetchone()[0]
        except sqlite3.OperationalError:
            self.close()
            return 0  # not created yet

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _written(db: str, changes: int) -> None:
    """``changes`` new PlanningRequests in the sender's store, through the embedding API."""
    from setu_planning.application import Caller, PlanningApplication

    app = PlanningApplication(db)
    try:
        for number in range(changes):
            message = json.loads(json.dumps(MESSAGE).replace("@@DOCUMENT_ID@@", f"D-{number}"))
            app.requests.submit(message, by=Caller.local("bench", setu_version="2.0"))
    finally:
        app.close()


def _delivery_round(sender: _Serve, changes: int) -> dict[str, float]:
    """Start the sender on its store of new requests; its rate once live, its start, and from its start."""
    _written(sender.db, changes)
    started = sender.start()
    delivered = _Delivered(sender.folder / f"{sender.name}.sqlite3")
    try:
        live, delivered_before = time.monotonic(), delivered()
        while delivered() < changes:
            if time.monotonic() - started > 600:
                raise RuntimeError(f"only {delivered()} of {changes} delivered in 600 s")
            time.sleep(0.02)
        ended = time.monotonic()
    finally:
        delivered.close()
        sender.stop()
    return {
        "rate": (changes - delivered_before) / (ended - live),
        "start": live - started,
        "from_start": changes / (ended - started),
    }


def measure(changes: int = 3000, seconds: int = 10, rounds: int = 3) -> list[dict[str, Any]]:
    """The two rates and their ratio, as rows ``{"what", "value", "unit"}``.

    ``rounds`` deliveries, each to the same receiver from a sender with a new
    store, with a wrk run before the first and after each: a round's ratio is
    its delivery over the mean of the two wrk runs around it. The rows are the
    round with the median ratio, and every round's ratio: one run of this
    machine can be a tenth faster or slower than the next.
    """
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed")
    folder = Path(tempfile.mkdtemp(prefix="setu-delivery-bench-"))
    tokens = {"acme": uuid.uuid4().hex * 2, "otto": uuid.uuid4().hex * 2}
    ports = {"sender": _free_port(), "receiver": _free_port()}
    receiver_parties = folder / "receiver-parties.toml"
    receiver_parties.write_text(
        '[parties.acme]\nidentifiers = [{ value = "ACME", schemeAgencyId = "Customer" }]\n'
        f'tokens = ["{_hash(tokens["acme"])}"]\n'
    )
    sender_parties = folder / "sender-parties.toml"
    sender_parties.write_text(
        '[parties.otto]\nidentifiers = [{ value = "OTTO", schemeAgencyId = "Customer" }]\n'
        f'endpoint = "http://127.0.0.1:{ports["receiver"]}"\nendpoint_token_env = "OTTO_TOKEN"\n'
    )
    template = folder / "template.json"
    template.write_text(json.dumps(MESSAGE))
    url = f"http://127.0.0.1:{ports['receiver']}"
    receiver = _Serve(folder, "receiver", receiver_parties, ports["receiver"], {})
    senders: list[_Serve] = []
    try:
        receiver.start()
        posts = [_wrk_post_rate(url, template, tokens["acme"], seconds)]
        found = []
        for number in range(1, rounds + 1):
            sender = _Serve(folder, f"sender-{number}", sender_parties, ports["sender"], {"OTTO_TOKEN": tokens["acme"]})
            senders.append(sender)
            delivery = _delivery_round(sender, changes)
            posts.append(_wrk_post_rate(url, template, tokens["acme"], seconds))
            post_rate = (posts[-2] + posts[-1]) / 2
            found.append({**delivery, "post_rate": post_rate, "ratio": delivery["rate"] / post_rate})
    finally:
        for sender in senders:
            sender.stop()
        receiver.stop()
    shutil.rmtree(folder, ignore_errors=True)
    median = sorted(found, key=lambda r: r["ratio"])[len(found) // 2]
    return [
        {
            "what": "receiver POST rate (wrk -c 8, before and after)",
            "value": round(median["post_rate"]),
            "unit": "POST/s",
        },
        {
            "what": f"delivery sender -> receiver ({changes} new requests)",
            "value": round(median["rate"]),
            "unit": "changes/s",
        },  # fmt: skip
        {"what": "delivery / receiver POST rate", "value": round(median["ratio"], 2), "unit": "ratio"},
        {"what": "sender start, until it answers /health", "value": round(median["start"], 2), "unit": "s"},
        {"what": "delivery counted from the sender's start", "value": round(median["from_start"]), "unit": "changes/s"},
        {
            "what": f"ratio of each of {len(found)} rounds",
            "value": ", ".join(f"{r['ratio']:.2f}" for r in found),
            "unit": "ratio",
        },  # fmt: skip
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--changes", type=int, default=3000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for row in measure(args.changes, args.seconds, args.rounds):
        print(f"{row['what']:<50} {row['value']:>10} {row['unit']}")


if __name__ == "__main__":
    main()
