"""Need-to-know through time, ownership, and whose audit a user name is.

A resource's parties can change: a customer replaces supplier B by supplier C.
What a party may know is therefore a property of each *version*, not of the
resource: a party sees version v when the message at v names it. Compared
with the version before, each version is, for one party:

- ``NAMED``: v names it and v-1 did not (or v is the first): the version that
  let it in. It is shown whole, never as a difference from what it could not see;
- ``SEEN``: v and v-1 both name it: shown as usual (content, differences);
- ``REMOVED``: v-1 named it and v does not: shown as its removal, without
  the content of v;
- ``HIDDEN``: neither names it: it does not exist for that party.

Queries (current state, ``?version=``, ``?asOf=``, lists, history) and the
outbox take their answer from the same function, :func:`sight`, so what is
read and what is sent can never disagree. The embedding system (party None)
sees every version.

Ownership: the party that created a resource here, or that it was pulled
from, is its ``origin`` and the only party that may change it; the embedding
system may change anything. A resource the embedding system created has no
origin and is changed by the embedding system only. Without parties (open
development mode) every caller is the embedding system, so none of this
restricts anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import Enum
from typing import Any

from .outbox import Change
from .parties import NotPermitted, Party, may_see


class Sight(Enum):
    """What one version of a resource is to one party."""

    HIDDEN = "hidden"
    NAMED = "named"
    SEEN = "seen"
    REMOVED = "removed"

    @property
    def readable(self) -> bool:
        """Whether the party may read the resource's content at this version."""
        return self in (Sight.NAMED, Sight.SEEN)

    @property
    def listed(self) -> bool:
        """Whether the version appears in the party's history (a removal appears, without content)."""
        return self is not Sight.HIDDEN


def sight(party: Party | None, message: Mapping[str, Any], before: Mapping[str, Any] | None) -> Sight:
    """What version v (``message``) is to ``party``, given the message at v-1 (None: v is the first)."""
    named_now = may_see(party, message)
    named_before = before is not None and may_see(party, before)
    if named_now:
        return Sight.SEEN if named_before else Sight.NAMED
    return Sight.REMOVED if named_before else Sight.HIDDEN


def sights(party: Party | None, messages: Sequence[Mapping[str, Any]]) -> list[Sight]:
    """The sight of every version, given the messages at versions 1..n in order."""
    return [sight(party, message, messages[i - 1] if i else None) for i, message in enumerate(messages)]


def history_span(party: Party | None, messages: Sequence[Mapping[str, Any]]) -> list[tuple[int, Sight]]:
    """The (version, sight) pairs a party's history lists, oldest first: every version it could see,
    and each removal; versions are numbered from 1."""
    return [(i + 1, s) for i, s in enumerate(sights(party, messages)) if s.listed]


# ------------------------------------------------------------------ outbound
def owed_change(visible: Sight, change: Change, *, created_there: bool) -> Change | None:
    """What a counterparty is sent for one change, by what that version is to it.

    A party let in is sent the resource as it now is (a create), whatever the
    change was; a party removed is sent the cancellation of its copy, never
    the new content; a party that never had a copy is sent no cancellation.
    """
    if visible is Sight.HIDDEN:
        return None
    if visible is Sight.REMOVED:
        return Change.CANCEL if created_there else None
    if visible is Sight.NAMED or not created_there:
        return None if change is Change.CANCEL else Change.CREATE
    return change


# ----------------------------------------------------------------- ownership
class NotOwner(NotPermitted):
    """A party named by a resource tried to change it, but another party owns it (HTTP 403)."""

    code = "SETU-NOT-OWNER"


def may_write(party: Party | None, origin: str | None) -> bool:
    """Only the owner (the party it came from) and the embedding system (party None) change a resource."""
    return party is None or party.name == origin


def check_owner(party: Party | None, origin: str | None, what: str) -> None:
    """Refuse a change by a party that does not own the resource ``what`` names (e.g. ``PlanningRequest <id>``)."""
    if may_write(party, origin):
        return
    owner = "the embedding system" if origin is None else f"party {origin}"
    raise NotOwner(f"{what} was created by {owner}; only its creator may replace it, change its lines or cancel it")


# --------------------------------------------------------------------- audit
def shows_on_behalf_of(viewer: Party | None, sender: str | None) -> bool:
    """Whether ``viewer`` may read the user name (``onBehalfOf``) that party ``sender`` sent along.

    The name belongs to the sending party's staff: the sender and the
    embedding system read it, other parties do not.
    """
    return viewer is None or (sender is not None and viewer.name == sender)


def parties_let_in(
    parties: Iterable[Party], message: Mapping[str, Any], before: Mapping[str, Any] | None
) -> list[Party]:
    """The parties (of those given) that the change from ``before`` to ``message`` names anew."""
    return [party for party in parties if sight(party, message, before) is Sight.NAMED]
