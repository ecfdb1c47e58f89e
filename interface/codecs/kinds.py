"""The three message kinds as the REST API names them: listed once, for server, client and CLI.

Each SETU Planning message kind has its collection under ``/planning/`` and,
for lists of it in XML, the wrapper element the OpenAPI names.
"""

from __future__ import annotations

from dataclasses import dataclass

from setu_planning.domain.messages import MessageKind


@dataclass(frozen=True)
class Kind:
    """How one message kind appears in the API."""

    kind: MessageKind
    path: str  # "requests": the collection, /planning/requests
    list_wrapper: str  # XML element around a list of these messages


KINDS = (
    Kind(MessageKind.REQUEST, "requests", "Requests"),
    Kind(MessageKind.ASSIGNMENT, "assignments", "Assignments"),
    Kind(MessageKind.CONSTRAINTS, "constraints", "Constraints"),
)

BY_KIND = {spec.kind: spec for spec in KINDS}
"""Each :class:`Kind` by its :class:`MessageKind`."""

BY_PATH = {spec.path: spec for spec in KINDS}
"""Each :class:`Kind` by its collection (``"requests"``)."""
