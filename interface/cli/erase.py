"""``setu-planning erase``: a worker's right to erasure, from the command line.

Cancels what is open of the worker, destroys the worker's data keys and
records the erasure (see :mod:`setu_planning.application.erasure`). Asks
first unless ``--yes``; prints what it did, and says so when there was
nothing left to do.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import Any


def add_parser(commands: Any, db_help: str) -> None:
    erase = commands.add_parser(
        "erase", help="erase a worker's personal data (cancels their open resources, destroys their key)"
    )
    erase.add_argument("--db", help=db_help)
    erase.add_argument("--worker", required=True, metavar="HRID", help="the worker's workerId value")
    erase.add_argument("--scheme", help="the workerId's schemeAgencyId (default: every scheme)")
    erase.add_argument("--yes", action="store_true", help="do not ask for confirmation")


def run(args: argparse.Namespace, open_store: Callable[[], Any]) -> int:
    if not args.yes:
        if not sys.stdin.isatty():
            print("setu-planning: erasure cannot be undone; confirm with --yes", file=sys.stderr)
            return 2
        answer = input(f"erase every piece of personal data of worker {args.worker}? this cannot be undone [y/N] ")
        if answer.strip().lower() not in {"y", "yes"}:
            print("nothing erased")
            return 1
    planning = open_store()
    if planning is None:
        return 2
    try:
        report = planning.erase_worker(args.worker, args.scheme, actor=f"cli:{_user()}")
    finally:
        planning.close()
    for line in report.lines():
        print(line)
    return 0


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
