"""The HTTP ceiling: a bare Flask app under exactly the server ``setu-planning serve`` runs.

    python benchmarks/bare_flask.py --port 8001 --workers 2 --threads 8 --document FILE.json

``POST /planning/requests`` parses the JSON body and answers it (201, the
parsed document serialised again); ``GET /planning/requests/<id>`` answers a
fixed JSON document (the same example, serialised once). Nothing else: no
authentication, no validation, no store. It is served by
``setu_planning.interface.server.run`` itself, with only the application
factory swapped, so gunicorn's settings (gthread workers, threads, keep-alive,
limits, logging) are those of ``setu-planning serve``: whatever separates the
two figures is the application's own work.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from flask import Flask, Response, request

from setu_planning.interface import server


def create_app(document: bytes) -> Flask:
    app = Flask("bare")

    @app.post("/planning/requests")
    def submit() -> Response:
        message = request.get_json()
        return Response(json.dumps(message), 201, content_type="application/json")

    @app.get("/planning/requests/<resource_id>")
    def get(resource_id: str) -> Response:
        return Response(document, 200, content_type="application/json")

    @app.get("/health")
    def health() -> Response:
        return Response(b'{"status": "ok"}', 200, content_type="application/json")

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--workers", type=int, default=server.default_workers())
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--server", choices=("gunicorn", "waitress"), default="gunicorn")
    parser.add_argument("--document", required=True, help="the JSON document GET answers")
    args = parser.parse_args(argv)
    document = json.dumps(json.loads(Path(args.document).read_bytes())).encode()

    def factory(options: Any) -> Any:
        return lambda: create_app(document)

    server.app_factory = factory  # the only difference from `setu-planning serve`
    options = server.ServeOptions(
        host=args.host,
        port=args.port,
        database="memory://",
        parties_file=None,
        workers=args.workers,
        threads=args.threads,
        server=args.server if server.gunicorn_available() else "waitress",
    )
    print(
        f"bare Flask serving http://{args.host}:{args.port} "
        f"({options.server}, {options.workers} worker processes x {options.threads} threads)",
        flush=True,
    )
    server.run(options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
