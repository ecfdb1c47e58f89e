"""The store's ceiling: how fast the *stock* eventsourcing library saves on the same store.

    python benchmarks/store_ceiling.py --db sqlite:///ceiling.sqlite3 --threads 8 --seconds 5

A trivial ``eventsourcing.domain.Aggregate`` is created and saved, one per
``save()``, with a stock ``eventsourcing.application.Application`` (stock
recorders: ``PERSISTENCE_MODULE=eventsourcing.sqlite`` or
``eventsourcing.postgres``, nothing of setu-planning), from ``--threads``
threads of one process, for ``--seconds``. The figure is saves per second:
one event and one transaction each, so it is the rate a plain event-sourced
application gets from that store when each request saves on its own.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from typing import Any
from urllib.parse import unquote, urlsplit

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate


class Thing(Aggregate):
    """The trivial aggregate: created, saved, nothing else."""


def stock_env(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(url.split("://", 1)[1])
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": path[1:] if path.startswith("/") else path,
        }
    if parts.scheme in {"postgres", "postgresql"}:
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": parts.path.lstrip("/"),
            "POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
        }
    raise ValueError(f"store_ceiling: unsupported URL {url!r}")


def measure(url: str, threads: int = 8, seconds: float = 5.0, warmup: float = 1.0) -> dict[str, Any]:
    app = Application(env=stock_env(url))
    try:
        for _ in range(20):  # create the tables, open connections
            app.save(Thing())
        counts = [0] * threads
        errors: list[BaseException] = []
        measuring = threading.Event()
        stop = threading.Event()

        def saver(number: int) -> None:
            try:
                while not stop.is_set():
                    app.save(Thing())
                    if measuring.is_set():
                        counts[number] += 1
            except BaseException as error:  # noqa: BLE001 - reported
                errors.append(error)

        workers = [threading.Thread(target=saver, args=(n,), daemon=True) for n in range(threads)]
        for worker in workers:
            worker.start()
        time.sleep(warmup)
        measuring.set()
        started = time.perf_counter()
        time.sleep(seconds)
        measuring.clear()
        elapsed = time.perf_counter() - started
        stop.set()
        for worker in workers:
            worker.join(timeout=30)
        if errors:
            raise errors[0]
        return {
            "saves": sum(counts),
            "seconds": round(elapsed, 3),
            "saves_per_second": round(sum(counts) / elapsed, 1),
            "threads": threads,
            "persistence_module": stock_env(url)["PERSISTENCE_MODULE"],
        }
    finally:
        app.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="sqlite:///FILE or postgresql://USER@HOST:PORT/DB")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = measure(args.db, args.threads, args.seconds, args.warmup)
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{result['saves_per_second']:,.0f} saves/s ({result['threads']} threads, {result['persistence_module']})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
