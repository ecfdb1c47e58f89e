"""``setu-planning console``: the operator's pages (worker boards, resource timelines), on loopback only."""

from __future__ import annotations

import argparse
import sys

from setu_planning.application.persistence import database_url

from ..console import ConsoleRefused, run_console


def add_console_parser(commands: argparse._SubParsersAction, db_help: str) -> None:
    console = commands.add_parser(
        "console", help="the operator's pages (worker boards, resource timelines), loopback only"
    )
    console.add_argument("--db", help=db_help)
    console.add_argument("--port", type=int, default=8100, help="port to listen on (default 8100)")
    console.add_argument("--host", default="127.0.0.1", help="a loopback address (default 127.0.0.1)")


def console(args: argparse.Namespace) -> int:
    """Serve the console; refused on any address but loopback (it is the embedding system's view)."""
    try:
        run_console(database_url(args.db), args.host, args.port)
    except ConsoleRefused as error:
        print(f"setu-planning: {error}", file=sys.stderr)
        return 2
    return 0
