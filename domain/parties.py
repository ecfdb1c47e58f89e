"""Parties: who a message names, and who may therefore see it.

SETU messages name their parties in ``supplier/id`` and ``customer/id``
(a list of ``{value, schemeAgencyId}`` each). A counterparty of this service
is known by one or more such identifiers; it may see a resource exactly when
the resource's message names one of them. That rule is pure and lives here,
so the embedding API and the REST adapter apply the same isolation.

How a caller proves which party it is (bearer tokens, JWTs) is the
interface's business, not the domain's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import SetuError


class NotPermitted(SetuError):
    """The acting party may not do this: the message would not name it (HTTP 403)."""

    code = "SETU-FORBIDDEN"


PARTY_ROLES = ("supplier", "customer")
"""The message elements whose ``id`` lists name the parties of a message."""


@dataclass(frozen=True, order=True)
class PartyIdentifier:
    """One identifier of a party, as it appears in ``supplier/id`` or ``customer/id``."""

    value: str
    scheme_agency_id: str

    def as_json(self) -> dict[str, str]:
        return {"value": self.value, "schemeAgencyId": self.scheme_agency_id}

    def __str__(self) -> str:
        return f"{self.value} ({self.scheme_agency_id})"


@dataclass(frozen=True)
class Party:
    """A counterparty: a name for audit trails and logs, and the identifiers messages use for it."""

    name: str
    identifiers: frozenset[PartyIdentifier] = field(default_factory=frozenset)

    def is_named_in(self, message: Mapping[str, Any]) -> bool:
        """Whether ``message`` (SETU 2.0 JSON) names this party as supplier or customer."""
        return not self.identifiers.isdisjoint(named_identifiers(message))


def named_identifiers(message: Mapping[str, Any]) -> frozenset[PartyIdentifier]:
    """Every identifier in the message's ``supplier/id`` and ``customer/id`` lists."""
    found: set[PartyIdentifier] = set()
    for role in PARTY_ROLES:
        holder = message.get(role)
        if not isinstance(holder, Mapping):
            continue
        for identifier in holder.get("id") or ():
            if isinstance(identifier, Mapping) and "value" in identifier:
                found.add(PartyIdentifier(identifier["value"], identifier.get("schemeAgencyId", "")))
    return frozenset(found)


def parties_named(message: Mapping[str, Any], parties: Iterable[Party]) -> list[Party]:
    """The parties, of those given, that ``message`` names (in the order given)."""
    named = named_identifiers(message)
    return [party for party in parties if not party.identifiers.isdisjoint(named)]


def may_see(party: Party | None, message: Mapping[str, Any]) -> bool:
    """The isolation rule: no party (the embedding system itself) sees all; a party sees what names it."""
    return party is None or party.is_named_in(message)
