"""The audit trail: who changed what, when, in which SETU version.

History is read by folding the stored events in order, so each entry can say
what the event changed: the line id for line events, a field-level diff for
replacements (computed from the state just before and just after).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from setu_planning.domain.aggregates import LineAdded, LineRemoved, LineReplaced, Replaced, Submitted
from setu_planning.domain.messages import line_id


@dataclass(frozen=True)
class Change:
    """One element that a replacement changed: its path, old and new value (None = absent)."""

    element: str
    old: Any
    new: Any

    def as_json(self) -> dict[str, Any]:
        return {"element": self.element, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class HistoryEntry:
    """One event of a resource's life, as an auditor reads it."""

    version: int
    timestamp: datetime
    type: str
    actor: str | None
    setu_version: str | None
    changes: dict[str, Any] = field(default_factory=dict)
    party: str | None = None
    """The authenticated counterparty the change came from (None: made here)."""
    on_behalf_of: str | None = None
    """The user the party's system said it acted for (``X-SETU-Actor``), if any."""

    def as_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "timestamp": self.timestamp.isoformat().replace("+00:00", "Z"),
            "type": self.type,
            "actor": self.actor,
            "party": self.party,
            "onBehalfOf": self.on_behalf_of,
            "setuVersionId": self.setu_version,
            "changes": self.changes,
        }


def diff(old: Any, new: Any, path: str = "") -> list[Change]:
    """Field-level differences between two SETU JSON values.

    Objects are compared key by key; lists of lines are matched by their
    ``lineId`` (so a changed line shows as ``periodicPlanningLine[345677]/...``);
    any other list that differs is reported whole.
    """
    if old == new:
        return []
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        changes: list[Change] = []
        for key in [*old.keys(), *(k for k in new.keys() if k not in old)]:
            changes += diff(old.get(key), new.get(key), f"{path}/{key}" if path else key)
        return changes
    if _is_line_list(old) and _is_line_list(new):
        before = {line_id(line): line for line in old}
        after = {line_id(line): line for line in new}
        changes = []
        for key in [*before, *(k for k in after if k not in before)]:
            changes += diff(before.get(key), after.get(key), f"{path}[{key}]")
        return changes
    return [Change(path, old, new)]


def _is_line_list(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(item, Mapping) and "lineId" in item for item in value)
    )


def audit_trail(events: Iterable[Any]) -> list[HistoryEntry]:
    """Fold a resource's events into history entries, oldest first."""
    entries: list[HistoryEntry] = []
    resource: Any = None
    for domain_event in events:
        before = resource.message if resource is not None else None
        resource = domain_event.mutate(resource)
        name = type(domain_event).__name__
        entries.append(
            HistoryEntry(
                version=domain_event.originator_version,
                timestamp=domain_event.timestamp,
                type=name,
                actor=getattr(domain_event, "actor", None),
                setu_version=getattr(domain_event, "setu_version", None),
                changes=_changes(domain_event, before, resource.message),
                party=getattr(domain_event, "party", None),
                on_behalf_of=getattr(domain_event, "on_behalf_of", None),
            )
        )
    return entries


def _changes(domain_event: Any, before: Any, after: Any) -> dict[str, Any]:
    """What an event changed, by the class of the event."""
    if isinstance(domain_event, Submitted):
        return {"documentId": after["documentId"]}
    if isinstance(domain_event, Replaced):
        return {"diff": [change.as_json() for change in diff(before, after)]}
    fields = vars(domain_event)  # the @event classes declare no attributes to a type checker
    if isinstance(domain_event, LineAdded):
        return {"lineId": line_id(fields["line"]), "lineKind": fields["line_kind"]}
    if isinstance(domain_event, LineReplaced):
        return {
            "lineId": fields["line_id"],
            "diff": [change.as_json() for change in diff(before, after)],
        }
    if isinstance(domain_event, LineRemoved):
        return {"lineId": fields["line_id"]}
    return {}
