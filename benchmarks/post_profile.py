"""What one POST costs, part by part: timed in process on the official example.

    python benchmarks/post_profile.py --db sqlite:///FILE --message EXAMPLE.json --parties FILE --token T [--json]

Each part is timed alone, ``--repeats`` times with a new documentId each time,
as CPU (``time.process_time``) and wall time (``time.perf_counter``); the
figures are medians. The parts nest, so the cost of what lies between two
of them is a difference of medians:

- decode: the strict JSON decoding of the body (the codec the route uses);
- schema: the structure against the SETU 2.0 schema (pydantic);
- rules: the business rules on the validated message;
- submit on memory: ``app.requests.submit`` on an in-memory store: schema,
  rules, the aggregate and its event, the document key and claim check, the
  encoding of the event and the current-state row, the in-memory recorder;
  minus schema and rules, the aggregate's share;
- submit on the store: the same on ``--db``; minus the memory figure, the
  store's transaction and commit (SQLite: its WAL sync, ``synchronous = FULL``);
- the WSGI call: the whole POST through the Flask app ``serve`` runs
  (authentication with ``--token`` against ``--parties``), without a server;
  minus decode and submit, routing, authentication and the answer;
- bare WSGI: the same POST through ``bare_flask.py``'s app, the ceiling's
  in-process cost; what the ceiling's server CPU per request adds to it is
  the server's own (gunicorn: sockets, HTTP parsing, threads).
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bare_flask import create_app as bare_app  # noqa: E402

from setu_planning.application import PlanningApplication  # noqa: E402
from setu_planning.domain.messages import MessageKind, check_business_rules, validate_structure  # noqa: E402
from setu_planning.interface import wire  # noqa: E402
from setu_planning.interface.http import create_app  # noqa: E402
from setu_planning.interface.parties import load_parties  # noqa: E402

KIND = MessageKind.REQUEST
REPEATS = 500
WARMUP = 20
PATH = "/planning/requests"


def timed(call: Callable[[int], Any], repeats: int) -> dict[str, float]:
    """Median CPU and wall milliseconds of ``call(n)`` for n in range(repeats), after a warm-up."""
    for n in range(WARMUP):
        call(-1 - n)
    cpu, wall = [], []
    for n in range(repeats):
        cpu0, wall0 = time.process_time(), time.perf_counter()
        call(n)
        cpu1, wall1 = time.process_time(), time.perf_counter()
        cpu.append((cpu1 - cpu0) * 1000)
        wall.append((wall1 - wall0) * 1000)
    return {"cpu_ms": statistics.median(cpu), "wall_ms": statistics.median(wall)}


def _environ(body: bytes, token: str | None) -> dict[str, Any]:
    """A WSGI environ as gunicorn hands it to the app for the POST."""
    environ = {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": PATH,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_SETUVERSIONID": "2.0",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return environ


def wsgi_post(app: Any, body: bytes, token: str | None, expect: int) -> None:
    """One POST through a WSGI app, its answer read to the end."""
    statuses: list[str] = []
    answer = app(_environ(body, token), lambda status, headers, exc_info=None: statuses.append(status))
    try:
        b"".join(answer)
    finally:
        getattr(answer, "close", lambda: None)()
    if not statuses or not statuses[0].startswith(str(expect)):
        raise RuntimeError(f"POST answered {statuses[:1]}, not {expect}")


def measure(url: str, message: dict[str, Any], parties: str, token: str, repeats: int = REPEATS) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8]

    def document(stage: str, n: int) -> dict[str, Any]:
        return {**message, "documentId": {**message["documentId"], "value": f"PROFILE-{tag}-{stage}-{n}"}}

    def body(stage: str, n: int) -> bytes:
        return json.dumps(document(stage, n)).encode()

    bodies = {stage: {n: body(stage, n) for n in range(-WARMUP, repeats)} for stage in ("decode", "wsgi", "bare")}
    data = wire.decode_message(bodies["decode"][0], wire.JSON, KIND, "2.0")
    model = validate_structure(KIND, data)
    memory, store = PlanningApplication("memory://"), PlanningApplication(url)
    try:
        app = create_app(store, parties=load_parties(parties))
        ceiling = bare_app(json.dumps(message).encode())
        parts = {
            "decode": timed(lambda n: wire.decode_message(bodies["decode"][n], wire.JSON, KIND, "2.0"), repeats),
            "schema": timed(lambda n: validate_structure(KIND, data), repeats),
            "rules": timed(lambda n: check_business_rules(KIND, model), repeats),
            "submit_memory": timed(lambda n: memory.requests.submit(document("memory", n)), repeats),
            "submit_store": timed(lambda n: store.requests.submit(document("store", n)), repeats),
            "wsgi": timed(lambda n: wsgi_post(app, bodies["wsgi"][n], token, 201), repeats),
            "bare_wsgi": timed(lambda n: wsgi_post(ceiling, bodies["bare"][n], None, 201), repeats),
        }
    finally:
        memory.close()
        store.close()
    return {"repeats": repeats, "parts": parts, "derived": derive(parts)}


def derive(parts: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """The shares between nested parts: differences of the measured medians."""

    def minus(whole: str, *less: str) -> dict[str, float]:
        return {k: parts[whole][k] - sum(parts[p][k] for p in less) for k in ("cpu_ms", "wall_ms")}

    return {
        "aggregate": minus("submit_memory", "schema", "rules"),
        "store": minus("submit_store", "submit_memory"),
        "http": minus("wsgi", "decode", "submit_store"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="the store to submit to (sqlite:///FILE, postgresql://...)")
    parser.add_argument("--message", required=True, help="the PlanningRequest (JSON) to POST")
    parser.add_argument("--parties", required=True, help="a parties file naming a party of the message")
    parser.add_argument("--token", required=True, help="that party's bearer token")
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = measure(args.db, json.loads(Path(args.message).read_text()), args.parties, args.token, args.repeats)
    if args.json:
        print(json.dumps(result))
        return 0
    for name, figures in {**result["parts"], **result["derived"]}.items():
        print(f"{name:<14} cpu {figures['cpu_ms']:.3f} ms  wall {figures['wall_ms']:.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
