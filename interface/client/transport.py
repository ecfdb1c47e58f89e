"""Delivery over the SETU client: one pooled client per counterparty, and what its answers mean.

A change the counterparty's rendering (SETU 1.0, XML) cannot carry whole is
never sent silently: with the party's ``lossy = "warn"`` (the default) it is
sent and its outcome carries the rendering's warning; with ``"refuse"`` it is
not sent, a refusal whose error is that warning.

Redelivery is safe (delivery is at least once): a re-POST of the same
message is answered with the same ``Location`` by any server honouring
documentIds; a line add answered 409, or a DELETE answered 404, counts as
delivered when reading the counterparty's state shows the change is there.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

from setu_planning.application.delivery import OutboundChange, Outcome
from setu_planning.domain.outbox import Change

from ..codecs.lossy import RenderingReport, line_rendering_report, rendering_report
from ..parties import EndpointTokenMissing, PartyDirectory
from .errors import Conflict, NotFound, SetuClientError, SetuClientFailure
from .setu_client import SetuClient


class ClientTransport:
    """Sends outbound changes with one pooled SETU client per counterparty."""

    def __init__(self, parties: PartyDirectory, *, connect_timeout: float = 5.0, read_timeout: float = 30.0):
        self._parties = parties
        self._timeouts = (connect_timeout, read_timeout)
        self._clients: dict[str, SetuClient] = {}
        self._made = threading.Lock()  # the sender threads start at once: one pool per party, not one each

    def client(self, party: str) -> SetuClient:
        """The client for a party's endpoint (its token is read from the environment at each call)."""
        with self._made:
            return self._client(party)

    def _client(self, party: str) -> SetuClient:
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
                connect_timeout=min(self._timeouts[0], config.endpoint.timeout_seconds),
                read_timeout=min(self._timeouts[1], config.endpoint.timeout_seconds),
                total_timeout=config.endpoint.timeout_seconds,
                max_answer=config.endpoint.max_answer_bytes,
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
        config = self._parties[change.party].endpoint
        warning = rendering(change, config.setu_version, config.format).warning() if config else None
        if warning and config is not None and config.lossy == "refuse":
            return Outcome.refused(f'{warning} (not sent: the party\'s lossy is "refuse")')
        try:
            outcome = _send(endpoint, change)
        except SetuClientError as error:
            outcome = _settled_anyway(endpoint, change, error) or _failure(error)
        except SetuClientFailure as error:
            outcome = _failure(error)
        return dataclasses.replace(outcome, warning=warning) if warning and outcome.delivered else outcome


def rendering(change: OutboundChange, version: str, fmt: str) -> RenderingReport:
    """What the body of ``change`` loses when written as SETU ``version`` in ``fmt`` (a DELETE has none)."""
    if change.change in (Change.CREATE, Change.REPLACE):
        return rendering_report(change.kind, change.message, version, fmt)
    if change.change in (Change.ADD_LINE, Change.REPLACE_LINE) and change.line is not None:
        return line_rendering_report(change.kind, change.line, version, fmt)
    return RenderingReport(change.kind, version, fmt)


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
