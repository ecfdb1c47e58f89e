"""The ``setu-planning`` command: serve the REST API, read a resource's history."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from setu_planning.application import PlanningApplication
from setu_planning.application.persistence import DATABASE_URL_VARIABLE, database_url
from setu_planning.domain.errors import SetuError
from setu_planning.domain.messages import MessageKind

_KINDS = {
    "requests": MessageKind.REQUEST,
    "assignments": MessageKind.ASSIGNMENT,
    "constraints": MessageKind.CONSTRAINTS,
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="setu-planning", description="SETU Planning & Scheduling, event-sourced."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    db_help = (
        f"event store URL: sqlite:///FILE, memory:// or postgresql://USER:PASSWORD@HOST:PORT/DB "
        f"(default: ${DATABASE_URL_VARIABLE}, else {database_url(None) if not os.environ.get(DATABASE_URL_VARIABLE) else 'its value'})"
    )

    serve = commands.add_parser("serve", help="run the REST API under waitress")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--db", help=db_help)
    serve.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")

    history = commands.add_parser("history", help="print the audit trail of a resource")
    history.add_argument("kind", choices=sorted(_KINDS))
    history.add_argument("id")
    history.add_argument("--db", help=db_help)
    _add_token_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "token":
        return run_token_command(args)
    if args.command == "serve":
        return serve(args.host, args.port, args.db, args.threads)
    return print_history(args.kind, args.id, args.db)


def serve(host: str, port: int, db: str | None, threads: int) -> int:
    """Run the API under waitress, a production WSGI server."""
    import waitress

    from .http import create_app

    url = database_url(db)
    planning = _open(url, must_exist=False)
    if planning is None:
        return 2
    app = create_app(planning)
    print(f"setu-planning serving http://{host}:{port} on {url}", flush=True)
    waitress.serve(app, host=host, port=port, threads=threads, ident="setu-planning")
    return 0


def print_history(kind: str, resource_id: str, db: str | None) -> int:
    """Print a resource's audit trail as a table."""
    app = _open(database_url(db), must_exist=True)
    if app is None:
        return 2
    try:
        entries = app.service(_KINDS[kind]).history(resource_id)
    except SetuError as error:
        print(f"setu-planning: {error}", file=sys.stderr)
        return 1
    finally:
        app.close()
    rows = [("version", "timestamp (UTC)", "event", "actor", "SETU", "changes")]
    for entry in entries:
        rows.append(
            (
                str(entry.version),
                entry.timestamp.strftime("%Y-%m-%d %H:%M:%S.%f"),
                entry.type,
                entry.actor or "-",
                entry.setu_version or "-",
                _summary(entry.changes),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]).rstrip())
    return 0


def _open(url: str, *, must_exist: bool) -> PlanningApplication | None:
    """The application on ``url``, or None after saying on stderr why it cannot be opened.

    A read-only command must not create an empty SQLite file for a mistyped path.
    """
    if must_exist and url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if ":memory:" not in str(path) and not path.exists():
            print(f"setu-planning: cannot open {url}: no such file", file=sys.stderr)
            return None
    try:
        return PlanningApplication(url)
    except Exception as error:  # any driver's failure to open, said plainly
        print(f"setu-planning: cannot open {url}: {error}", file=sys.stderr)
        return None


def _summary(changes: dict) -> str:
    if "diff" in changes:
        parts = [f"{c['element']}: {c['old']!r} -> {c['new']!r}" for c in changes["diff"]]
        prefix = f"line {changes['lineId']}: " if "lineId" in changes else ""
        return prefix + ("; ".join(parts) or "no change")
    if "lineId" in changes:
        return f"line {changes['lineId']}" + (f" ({changes['lineKind']})" if "lineKind" in changes else "")
    if "documentId" in changes:
        return f"documentId {changes['documentId']['value']}"
    return ""


# -- setu-planning token: bearer tokens of the parties file ---------------------------


def _add_token_parser(commands: argparse._SubParsersAction) -> None:
    from .parties import PARTIES_VARIABLE

    token = commands.add_parser("token", help="create or hash the bearer tokens of the parties file")
    actions = token.add_subparsers(dest="token_command", required=True)
    create = actions.add_parser(
        "create", help="add a new token for a party to the parties file and print it, once"
    )
    create.add_argument("--parties", help=f"the parties file (default: ${PARTIES_VARIABLE})")
    create.add_argument("--party", required=True, help="the party's name ([parties.NAME])")
    actions.add_parser("hash", help="read a token on stdin, print its sha256: form for the parties file")


def run_token_command(args: argparse.Namespace) -> int:
    """``token create`` prints only the token on stdout, so it can be piped; the rest goes to stderr."""
    from .parties import PARTIES_VARIABLE, PartiesFileError, UnknownParty, create_token

    if args.token_command == "hash":
        return _print_token_hash()
    path = args.parties or os.environ.get(PARTIES_VARIABLE)
    if not path:
        print(f"setu-planning: give --parties FILE or set ${PARTIES_VARIABLE}", file=sys.stderr)
        return 2
    try:
        token = create_token(path, args.party)
    except (PartiesFileError, UnknownParty) as error:
        print(f"setu-planning: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"setu-planning: cannot write {path}: {error.strerror}", file=sys.stderr)
        return 1
    print(token, flush=True)
    print(
        f"setu-planning: added its sha256 hash to party {args.party!r} in {path}. This token cannot be "
        "shown again: hand it to the counterparty out of band now.",
        file=sys.stderr,
    )
    return 0


def _print_token_hash() -> int:
    """Provision a token the counterparty chose: only its hash goes into the parties file."""
    from .parties import is_bearer_token, token_hash

    token = sys.stdin.read().strip()
    if not is_bearer_token(token):
        print("setu-planning: stdin does not hold one bearer token (token68 characters)", file=sys.stderr)
        return 2
    if len(token) < 43:
        print("setu-planning: warning: a short token; use at least 256 random bits", file=sys.stderr)
    print(token_hash(token))
    return 0


if __name__ == "__main__":
    sys.exit(main())
