"""The ``setu-planning`` command: serve the REST API, read a resource's history, manage tokens."""

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

from .parties import PARTIES_VARIABLE, PartiesFileError
from .server import (
    ServeOptions,
    ServeRefused,
    check_exposure,
    default_workers,
    gunicorn_available,
    load_directory,
    run,
)

_KINDS = {
    "requests": MessageKind.REQUEST,
    "assignments": MessageKind.ASSIGNMENT,
    "constraints": MessageKind.CONSTRAINTS,
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="setu-planning", description="SETU Planning & Scheduling, event-sourced."
    )
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
    _add_log_options(serve)
    serve.add_argument(
        "--access-log", action="store_true",
        help="one http.request line per request: method, route template, status, duration, party, request id",
    )  # fmt: skip

    history = commands.add_parser("history", help="print the audit trail of a resource")
    history.add_argument("kind", choices=sorted(_KINDS), help="the kind of resource")
    history.add_argument("id", help="the resource id (the last segment of its Location)")
    history.add_argument("--db", help=db_help)
    _add_token_parser(commands)
    _add_delivery_parsers(commands, db_help)

    key = commands.add_parser("key", help="encryption keys for personal data at rest")
    key_actions = key.add_subparsers(dest="key_command", required=True)
    key_actions.add_parser("create", help="print a new random AES-256 key for SETU_PLANNING_CIPHER_KEY")
    rekey = commands.add_parser(
        "rekey", help="re-encrypt everything stored under SETU_PLANNING_CIPHER_KEY (ends a key rotation)"
    )
    rekey.add_argument("--db", help=db_help)

    rebuild = commands.add_parser("rebuild", help="derive every read model anew from the event log")
    rebuild.add_argument("--db", help=db_help)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("setu-planning")
    except PackageNotFoundError:
        return "unknown"


def _add_log_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--log-format", choices=("text", "json"), default="text",
        help="text lines for a terminal, or one JSON object per line (ts, level, event, fields) for a collector",
    )  # fmt: skip


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
    if args.command == "deliveries":
        return deliveries(args)
    if args.command == "serve":
        return serve(args)
    return print_history(args.kind, args.id, args.db)


def serve(args: argparse.Namespace) -> int:
    """Run the API; refuse to expose an open service beyond loopback."""
    from .logs import configure

    configure(args.log_format)
    say = _Say(args.log_format)
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
    planning = _open(url, must_exist=False)  # fail here, plainly, rather than in every worker
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
    with _metrics_directory(options.server == "gunicorn"):
        try:
            run(options)
        finally:
            if os.getpid() == master:  # a worker process leaves through here too
                say.info("service.stop", "setu-planning stopped", stdout=True)
    return 0


class _Say:
    """The command's own lines: plain text as before, or events when the log format is JSON."""

    def __init__(self, log_format: str) -> None:
        import logging

        self.json = log_format == "json"
        self.log = logging.getLogger("setu_planning.cli")

    def info(self, name: str, text: str, *, stdout: bool = False, **fields: object) -> None:
        self._say(20, name, text, stdout, fields)

    def warning(self, name: str, text: str, **fields: object) -> None:
        self._say(30, name, text, False, fields)

    def refuse(self, text: str) -> None:
        self._say(40, "service.refused", f"setu-planning: {text}", False, {})

    def _say(self, level: int, name: str, text: str, stdout: bool, fields: dict) -> None:
        if self.json:
            from .logs import event

            event(self.log, level, name, message=text.removeprefix("setu-planning: "), **fields)
        else:
            print(text, file=sys.stdout if stdout else sys.stderr, flush=True)


def _metrics_directory(multiprocess: bool):
    """A PROMETHEUS_MULTIPROC_DIR of this instance for gunicorn's workers (unless one is set), removed after."""
    import contextlib
    import shutil
    import tempfile

    from .metrics import MULTIPROC_VARIABLE

    @contextlib.contextmanager
    def scope():
        if not multiprocess or os.environ.get(MULTIPROC_VARIABLE):
            yield
            return
        folder, owner = tempfile.mkdtemp(prefix="setu-planning-metrics-"), os.getpid()
        os.environ[MULTIPROC_VARIABLE] = folder
        try:
            yield
        finally:
            if os.getpid() == owner:  # not when a worker process exits: the others still count there
                shutil.rmtree(folder, ignore_errors=True)

    return scope()


