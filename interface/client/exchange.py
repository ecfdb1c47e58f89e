"""The exchange with counterparties: outbound delivery over the SETU client, and pulling.

:class:`Exchange` puts together what the application layer's delivery needs
from the outside world: the parties file (who has an endpoint, with which
token, SETU version and format) and the SETU client. Embed it beside a
:class:`~setu_planning.application.PlanningApplication`::

    exchange = Exchange(app, load_parties("parties.toml"))
    exchange.start()                        # deliver in the background
    exchange.pull_constraints_of_worker("otto-backoffice", "123456")
    exchange.deliveries(failed=True)        # what a counterparty refused
    exchange.retry(delivery_id)

``setu-planning serve --parties FILE`` does the same in its worker processes,
where the node (``interface/node.py``) hands the exchange the process's one
delivery application.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from setu_planning.application import Caller, PlanningApplication, ResourceState
from setu_planning.application.app import issuing_party
from setu_planning.application.delivery import Backoff, DeliveryApplication, DeliveryLock, DeliveryWorker
from setu_planning.application.delivery_store import DeliveryRow
from setu_planning.domain.errors import DocumentConflict
from setu_planning.domain.messages import MessageKind

from ..parties import PartyConfig, PartyDirectory
from .transport import ClientTransport


class Exchange:
    """Outbound delivery and pulling for one planning store and its parties file."""

    def __init__(
        self,
        planning: PlanningApplication,
        parties: PartyDirectory,
        *,
        backoff: Backoff | None = None,
        poll_seconds: float = 0.5,
        transport: ClientTransport | None = None,
        delivery: DeliveryApplication | None = None,
    ):
        """``delivery`` is the process's delivery application when a node holds one (``interface/node.py``);
        without it the exchange opens its own, for the parties with an endpoint."""
        self.planning = planning
        self.parties = parties
        self.transport = transport or ClientTransport(parties)
        self.delivery = delivery or DeliveryApplication(
            planning,
            [c.party for c in parties.parties_with_endpoint()],
            backoff=backoff,
            concurrency=party_concurrency(parties),
        )
        from ..metrics import observe_attempt

        self.delivery.outcome_listeners.append(observe_attempt)  # delivery attempts in /metrics
        self._poll_seconds = poll_seconds
        self._worker: DeliveryWorker | None = None

    # -------------------------------------------------------------- delivery
    def start(self) -> Exchange:
        """Deliver in a background thread whenever this process holds the store's delivery lock."""
        if self._worker is None:
            self._worker = DeliveryWorker(self.delivery, self.transport, self._poll_seconds).start()
        return self

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._worker = None

    def deliver_once(self) -> int | None:
        """Deliver what is due now, then return the work done; None if another process delivers."""
        lock = DeliveryLock(self.planning)
        if not lock.try_acquire():
            return None
        try:
            work = total = self.delivery.run_once(self.transport)
            while work:
                work = self.delivery.run_once(self.transport)
                total += work
            return total
        finally:
            lock.release()

    def deliveries(self, **filters: Any) -> list[DeliveryRow]:
        return self.delivery.deliveries(**filters)

    def retry(self, delivery_id: UUID | str, *, by: str | None = None) -> DeliveryRow:
        return self.delivery.retry(delivery_id, by=by)

    def skip(self, delivery_id: UUID | str, *, by: str | None = None) -> DeliveryRow:
        return self.delivery.skip(delivery_id, by=by)

    def close(self) -> None:
        self.stop()
        self.delivery.close()  # waits for the sends under way, which still use the transport's pools
        self.transport.close()

    # ------------------------------------------------------------------ pull
    def pull(self, party: str, kind: MessageKind | str, remote_id: str) -> ResourceState:
        """Fetch one resource from a party by its id there and keep it here as received from that party."""
        kind = MessageKind(kind)
        fetched = self.transport.client(party).endpoint(kind).get(remote_id)
        return self._keep(self.parties[party], kind, fetched.message)

    def pull_constraints_of_worker(self, party: str, hr_id: str) -> list[ResourceState]:
        """Fetch a worker's availability from a party (``GET /planning/constraints?hrId=``) and keep it."""
        messages = self.transport.client(party).constraints.of_worker(hr_id)
        return [self._keep(self.parties[party], MessageKind.CONSTRAINTS, m) for m in messages]

    def _keep(self, config: PartyConfig, kind: MessageKind, message: Mapping[str, Any]) -> ResourceState:
        """Created, or replaced when it changed, as that party's resource: never delivered back to it.

        Checked exactly as a POST from that party over REST (schema, business
        rules, the party rule), raising the same typed errors; nothing is
        stored when it is refused.
        """
        service = self.planning.service(kind)
        try:
            return service.submit(message, by=Caller.counterparty(config.party)).state
        except DocumentConflict:
            document = message["documentId"]  # submit checked it is there
            known = service.find_by_document(
                issuing_party(message), document["value"], document["schemeAgencyId"], party=config.party
            )
            if known is None:
                raise
            if known.message == message:
                return known
            return service.replace(known.id, message, by=Caller.counterparty(config.party))


def party_concurrency(parties: PartyDirectory) -> dict[str, int]:
    """Each party's share of the sender threads, as its parties file entry says."""
    return {c.name: c.endpoint.concurrency for c in parties.parties_with_endpoint() if c.endpoint is not None}
