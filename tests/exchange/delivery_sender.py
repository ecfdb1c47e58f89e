"""The sender of the exchange tests: a store, its exchange to the stub SETU server, its command line.

Test modules import the fixtures ``sender`` and ``stub_server`` from here:
no conftest.py, whose module name ``conftest`` tests of other folders
import from. The sender is a :class:`PlanningApplication` on a SQLite file
in tmp_path, with an :class:`Exchange` whose parties file names one
counterparty, ``otto``
(``OTTO``/``Customer``, the supplier of the sample requests), at the stub's
address; the stub requires the bearer token the sender reads from the
environment. Backoff is fast so retries come within a test's patience. The
``setu-planning`` command runs as a subprocess on the same store.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from stub_setu_server import StubSetuServer, stub_server  # noqa: F401  (the fixture, for the test modules)

from setu_planning.application import PlanningApplication
from setu_planning.application.delivery import Backoff
from setu_planning.application.delivery_store import DeliveryRow
from setu_planning.interface.exchange import Exchange
from setu_planning.interface.parties import load_parties

PARTY = "otto"
TOKEN_VARIABLE = "OTTO_ENDPOINT_TOKEN"
TIMEOUT = 30.0
CLI_TIMEOUT = 60.0


@dataclass
class Sender:
    """The sending system: its store, its exchange, its command line."""

    app: PlanningApplication
    exchange: Exchange
    db_url: str
    stub: StubSetuServer
    folder: Path
    token: str  # what the sender presents at the stub

    def deliver_until(self, check: Callable[[], Any], what: str, timeout: float = TIMEOUT) -> Any:
        """``deliver_once()`` again and again until ``check()`` holds (retries come when their backoff ends)."""
        deadline = time.monotonic() + timeout
        while True:
            assert self.exchange.deliver_once() is not None, "another process holds the delivery lock"
            found = check()
            if found:
                return found
            if time.monotonic() > deadline:
                rows = "\n".join(map(str, self.exchange.deliveries()))
                pytest.fail(f"not within {timeout:.0f} s: {what}\ndeliveries:\n{rows}")
            time.sleep(0.01)

    def rows(self, resource_id: uuid.UUID) -> list[DeliveryRow]:
        return sorted(self.exchange.deliveries(resource_id=resource_id), key=lambda r: r.seq)

    def all_delivered(self, *resource_ids: uuid.UUID) -> bool:
        rows = [row for resource_id in resource_ids for row in self.rows(resource_id)]
        return bool(rows) and all(row.status == "delivered" for row in rows)

    def remote_id(self, resource_id: uuid.UUID) -> str:
        ids = {row.remote_id for row in self.rows(resource_id)}
        assert len(ids) == 1 and None not in ids, ids
        return ids.pop()

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``setu-planning ARGS`` under this interpreter, on this store (``--db`` given by the caller)."""
        return subprocess.run(
            [sys.executable, "-m", "setu_planning.interface.cli", *args],
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT,
            cwd=self.folder,
            stdin=subprocess.DEVNULL,
        )


@pytest.fixture
def sender(tmp_path, stub_server, monkeypatch) -> Iterator[Sender]:
    """The sender, its parties file naming the stub as ``otto``; the stub requires the sender's token."""
    token = f"sender-{uuid.uuid4().hex}{uuid.uuid4().hex}"
    stub_server.require_token(token)
    monkeypatch.setenv(TOKEN_VARIABLE, token)
    parties = tmp_path / "parties.toml"
    parties.write_text(
        f"[parties.{PARTY}]\n"
        'identifiers = [{ value = "OTTO", schemeAgencyId = "Customer" }]\n'
        f'endpoint = "{stub_server.base_url}"\n'
        f'endpoint_token_env = "{TOKEN_VARIABLE}"\n'
    )
    db_url = f"sqlite:///{tmp_path / 'sender.sqlite3'}"
    app = PlanningApplication(db_url)
    exchange = Exchange(app, load_parties(parties), backoff=Backoff(base=0.02, cap=0.2))
    try:
        yield Sender(app, exchange, db_url, stub_server, tmp_path, token)
    finally:
        exchange.close()
        app.close()
