"""``setu-planning deliver`` and ``deliveries``: outbound exchange with the counterparties, and its records."""

from __future__ import annotations

import argparse
import os
import sys

from setu_planning.application.persistence import database_url
from setu_planning.domain.errors import SetuError

from ..node import Node, load_directory
from ..parties import PARTIES_VARIABLE, PartiesFileError
from .checks import Say, add_log_options, mask_password
from .store import open_store


def add_delivery_parsers(commands: argparse._SubParsersAction, db_help: str) -> None:
    deliver = commands.add_parser("deliver", help="deliver local changes to the counterparties of the parties file")
    deliver.add_argument("--once", action="store_true", help="deliver what is due now, then exit")
    deliver.add_argument("--db", help=db_help)
    deliver.add_argument("--parties", help=f"the parties file (default: ${PARTIES_VARIABLE})")
    add_log_options(deliver)

    listing = commands.add_parser("deliveries", help="list deliveries to counterparties; retry or skip a failed one")
    listing.add_argument("--db", help=db_help)
    listing.add_argument("--failed", action="store_true", help="only deliveries a counterparty refused")
    listing.add_argument("--party", help="only deliveries to this party")
    listing.add_argument("--resource", help="only deliveries about this resource id")
    listing.add_argument("--json", action="store_true", help="one JSON object per line instead of a table")
    listing.add_argument(
        "--sort", choices=("newest", "oldest", "party", "status"), default="newest",
        help="order of the listing (default: newest first, by when the change was queued)",
    )  # fmt: skip
    actions = listing.add_subparsers(dest="action")
    for action, text in (("retry", "send a failed delivery again now"), ("skip", "give up on a delivery")):
        operate = actions.add_parser(action, help=text)
        operate.add_argument("id", help="the delivery id (first column of the listing)")
        operate.add_argument("--db", help=db_help, dest="action_db")


def deliver(args: argparse.Namespace) -> int:
    """Run outbound delivery alone: until stopped, or ``--once``."""
    import signal
    import threading
    from collections import Counter

    from ..logs import configure

    configure(args.log_format)
    parties_file = args.parties or os.environ.get(PARTIES_VARIABLE)
    if not parties_file:
        print(f"setu-planning: give --parties FILE or set ${PARTIES_VARIABLE}", file=sys.stderr)
        return 2
    try:
        parties = load_directory(parties_file)
    except (PartiesFileError, OSError) as error:
        print(f"setu-planning: {error}", file=sys.stderr)
        return 2
    missing = _missing_endpoint_tokens(parties)
    url = database_url(args.db)
    planning = open_store(url, must_exist=True)
    if planning is None:
        return 2
    node = Node(planning, parties)
    exchange = node.exchange
    outcomes: Counter[str] = Counter()
    exchange.delivery.outcome_listeners.append(lambda _party, outcome: outcomes.update([outcome]))
    try:
        if args.once:
            for problem in missing:
                print(f"setu-planning: {problem}", file=sys.stderr)
            try:
                work = exchange.deliver_once()
            except Exception as error:  # the store went away mid-run: said, not a traceback
                print(f"setu-planning: cannot deliver from {mask_password(url)}: {error}", file=sys.stderr)
                return 2
            if work is None:
                print("setu-planning: another process is delivering for this store", file=sys.stderr)
                return 0
            print(_run_summary(outcomes))
            return 1 if missing or outcomes["failed"] else 0
        stopped = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stopped.set())
        say = Say(args.log_format)
        say.info("delivery.start", f"setu-planning delivering from {mask_password(url)}", stdout=True,
                 store=mask_password(url))  # fmt: skip
        exchange.start()
        stopped.wait()
        return 0
    finally:
        node.close()
        planning.close()


def _missing_endpoint_tokens(parties) -> list[str]:
    """What stops delivery to a party before anything is sent: its endpoint token is not set."""
    from ..parties import EndpointTokenMissing

    problems = []
    for config in parties.parties_with_endpoint():
        try:
            config.endpoint_token()
        except EndpointTokenMissing as error:
            problems.append(str(error))
    return problems


def _run_summary(outcomes) -> str:
    """What this run did (not the store's totals): sent, and how each attempt ended."""
    sent = sum(outcomes.values())
    if not sent:
        return "nothing was due: sent 0"
    parts = ", ".join(f"{outcomes[name]} {name}" for name in ("delivered", "retrying", "failed") if outcomes[name])
    return f"sent {sent}: {parts}"


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
        rows = delivery.deliveries(resource_id=resource, party=args.party, failed=args.failed, limit=1_000_000)
        held = delivery.held_back()
    except (SetuError, ValueError) as error:
        print(f"setu-planning: {error}", file=sys.stderr)
        return 1
    finally:
        node.close()
        planning.close()
    rows = _sorted(rows, args.sort)
    held = {party: why for party, why in sorted(held.items()) if args.party in (None, party)}
    if args.json:
        import json

        for party, why in held.items():
            print(json.dumps({"party": party, "heldBack": why}, ensure_ascii=False))

        for row in rows:
            print(json.dumps(_listed(row), ensure_ascii=False))
    else:
        for party, why in held.items():
            print(f"party {party}: {why}")
        _print_table(rows)
    return 1 if any(row.status == "failed" for row in rows) else 0


def _listed(row) -> dict:
    """A delivery as listed: its JSON (times included); ``nextDue`` as before, beside ``nextAttempt``."""
    listed = row.as_json()
    listed["nextDue"] = listed["nextAttempt"]
    return listed


def _sorted(rows: list, order: str) -> list:
    def queued(row) -> tuple[float, int]:
        return row.queued_at or 0.0, row.seq  # rows written before the column existed sort as the oldest

    if order == "party":
        return sorted(rows, key=lambda r: (r.party, *(-x for x in queued(r))))
    if order == "status":
        return sorted(rows, key=lambda r: (r.status, *(-x for x in queued(r))))
    return sorted(rows, key=queued, reverse=order == "newest")


def _print_table(rows: list) -> None:
    table = [("id", "resource", "party", "change", "status", "tries", "queued", "last attempt", "next due",
              "last error / warning")]  # fmt: skip
    for row in rows:
        listed = _listed(row)
        change = row.change + (f" {row.line_id}" if row.line_id else "")
        error = listed["lastError"] or (f"warning: {row.warning}" if row.warning else "")
        table.append(
            (str(row.id), f"{row.kind} {row.resource_id}", row.party, change, row.status, str(row.attempts),
             listed["queued"] or "-", listed["lastAttempt"] or "-",
             listed["nextDue"] or "-", error if len(error) <= 60 else error[:57] + "...")
        )  # fmt: skip
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]) - 1)]
    for r in table:
        print("  ".join([*(c.ljust(w) for c, w in zip(r, widths, strict=False)), r[-1]]).rstrip())
