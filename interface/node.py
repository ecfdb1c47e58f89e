"""The one place a serving process is assembled: its planning application, parties and delivery.

A :class:`Node` holds what one process serves with: the
:class:`~setu_planning.application.PlanningApplication` on its store, the
parties file (if any), and the process's **one**
:class:`~setu_planning.application.delivery.DeliveryApplication`, with the
transport over the SETU client and the background worker that deliver to
the parties with an endpoint. ``setu-planning serve`` builds one node in each
worker process (after the fork), ``deliver`` and the other commands one for
their run; the HTTP routes and the exchange are handed the node's parts
rather than opening their own, so a process never runs two delivery
applications (two sender pools) on one store.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask

from setu_planning.application import PlanningApplication
from setu_planning.application.delivery import Backoff, DeliveryApplication

from .client.exchange import Exchange, party_concurrency
from .client.transport import ClientTransport
from .http.app import create_app
from .http.server import ServeOptions
from .http.server import run as run_server
from .parties import PartyDirectory, load_parties


def load_directory(parties_file: str | None) -> PartyDirectory | None:
    """The checked parties file, or None when the service runs without one (open, loopback only)."""
    return None if parties_file is None else load_parties(parties_file)


class Node:
    """One process's planning application, parties and delivery, each made once."""

    def __init__(
        self,
        planning: PlanningApplication,
        parties: PartyDirectory | None = None,
        *,
        backoff: Backoff | None = None,
        poll_seconds: float = 0.5,
    ) -> None:
        self.planning = planning
        self.parties = parties
        self._backoff = backoff
        self._poll_seconds = poll_seconds
        self._delivery: DeliveryApplication | None = None
        self._exchange: Exchange | None = None
        self._made = threading.Lock()  # the HTTP threads may ask for the delivery at once

    @classmethod
    def open(cls, database: str | None, parties_file: str | None = None, **options: Any) -> Node:
        """A node on the store named by ``database`` and the parties file named by ``parties_file``."""
        parties = load_directory(parties_file)
        return cls(PlanningApplication(database), parties, **options)

    # ------------------------------------------------------------- delivery
    @property
    def delivery(self) -> DeliveryApplication:
        """The process's delivery application: made on first use, once; targets the parties with an endpoint."""
        with self._made:
            if self._delivery is None:
                targets = [config.party for config in self.parties.parties_with_endpoint()] if self.parties else []
                self._delivery = DeliveryApplication(
                    self.planning,
                    targets,
                    backoff=self._backoff,
                    concurrency=party_concurrency(self.parties) if self.parties else {},
                )
            return self._delivery

    @property
    def exchange(self) -> Exchange:
        """Delivery and pulling over the SETU client, sharing this node's delivery application."""
        if self.parties is None:
            raise ValueError("a node without a parties file has no counterparties to exchange with")
        delivery = self.delivery
        with self._made:
            if self._exchange is None:
                self._exchange = Exchange(
                    self.planning,
                    self.parties,
                    poll_seconds=self._poll_seconds,
                    transport=ClientTransport(self.parties),
                    delivery=delivery,
                )
            return self._exchange

    def start_delivery(self) -> bool:
        """Deliver in the background whenever this process holds the store's delivery lock.

        Only when some party has an endpoint; returns whether delivery was started.
        """
        if self.parties is None or not self.parties.parties_with_endpoint():
            return False
        self.exchange.start()
        return True

    # ------------------------------------------------------------------ HTTP
    def wsgi_app(self, settings: Mapping[str, Any] | None = None) -> Flask:
        """The REST API served by this node: its parties authenticate, its delivery answers deliveries."""
        return create_app(self.planning, settings, parties=self.parties, node=self)

    def close(self) -> None:
        """Stop delivering and close the delivery records; the planning application stays open."""
        if self._exchange is not None:
            self._exchange.close()  # stops the worker, closes the transport and the delivery application
        elif self._delivery is not None:
            self._delivery.close()
        self._exchange = self._delivery = None


def app_factory(options: ServeOptions) -> Callable[[], Flask]:
    """What each worker process calls after the fork: its own node, store and Flask app."""

    def build() -> Flask:
        node = Node.open(options.database, options.parties_file)
        node.start_delivery()  # runs where the store's delivery lock is held
        return node.wsgi_app({"ACCESS_LOG": options.access_log})

    return build


def serve(options: ServeOptions) -> None:
    """Serve the REST API until stopped, one node per worker process."""
    run_server(options, app_factory(options))
