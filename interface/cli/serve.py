"""``setu-planning serve``: refuse to expose an open service, check the store, then run the worker processes."""

from __future__ import annotations

import argparse
import os
import sys

from setu_planning.application.persistence import database_url

from ..http.server import ServeOptions, ServeRefused, check_exposure, gunicorn_available
from ..node import load_directory
from ..node import serve as serve_nodes
from ..parties import PARTIES_VARIABLE, PartiesFileError
from .store import open_store


def serve(args: argparse.Namespace) -> int:
    """Run the API; refuse to expose an open service beyond loopback."""
    url = database_url(args.db)
    parties_file = args.parties or os.environ.get(PARTIES_VARIABLE) or None
    try:
        parties = load_directory(parties_file)
        check_exposure(args.host, parties)
    except (PartiesFileError, OSError, ServeRefused) as error:
        print(f"setu-planning: {error}", file=sys.stderr)
        return 2
    planning = open_store(url, must_exist=False)  # fail here, plainly, rather than in every worker
    if planning is None:
        return 2
    planning.close()
    workers = args.workers
    if url.startswith("memory:") and workers > 1:
        print("setu-planning: memory:// lives in one process: serving with 1 worker", file=sys.stderr)
        workers = 1
    options = ServeOptions(
        host=args.host,
        port=args.port,
        database=url,
        parties_file=parties_file,
        workers=workers,
        threads=args.threads,
        server=args.server if gunicorn_available() else "waitress",
    )
    if parties is None:
        print(
            "setu-planning: OPEN DEVELOPMENT MODE: no parties file, so no authentication: anyone who "
            f"reaches http://{args.host}:{args.port} may read and write everything. "
            "Give --parties FILE before exposing it.",
            file=sys.stderr,
            flush=True,
        )
    else:
        print(f"setu-planning: {len(parties)} parties from {parties_file}", file=sys.stderr, flush=True)
    processes = f"{options.workers} worker processes" if options.server == "gunicorn" else "1 process"
    print(
        f"setu-planning serving http://{args.host}:{args.port} on {url} "
        f"({options.server}, {processes} x {options.threads} threads)",
        flush=True,
    )
    serve_nodes(options)
    return 0
