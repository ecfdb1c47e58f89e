"""The ``setu-planning`` command: serve the REST API, read a resource's history, manage tokens and deliveries.

One module per group of commands: ``serve``, ``store`` (history, rebuild,
rekey), ``tokens``, ``delivery`` (deliver, deliveries), ``erase``; this one parses the
command line and dispatches.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from setu_planning.application.persistence import DATABASE_URL_VARIABLE, database_url

from ..codecs.kinds import BY_PATH
from ..conformance.command import add_conformance_parser, run_conformance
from ..http.server import default_workers
from ..parties import PARTIES_VARIABLE
from ..validate import add_validate_parser, run_validate
from . import erase
from .checks import add_log_options
from .console import add_console_parser, console
from .delivery import add_delivery_parsers, deliver, deliveries
from .serve import serve
from .store import open_store, print_history, rebuild_read_models, rekey_store
from .tokens import add_token_parser, run_token_command

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="setu-planning", description="SETU Planning & Scheduling, event-sourced.")
    parser.add_argument("--version", action="version", version=f"setu-planning {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    db_help = (
        f"event store URL: sqlite:///FILE, memory:// or postgresql://USER:PASSWORD@HOST:PORT/DB "
        f"(default: ${DATABASE_URL_VARIABLE}, else {database_url(None) if not os.environ.get(DATABASE_URL_VARIABLE) else 'its value'})"
    )

    serve = commands.add_parser(
        "serve", help="run the REST API (gunicorn worker processes; waitress where gunicorn cannot run)"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8000, help="TCP port to listen on (default 8000)")
    serve.add_argument("--db", help=db_help)
    serve.add_argument(
        "--parties",
        help=f"parties file: the counterparties and their credentials (default: ${PARTIES_VARIABLE}); "
        "without one the service is open, and only on a loopback address",
    )
    serve.add_argument(
        "--workers", type=_positive, default=default_workers(), help="worker processes (default: one per core)"
    )
    serve.add_argument("--threads", type=_positive, default=8, help="threads per worker process (default 8)")
    serve.add_argument(
        "--server",
        choices=("gunicorn", "waitress"),
        default="gunicorn",
        help="gunicorn (POSIX, several processes) or waitress (one process, any OS)",
    )
    add_log_options(serve)
    serve.add_argument(
        "--access-log", action="store_true",
        help="one http.request line per request: method, route template, status, duration, party, request id",
    )  # fmt: skip

    add_console_parser(commands, db_help)

    history = commands.add_parser("history", help="print the audit trail of a resource")
    history.add_argument("kind", choices=sorted(BY_PATH), help="the kind of resource")
    history.add_argument("id", help="the resource id (the last segment of its Location)")
    history.add_argument("--db", help=db_help)
    add_token_parser(commands)
    add_delivery_parsers(commands, db_help)

    key = commands.add_parser("key", help="encryption keys for personal data at rest")
    key_actions = key.add_subparsers(dest="key_command", required=True)
    key_actions.add_parser("create", help="print a new random AES-256 key for SETU_PLANNING_CIPHER_KEY")
    rekey = commands.add_parser(
        "rekey", help="re-encrypt everything stored under SETU_PLANNING_CIPHER_KEY (ends a key rotation)"
    )
    rekey.add_argument("--db", help=db_help)

    rebuild = commands.add_parser("rebuild", help="derive every read model anew from the event log")
    rebuild.add_argument("--db", help=db_help)
    add_conformance_parser(commands)
    add_validate_parser(commands)
    erase.add_parser(commands, db_help)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("setu-planning")
    except PackageNotFoundError:
        return "unknown"


def _port(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port number (0-65535)")
    return number


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive number")
    return number


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "token":
        return run_token_command(args)
    if args.command == "deliver":
        return deliver(args)
    if args.command == "key":
        from setu_planning.application.encryption import create_key

        print(create_key())
        return 0
    if args.command == "rekey":
        return rekey_store(args.db)
    if args.command == "rebuild":
        return rebuild_read_models(args.db)
    if args.command == "erase":
        return erase.run(args, lambda: open_store(database_url(args.db), must_exist=True))
    if args.command == "deliveries":
        return deliveries(args)
    if args.command == "conformance":
        return run_conformance(args)
    if args.command == "validate":
        return run_validate(args)
    if args.command == "serve":
        return serve(args)
    if args.command == "console":
        return console(args)
    return print_history(args.kind, args.id, args.db)