def mask_password(url: str) -> str:
    """``url`` with its password (if any) shown as ***."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        netloc = parts.netloc.rsplit("@", 1)
        user = netloc[0].split(":", 1)[0]
        return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))
    except ValueError:
        return "<unreadable database URL>"


def store_url_problem(url: str) -> str | None:
    """Why ``url`` cannot name a store (said with its password masked), or None."""
    import importlib.util

    from setu_planning.application.persistence import persistence_env

    masked = mask_password(url)
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "sqlite" and not url.startswith("sqlite:///"):
        return f"cannot open {masked}: write sqlite:///relative/file.sqlite3 or sqlite:////absolute/file.sqlite3"
    try:
        persistence_env(url, {})
    except ValueError as error:
        return f"cannot open {masked}: {str(error).replace(url, masked)}"
    if scheme in {"postgres", "postgresql"} and importlib.util.find_spec("psycopg") is None:
        return f"cannot open {masked}: PostgreSQL needs the postgres extra: pip install 'setu-planning[postgres]'"
    return None


def port_problem(host: str, port: int) -> str | None:
    """Why the service cannot listen on ``host:port`` (in use, not an address here), or None."""
    import socket

    if port == 0:
        return None
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        return f"cannot listen on {host}:{port}: {error.strerror}"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            return f"cannot listen on {host}:{port}: {error.strerror}"
    return None


def rekey_store(db: str | None) -> int:
    """Re-encrypt a store under the current key, so old keys can be dropped."""
    from setu_planning.application.delivery import DeliveryApplication
    from setu_planning.application.rekey import rekey

    planning = _open(database_url(db), must_exist=True)
    if planning is None:
        return 2
    from .progress import Progress

    delivery = DeliveryApplication(planning)
    progress = Progress("rekey", None, unit="values")
    try:
        changed = rekey(planning, delivery, progress=progress.update)
    except ValueError as error:
        print(f"setu-planning: {error}", file=sys.stderr)
        return 1
    finally:
        progress.close()
        delivery.close()
        planning.close()
    print(f"re-encrypted {changed} stored values under the current key")
    return 0


def rebuild_read_models(db: str | None) -> int:
    """Derive the read models (current state, look-ups, timestamps) anew from the event log."""
    import time

    planning = _open(database_url(db), must_exist=True)
    if planning is None:
        return 2
    from .progress import Progress

    progress = Progress("rebuild", planning.recorder.max_notification_id() or 0)
    try:
        started = time.perf_counter()
        events = planning.rebuild_read_models(progress=progress.update)
        seconds = time.perf_counter() - started
    finally:
        progress.close()
        planning.close()
    print(f"rebuilt the read models from {events} events in {seconds:.1f} s ({events / max(seconds, 1e-9):,.0f} events/s)")
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
    rows = [("version", "timestamp (UTC)", "event", "actor", "party", "on behalf of", "SETU", "changes")]
    for entry in entries:
        rows.append(
            (
                str(entry.version),
                entry.timestamp.strftime("%Y-%m-%d %H:%M:%S.%f"),
                entry.type,
                entry.actor or "-",
                entry.party or "-",
                entry.on_behalf_of or "-",
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
    problem = store_url_problem(url)
    if problem:
        print(f"setu-planning: {problem}", file=sys.stderr)
        return None
    masked = mask_password(url)
    if must_exist and url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if ":memory:" not in str(path) and not path.exists():
            print(f"setu-planning: cannot open {masked}: no such file", file=sys.stderr)
            return None
    try:
        return PlanningApplication(url)
    except Exception as error:  # any driver's failure to open, said plainly, on one line
        from urllib.parse import urlsplit

        text = " ".join(str(error).split())
        password = urlsplit(url).password
        if password:
            text = text.replace(password, "***")
        print(f"setu-planning: cannot open {masked}: {text}", file=sys.stderr)
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
    from .parties import UnknownParty, create_token

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


# -- setu-planning deliver / deliveries: outbound exchange ------------------------------


def _add_delivery_parsers(commands: argparse._SubParsersAction, db_help: str) -> None:
    deliver = commands.add_parser(
        "deliver", help="deliver local changes to the counterparties of the parties file"
    )
    deliver.add_argument("--once", action="store_true", help="deliver what is due now, then exit")
    deliver.add_argument("--db", help=db_help)
    deliver.add_argument("--parties", help=f"the parties file (default: ${PARTIES_VARIABLE})")
    _add_log_options(deliver)

    listing = commands.add_parser(
        "deliveries", help="list deliveries to counterparties; retry or skip a failed one"
    )
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

    from .exchange import Exchange
    from .logs import configure

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
    planning = _open(url, must_exist=True)
    if planning is None:
        return 2
    exchange = Exchange(planning, parties)
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
        print(f"setu-planning delivering from {url}", flush=True)
        exchange.start()
        stopped.wait()
        return 0
    finally:
        exchange.close()
        planning.close()


def _missing_endpoint_tokens(parties) -> list[str]:
    """What stops delivery to a party before anything is sent: its endpoint token is not set."""
    from .parties import EndpointTokenMissing

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

    from setu_planning.application.delivery import DeliveryApplication

    url = database_url(getattr(args, "action_db", None) or args.db)
    planning = _open(url, must_exist=True)
    if planning is None:
        return 2
    delivery = DeliveryApplication(planning)
    try:
        if args.action in ("retry", "skip"):
            row = getattr(delivery, args.action)(args.id, by="operator")
            print(f"delivery {row.id}: {row.status}")
            return 0
        resource = UUID(args.resource) if args.resource else None
        rows = delivery.deliveries(resource_id=resource, party=args.party, failed=args.failed, limit=1_000_000)
    except (SetuError, ValueError) as error:
        print(f"setu-planning: {error}", file=sys.stderr)
        return 1
    finally:
        delivery.close()
        planning.close()
    rows = _sorted(rows, args.sort)
    if args.json:
        import json

        for row in rows:
            print(json.dumps(_listed(row), ensure_ascii=False))
    else:
        _print_table(rows)
    return 1 if any(row.status == "failed" for row in rows) else 0


def _when(epoch: float | None) -> str | None:
    from datetime import UTC, datetime

    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _listed(row) -> dict:
    """A delivery as listed: its JSON with times; a finished one carries no stale error or due time."""
    listed = row.as_json()
    listed["queued"] = _when(getattr(row, "queued_at", None))
    listed["lastAttempt"] = _when(getattr(row, "last_attempt_at", None) or (row.updated_at if row.attempts else None))
    listed["nextDue"] = _when(row.due_at) if row.status == "pending" else None
    if row.status in ("delivered", "skipped"):
        listed["lastError"] = None
    return listed


def _sorted(rows: list, order: str) -> list:
    def queued(row) -> float:
        return getattr(row, "queued_at", None) or row.updated_at or 0.0

    if order == "party":
        return sorted(rows, key=lambda r: (r.party, -queued(r)))
    if order == "status":
        return sorted(rows, key=lambda r: (r.status, -queued(r)))
    return sorted(rows, key=queued, reverse=order == "newest")


def _print_table(rows: list) -> None:
    table = [("id", "resource", "party", "change", "status", "tries", "last attempt", "next due", "last error")]
    for row in rows:
        listed = _listed(row)
        change = row.change + (f" {row.line_id}" if row.line_id else "")
        error = listed["lastError"] or ""
        table.append(
            (str(row.id), f"{row.kind} {row.resource_id}", row.party, change, row.status, str(row.attempts),
             listed["lastAttempt"] or "-",
             listed["nextDue"] or "-", error if len(error) <= 60 else error[:57] + "...")
        )  # fmt: skip
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]) - 1)]
    for r in table:
        print("  ".join([*(c.ljust(w) for c, w in zip(r, widths, strict=False)), r[-1]]).rstrip())


if __name__ == "__main__":
    sys.exit(main())
