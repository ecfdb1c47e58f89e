"""Who asked for a change, and how it arrived: recorded on every event.

An audit entry must name who really acted. Over REST that is the
authenticated counterparty (``party``, also the ``actor``); a user name its
system sends along is kept beside it as ``on_behalf_of``, never instead of it.
Through the embedding API the caller names itself (``actor``) and ``party`` is
None: the change was made here, not received from a counterparty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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
