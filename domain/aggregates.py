"""Event-sourced aggregates for the three SETU planning resources.

A resource is one SETU message as the exchanging parties see it now, plus the
events that made it so. Commands check everything first (structure, business
rules, line ids, cancellation) and only then trigger an event, so a failed
command leaves nothing behind. Events record the change *as received*, who
asked (``actor``, the counterparty ``party``, ``on_behalf_of``: see
:mod:`.provenance`) and the SETU version it arrived in; applying them is the
only way state changes.

The state kept is the message in the version-neutral SETU 2.0 JSON shape
(a plain ``dict``), so it stores as JSON and reads back exactly.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from eventsourcing.domain import Aggregate, event

from .errors import (
    BusinessRuleViolated,
    LineAlreadyExists,
    LineNotFound,
    ResourceCancelled,
    Violation,
)
from .messages import (
    LineKind,
    MessageKind,
    check_replacement,
    line_field,
    to_json,
    validate_line,
    validate_message,
    validate_structure,
)
from .messages import (
    line_id as line_id_of,
)
from .provenance import LOCAL, Provenance
from .replacement import merge_replacement


def content_digest(message: Mapping[str, Any]) -> str:
    """A stable fingerprint of a message's content, for idempotent submission."""
    canonical = json.dumps(message, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def find_line(
    kind: MessageKind, message: Mapping[str, Any], wanted: str, owner: str = "the message"
) -> tuple[LineKind, int, dict[str, Any]]:
    """Find a line by its lineId/value in a message: its kind, position and content."""
    for line_kind in LineKind:
        for index, line in enumerate(message.get(line_field(kind, line_kind), ())):
            if line_id_of(line) == wanted:
                return line_kind, index, line
    raise LineNotFound(f"{owner} has no line with lineId {wanted!r}")


class PlanningResource(Aggregate):
    """What the three SETU planning resources share: a message, its lines, a life."""

    # Set by each subclass. Annotated for the type checker only: eventsourcing
    # takes a class annotation for a dataclass-style field of the created event.
    if TYPE_CHECKING:
        kind: ClassVar[MessageKind]
    else:
        kind = None
    origin = None  # for snapshots taken before resources remembered their origin

    @event("Submitted")
    def __init__(
        self,
        message: dict[str, Any],
        actor: str | None,
        setu_version: str | None,
        party: str | None = None,
        on_behalf_of: str | None = None,
    ):
        self.message = message
        self.setu_version = setu_version
        self.submitted_digest = content_digest(message)
        self.cancelled = False
        # The counterparty the resource came from (None: made here). It owns
        # the resource on its side, so changes are never delivered back to it.
        self.origin = party

    # ----------------------------------------------------------------- creation
    @classmethod
    def submit(cls, data: Mapping[str, Any], *, by: Provenance = LOCAL) -> PlanningResource:
        """Create the resource from a new message, after checking it fully."""
        message = to_json(validate_message(cls.kind, data))
        return cls(message=message, **by.event_fields())

    # ------------------------------------------------------------------- queries
    @property
    def document_id(self) -> dict[str, Any]:
        document: dict[str, Any] = self.message["documentId"]
        return document

    def lines(self) -> Iterator[tuple[LineKind, dict[str, Any]]]:
        """Every line of the message, periodic ones first, as (kind, line)."""
        for kind in LineKind:
            for line in self.message.get(line_field(self.kind, kind), ()):
                yield kind, line

    def find_line(self, wanted: str) -> tuple[LineKind, int, dict[str, Any]]:
        """The line with lineId/value ``wanted``: its kind, position and content."""
        return find_line(self.kind, self.message, wanted, f"{self.kind} {self.id}")

    def has_line(self, wanted: str) -> bool:
        return any(line_id_of(line) == wanted for _, line in self.lines())

    # ------------------------------------------------------------------ commands
    def replace(self, data: Mapping[str, Any], *, by: Provenance = LOCAL) -> None:
        """Whole replacement (PUT): omitted optional elements keep their stored value.

        A replacement that changes nothing records nothing: PUT is idempotent,
        so a counterparty delivering the same change twice leaves one event.
        """
        self._check_open()
        received = to_json(validate_structure(self.kind, data))
        merged = merge_replacement(self.message, received)
        if merged == self.message:
            return
        check_replacement(self.kind, self.message, merged)
        validate_message(self.kind, merged)
        self._replaced(message=received, **by.event_fields())

    def add_line(self, line_kind: LineKind, data: Mapping[str, Any], *, by: Provenance = LOCAL) -> dict[str, Any]:
        """Add one periodic or single line; its lineId must be new to the message."""
        self._check_open()
        line = to_json(validate_line(self.kind, line_kind, data))
        wanted = line_id_of(line)
        if self.has_line(wanted):
            raise LineAlreadyExists(f"{self.kind} {self.id} already has a line with lineId {wanted!r}")
        validate_message(self.kind, self._with_line_added(line_kind, line))
        self._line_added(line_kind=line_kind.value, line=line, **by.event_fields())
        return line

    def replace_line(self, wanted: str, data: Mapping[str, Any], *, by: Provenance = LOCAL) -> dict[str, Any]:
        """Replace one line (PUT semantics, as for the whole message); the lineId stays."""
        self._check_open()
        line_kind, _, _ = self.find_line(wanted)
        received = to_json(validate_line(self.kind, line_kind, data))
        if line_id_of(received) != wanted:
            raise BusinessRuleViolated(
                [
                    Violation(
                        element="lineId/value",
                        rule="SETU-LINE-ID-STABLE",
                        reason=(
                            f"the line addressed as {wanted!r} cannot change its lineId "
                            f"to {line_id_of(received)!r}; remove it and add a new line instead"
                        ),
                    )
                ]
            )
        candidate, merged = self._with_line_replaced(wanted, received)
        if candidate == self.message:
            return merged  # changes nothing: records nothing (an idempotent PUT)
        validate_line(self.kind, line_kind, merged)
        validate_message(self.kind, candidate)
        self._line_replaced(line_id=wanted, line=received, **by.event_fields())
        return merged

    def remove_line(self, wanted: str, *, by: Provenance = LOCAL) -> dict[str, Any]:
        """Remove one line; the message must still satisfy the rules without it."""
        self._check_open()
        _, _, stored = self.find_line(wanted)
        validate_message(self.kind, self._without_line(wanted))
        self._line_removed(line_id=wanted, **by.event_fields())
        return stored

    def cancel(self, *, by: Provenance = LOCAL) -> None:
        """Cancel (DELETE) the resource: gone from current state, kept in history."""
        self._check_open()
        self._cancelled(**by.event_fields())

    def _check_open(self) -> None:
        if self.cancelled:
            raise ResourceCancelled(f"{self.kind} {self.id} was cancelled")

    # The message a line change leads to: commands validate it, appliers adopt it.
    def _with_line_added(self, line_kind: LineKind, line: dict[str, Any]) -> dict[str, Any]:
        field = line_field(self.kind, line_kind)
        return {**self.message, field: [*self.message.get(field, ()), line]}

    def _with_line_replaced(self, wanted: str, received: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """The new message, and the line as it becomes (received merged into stored)."""
        line_kind, index, stored = self.find_line(wanted)
        merged = merge_replacement(stored, received)
        field = line_field(self.kind, line_kind)
        lines = list(self.message[field])
        lines[index] = merged
        return {**self.message, field: lines}, merged

    def _without_line(self, wanted: str) -> dict[str, Any]:
        line_kind, index, _ = self.find_line(wanted)
        field = line_field(self.kind, line_kind)
        remaining = [*self.message[field][:index], *self.message[field][index + 1 :]]
        message = {**self.message, field: remaining}
        if not remaining:
            del message[field]
        return message

    # ------------------------------------------------------------ event appliers
    # Every applier takes the provenance fields (Provenance.event_fields); old
    # events stored before party and on_behalf_of existed read back as None.
    @event("Replaced")
    def _replaced(
        self,
        message: dict[str, Any],
        actor: str | None,
        setu_version: str | None,
        party: str | None = None,
        on_behalf_of: str | None = None,
    ) -> None:
        self.message = merge_replacement(self.message, message)
        self.setu_version = setu_version or self.setu_version

    @event("LineAdded")
    def _line_added(
        self,
        line_kind: str,
        line: dict[str, Any],
        actor: str | None,
        setu_version: str | None,
        party: str | None = None,
        on_behalf_of: str | None = None,
    ) -> None:
        self.message = self._with_line_added(LineKind(line_kind), line)
        self.setu_version = setu_version or self.setu_version

    @event("LineReplaced")
    def _line_replaced(
        self,
        line_id: str,
        line: dict[str, Any],
        actor: str | None,
        setu_version: str | None,
        party: str | None = None,
        on_behalf_of: str | None = None,
    ) -> None:
        self.message, _ = self._with_line_replaced(line_id, line)
        self.setu_version = setu_version or self.setu_version

    @event("LineRemoved")
    def _line_removed(
        self,
        line_id: str,
        actor: str | None,
        setu_version: str | None,
        party: str | None = None,
        on_behalf_of: str | None = None,
    ) -> None:
        self.message = self._without_line(line_id)

    @event("Cancelled")
    def _cancelled(
        self, actor: str | None, setu_version: str | None, party: str | None = None, on_behalf_of: str | None = None
    ) -> None:
        self.cancelled = True


class PlanningRequest(PlanningResource):
    """A customer's request for workers on a position (periodic and single planning lines)."""

    kind = MessageKind.REQUEST


class PlanningAssignment(PlanningResource):
    """A planning system's word on which worker is planned on which lines."""

    kind = MessageKind.ASSIGNMENT


class PlanningConstraints(PlanningResource):
    """A worker's availability (periodic and single availability lines)."""

    kind = MessageKind.CONSTRAINTS


# The event classes the @event decorators make, named here so that code dispatching on them reads
# (and type-checks) as plain classes; every resource kind's events are subclasses of these.
Submitted: type[Aggregate.Event] = PlanningResource.Submitted  # type: ignore[attr-defined]
Replaced: type[Aggregate.Event] = PlanningResource.Replaced  # type: ignore[attr-defined]
LineAdded: type[Aggregate.Event] = PlanningResource.LineAdded  # type: ignore[attr-defined]
LineReplaced: type[Aggregate.Event] = PlanningResource.LineReplaced  # type: ignore[attr-defined]
LineRemoved: type[Aggregate.Event] = PlanningResource.LineRemoved  # type: ignore[attr-defined]
Cancelled: type[Aggregate.Event] = PlanningResource.Cancelled  # type: ignore[attr-defined]

RESOURCE_CLASSES: dict[MessageKind, type[PlanningResource]] = {
    cls.kind: cls for cls in (PlanningRequest, PlanningAssignment, PlanningConstraints)
}
