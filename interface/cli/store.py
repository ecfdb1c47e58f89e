"""Commands on a store: a resource's history, rebuilding the read models, re-encrypting under a new key."""

from __future__ import annotations

import sys
from pathlib import Path

from setu_planning.application import PlanningApplication
from setu_planning.application.persistence import database_url
from setu_planning.domain.errors import SetuError

from ..codecs.kinds import BY_PATH
from ..node import Node


def rekey_store(db: str | None) -> int:
    """Re-encrypt a store under the current key, so old keys can be dropped."""
    from setu_planning.application.rekey import rekey

    planning = open_store(database_url(db), must_exist=True)
    if planning is None:
        return 2
    from .progress import Progress

    node = Node(planning)
    progress = Progress("rekey", None, unit="values")
    try:
        changed = rekey(planning, node.delivery, progress=progress.update)
    except ValueError as error:
        print(f"setu-planning: {error}", file=sys.stderr)
        return 1
    finally:
        progress.close()
        node.close()
        planning.close()
    print(f"re-encrypted {changed} stored values under the current key")
    # Resources sealed just now are filed under their workers too, for erasure to find them.
    return rebuild_read_models(db)


def rebuild_read_models(db: str | None) -> int:
    """Derive the read models (current state, look-ups, timestamps) anew from the event log."""
    import time

    planning = open_store(database_url(db), must_exist=True)
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
    print(
        f"rebuilt the read models from {events} events in {seconds:.1f} s ({events / max(seconds, 1e-9):,.0f} events/s)"
    )
    return 0


def print_history(kind: str, resource_id: str, db: str | None) -> int:
    """Print a resource's audit trail as a table."""
    app = open_store(database_url(db), must_exist=True)
    if app is None:
        return 2
    try:
        entries = app.service(BY_PATH[kind].kind).history(resource_id)
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


def open_store(url: str, *, must_exist: bool) -> PlanningApplication | None:
    """The application on ``url``, or None after saying on stderr why it cannot be opened.

    A read-only command must not create an empty SQLite file for a mistyped path.
    """
    from .checks import mask_password, store_url_problem

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
