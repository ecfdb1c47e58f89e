"""Who asked for a change, and how it arrived: recorded on every event.

An audit entry must name who really acted. Over REST that is the
authenticated counterparty (``party``, also the ``actor``); a user name its
system sends along is kept beside it as ``on_behalf_of``, never instead of it.
Through the embedding API the caller names itself (``actor``) and ``party`` is
None: the change was made here, not received from a counterparty.

A command is told who acts by one :class:`Caller`; the event records the
:class:`Provenance` it derives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .parties import Party


@dataclass(frozen=True)
class Provenance:
    """The origin of one command: actor, counterparty, on-behalf-of user, SETU version."""

    actor: str | None = None
    setu_version: str | None = None
    party: str | None = None
    on_behalf_of: str | None = None

    @classmethod
    def of_party(cls, party: str, *, setu_version: str | None = None, on_behalf_of: str | None = None) -> Provenance:
        """A change received from an authenticated counterparty: it is the actor."""
        return cls(actor=party, setu_version=setu_version, party=party, on_behalf_of=on_behalf_of)

    def event_fields(self) -> dict[str, Any]:
        """The keyword arguments every resource event records."""
        return {
            "actor": self.actor,
            "setu_version": self.setu_version,
            "party": self.party,
            "on_behalf_of": self.on_behalf_of,
        }


LOCAL = Provenance()
"""A change made here by an unnamed local caller."""


@dataclass(frozen=True)
class Caller:
    """Who issues a command: the authenticated counterparty or a local actor, and in which SETU version.

    Build one with :meth:`local` (a system or user of this service, by name)
    or :meth:`counterparty` (an authenticated :class:`~.parties.Party`, with
    the user its system says it acts for). Commands limit a counterparty to
    resources that name it; a local caller sees all.
    """

    party: Party | None = None
    actor: str | None = None
    on_behalf_of: str | None = None
    setu_version: str | None = None

    @classmethod
    def local(cls, actor: str | None = None, *, setu_version: str | None = None) -> Caller:
        """A change made here, by the named system or user."""
        return cls(actor=actor, setu_version=setu_version)

    @classmethod
    def counterparty(cls, party: Party, *, on_behalf_of: str | None = None, setu_version: str | None = None) -> Caller:
        """A change received from an authenticated counterparty, possibly for one of its users."""
        return cls(party=party, on_behalf_of=on_behalf_of, setu_version=setu_version)

    @property
    def provenance(self) -> Provenance:
        """What the event records: with a party, the party is the actor; else the caller's own name."""
        if self.party is not None:
            return Provenance.of_party(self.party.name, setu_version=self.setu_version, on_behalf_of=self.on_behalf_of)
        return Provenance(actor=self.actor, setu_version=self.setu_version, on_behalf_of=self.on_behalf_of)


LOCAL_CALLER = Caller()
"""An unnamed local caller: the default of every command."""
