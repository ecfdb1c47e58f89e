"""What a successful call answers: the message or line as the counterparty took or holds it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from setu_planning.domain.messages import LineKind


@dataclass(frozen=True)
class Created:
    """A message the counterparty took in.

    ``id`` is the resource id the server assigned (from ``Location``, the
    only place the standard puts it); keep it to GET, PUT or DELETE later.
    ``message`` is the body answered, or the message sent when the answer
    had none.
    """

    id: str
    location: str
    message: dict[str, Any]
    etag: str | None


@dataclass(frozen=True)
class Fetched:
    """A message as the counterparty holds it (GET), or as a PUT left it."""

    message: dict[str, Any]
    etag: str | None


@dataclass(frozen=True)
class LineCreated:
    """A line added to resource ``id``; ``line_id`` from the line's ``Location``."""

    id: str
    line_id: str
    location: str | None
    line_kind: LineKind
    line: dict[str, Any]
    etag: str | None


@dataclass(frozen=True)
class FetchedLine:
    """One line (periodic or single) as the counterparty answered it."""

    line_kind: LineKind
    line: dict[str, Any]
    etag: str | None
