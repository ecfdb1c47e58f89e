"""``setu-planning deliver`` and ``deliveries``: outbound exchange with the counterparties, and its records."""

from __future__ import annotations

import argparse
import os
import sys

from setu_planning.application.persistence import database_url
from setu_planning.domain.errors import SetuError

from ..node import Node, load_directory
from ..parties import PARTIES_VARIABLE, PartiesFileError
from .store import open_store


def add_delivery_parsers(commands: argparse._SubParsersAction, db_help: str) -> None:
    deliver = commands.add_parser("deliver", help="deliver local changes to the counterparties of the parties file")
    deliver.add_argument("--once", action="store_true", help="deliver what is due now, then exit")
    deliver.add_argument("--db", help=db_help)
    deliver.add_argument("--parties", help=f"the parties file (default: ${PARTIES_VARIABLE})")

    listing = commands.add_parser("deliveries", help="list deliveries to counterparties; retry or skip a failed one")
    listing.add_argument("--db", help=db_help)
    listing.add_argument("--failed", action="store_true", help="only deliveries a counterparty refused")
    listing.add_argument("--party", help="only deliveries to this party")
    listing.add_argument("--resource", help="only deliveries about this resource id")
    actions = listing.add_subparsers(dest="action")
    for action, text in (("retry", "send a failed delivery again now"), ("skip", "give up on a delivery")):
        operate = actions.add_parser(action, help=text)
        operate.add_argument("id", help="the delivery id (first column of the listing)")
        operate.add_argument("--db", help=db_help, dest="action_db")


def deliver(args: argparse.Namespace) -> int:
    """Run outbound delivery alone: until stopped, or ``--once``."""
    import signal
    import threading

    parties_file = args.parties or os.environ.get(PARTIES_VARIABLE)
    if not parties_file:
        print(f"setu-planning: give --parties FILE or set ${PARTIES_VARIABLE}", file=sys.stderr)
        return 2
    try:
        parties = load_directory(parties_file)
    except (PartiesFileError, OSError) as error:
        print(f"setu-planning: {error}", file=sys.stderr)
        return 2
    url = database_url(args.db)
    planning = open_store(url, must_exist=True)
    if planning is None:
        return 2
    node = Node(planning, parties)
    exchange = node.exchange
    try:
        if args.once:
            work = exchange.deliver_once()
            if work is None:
                print("setu-planning: another process is delivering for this store", file=sys.stderr)
            else:
                print(_delivery_summary(exchange.deliveries(limit=1_000_000)))
            return 0
        stopped = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stopped.set())
        print(f"setu-planning delivering from {url}", flush=True)
        exchange.start()
        stopped.wait()
        return 0
    finally:
        node.close()
        planning.close()


def _delivery_summary(rows: list) -> str:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nothing to deliver"


def deliveries(args: argparse.Namespace) -> int:
    """List deliveries as a table, or retry / skip one."""
    from uuid import UUID

    url = database_url(getattr(args, "action_db", None) or args.db)
    planning = open_store(url, must_exist=True)
    if planning is None:
        return 2
    node = Node(planning)
    delivery = node.delivery
    try:
        if args.action in ("retry", "skip"):
            row = getattr(delivery, args.action)(args.id, by="operator")
            print(f"delivery {row.id}: {row.status}")
            return 0
        resource = UUID(args.resource) if args.resource else None
        rows = delivery.deliveries(resource_id=resource, party=args.party, failed=args.failed)
    except (SetuError, ValueError) as error:
        print(f"setu-planning: {error}", file=sys.stderr)
        return 1
    finally:
        node.close()
        planning.close()
    table = [("id", "resource", "party", "change", "status", "attempts", "remote id", "last error")]
    for row in rows:
        change = f"{row.change} {row.line_id}" if row.line_id else row.change
        table.append(
            (str(row.id), f"{row.kind} {row.resource_id}", row.party, change, row.status,
             str(row.attempts), row.remote_id or "-", row.last_error or "")
        )  # fmt: skip
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]) - 1)]
    for r in table:
        print("  ".join([*(c.ljust(w) for c, w in zip(r, widths, strict=False)), r[-1]]).rstrip())
    return 0
