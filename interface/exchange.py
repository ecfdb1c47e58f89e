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

``setu-planning serve --parties FILE`` does the same in its worker processes.

Redelivery is safe (delivery is at least once): a re-POST of the same
message is answered with the same ``Location`` by any server honouring
documentIds; a line add answered 409, or a DELETE answered 404, counts as
delivered when reading the counterparty's state shows the change is there.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from setu_planning.application import PlanningApplication, ResourceState
from setu_planning.application.app import issuing_party
from setu_planning.application.delivery import (
    Backoff,
    DeliveryApplication,
    DeliveryLock,
    DeliveryWorker,
    OutboundChange,
    Outcome,
)
from setu_planning.application.delivery_store import DeliveryRow
from setu_planning.domain.messages import MessageKind
from setu_planning.domain.outbox import Change

from .client import (
    Conflict,
    NotFound,
    SetuClient,
    SetuClientError,
    SetuClientFailure,
)
from .parties import EndpointTokenMissing, PartyConfig, PartyDirectory

log = logging.getLogger("setu_planning.exchange")


class ClientTransport:
    """Sends outbound changes with one pooled SETU client per counterparty."""

    def __init__(
        self, parties: PartyDirectory, *, connect_timeout: float = 5.0, read_timeout: float = 30.0
    ):
        self._parties = parties
        self._timeouts = (connect_timeout, read_timeout)
        self._clients: dict[str, SetuClient] = {}

    def client(self, party: str) -> SetuClient:
        """The client for a party's endpoint (its token is read from the environment at each call)."""
        if party not in self._clients:
            config = self._parties[party]
            if config.endpoint is None:
                raise EndpointTokenMissing(f"party {party} has no endpoint in the parties file")
            config.endpoint_token()  # fail early and plainly when the variable is missing
            self._clients[party] = SetuClient(
                config.endpoint.url,
                token=lambda config=config: config.endpoint_token(),
                setu_version=config.endpoint.setu_version,
                format=config.endpoint.format,
                connect_timeout=self._timeouts[0],
                read_timeout=self._timeouts[1],
            )
        return self._clients[party]

    def close(self) -> None:
        for client in self._clients.values():
            client.close()

    def send(self, change: OutboundChange) -> Outcome:
        try:
            endpoint = self.client(change.party).acting_for(change.actor).endpoint(change.kind)
        except (KeyError, EndpointTokenMissing) as error:
            return Outcome.retry(f"party {change.party} cannot be reached: {error}")
        try:
            return _send(endpoint, change)
        except SetuClientError as error:
            return _settled_anyway(endpoint, change, error) or _failure(error)
        except SetuClientFailure as error:
            return _failure(error)


def _send(endpoint: Any, change: OutboundChange) -> Outcome:
    kind = change.change
    if kind is Change.CREATE:
        created = endpoint.create(change.message)
        return Outcome.ok(created.id)
    remote = change.remote_id
    if remote is None:
        return Outcome.refused("the counterparty's id of this resource is unknown (its creation was skipped)")
    if kind is Change.REPLACE:
        endpoint.replace(remote, change.message)
    elif kind is Change.ADD_LINE:
        endpoint.add_line(remote, change.line_kind, change.line)
    elif kind is Change.REPLACE_LINE:
        endpoint.replace_line(remote, change.line_id, change.line, line_kind=change.line_kind)
    elif kind is Change.REMOVE_LINE:
        endpoint.remove_line(remote, change.line_id)
    elif kind is Change.CANCEL:
        endpoint.cancel(remote)
    return Outcome.ok(remote)


def _settled_anyway(endpoint: Any, change: OutboundChange, error: SetuClientError) -> Outcome | None:
    """A refusal that only says the change was already made (a redelivery): check, then count it done."""
    remote = change.remote_id
    try:
        if isinstance(error, Conflict) and change.change is Change.ADD_LINE:
            there = endpoint.get_line(remote, change.line_id).line
            if there == change.line:
                return Outcome.ok(remote, error.status)
        elif isinstance(error, NotFound) and change.change is Change.CANCEL:
            endpoint.get(remote)
        elif isinstance(error, NotFound) and change.change is Change.REMOVE_LINE:
            endpoint.get_line(remote, change.line_id)
    except NotFound:
        return Outcome.ok(remote, error.status)  # gone: the DELETE had been applied
    except SetuClientFailure:
        return None
    return None


def _failure(error: SetuClientFailure) -> Outcome:
    status = getattr(error, "status", None)
    text = str(error)  # the client's message already names status, code and description
    if error.retryable:
        return Outcome.retry(text, getattr(error, "retry_after", None), status)
    return Outcome.refused(text, status)


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
    ):
        self.planning = planning
        self.parties = parties
        self.transport = transport or ClientTransport(parties)
        self.delivery = DeliveryApplication(
            planning, [c.party for c in parties.parties_with_endpoint()], backoff=backoff
        )
        from .metrics import observe_attempt

        self.delivery.outcome_listeners.append(observe_attempt)
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
        self.transport.close()
        self.delivery.close()

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
        """Created, or replaced when it changed, as that party's resource: never delivered back to it."""
        service = self.planning.service(kind)
        document = message["documentId"]
        known = service.find_by_document(
            issuing_party(message), document["value"], document["schemeAgencyId"], party=config.party
        )
        if known is None:
            return service.submit(message, party=config.party).state
        if known.message == message:
            return known
        return service.replace(known.id, message, party=config.party)


def start_background_delivery(planning: PlanningApplication, parties: PartyDirectory) -> Exchange | None:
    """What ``serve`` does in each worker process: deliver when this process holds the lock."""
    if not parties.parties_with_endpoint():
        return None
    return Exchange(planning, parties).start()
