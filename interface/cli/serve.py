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
from .checks import Say, mask_password, metrics_directory, port_problem, store_url_problem
from .store import open_store


def serve(args: argparse.Namespace) -> int:
    """Run the API; refuse to expose an open service beyond loopback."""
    from ..logs import configure

    configure(args.log_format)
    say = Say(args.log_format)
    url = database_url(args.db)
    parties_file = args.parties or os.environ.get(PARTIES_VARIABLE) or None
    try:
        parties = load_directory(parties_file)
        check_exposure(args.host, parties)
    except (PartiesFileError, OSError, ServeRefused) as error:
        say.refuse(str(error))
        return 2
    problem = store_url_problem(url) or port_problem(args.host, args.port)
    if problem:
        say.refuse(problem)
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
        log_format=args.log_format,
        access_log=args.access_log,
    )
    if parties is None:
        say.warning(
            "service.open_mode",
            "setu-planning: OPEN DEVELOPMENT MODE: no parties file, so no authentication: anyone who "
            f"reaches http://{args.host}:{args.port} may read and write everything. "
            "Give --parties FILE before exposing it.",
        )
    else:
        say.info("service.parties", f"setu-planning: {len(parties)} parties from {parties_file}",
                 parties=len(parties), file=parties_file)  # fmt: skip
    processes = f"{options.workers} worker processes" if options.server == "gunicorn" else "1 process"
    say.info(
        "service.start",
        f"setu-planning serving http://{args.host}:{args.port} on {mask_password(url)} "
        f"({options.server}, {processes} x {options.threads} threads)",
        stdout=True, url=f"http://{args.host}:{args.port}", store=mask_password(url), server=options.server,
        workers=options.workers if options.server == "gunicorn" else 1, threads=options.threads,
    )  # fmt: skip
    master = os.getpid()
    with metrics_directory(options.server == "gunicorn"):
        try:
            serve_nodes(options)
        finally:
            if os.getpid() == master:  # a worker process leaves through here too
                say.info("service.stop", "setu-planning stopped", stdout=True)
    return 0
