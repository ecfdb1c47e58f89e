"""Domain errors: every refusal says which element, which rule and why.

The interface layer maps each class to an HTTP status and the SETU error object
(``code``, ``description``); the domain itself knows nothing of HTTP.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

MAX_REPORTED_VIOLATIONS = 20
"""A refusal lists at most this many violations and counts the rest.

A hostile body can break a rule thousands of times (20,000 empty lines);
listing every violation would make the answer as costly as the attack.
"""


@dataclass(frozen=True)
class Violation:
    """One thing wrong with a message.

    ``element`` is a slash-separated path into the message as SETU JSON
    (``positionProfile/positionPeriod``, ``periodicPlanningLine/0/breaks/1``);
    ``rule`` names the business rule (``BR-289``) or the schema keyword
    (``schema:required``) that was broken; ``reason`` says why in words.
    """

    element: str
    rule: str
    reason: str

    def __str__(self) -> str:
        where = self.element or "(message)"
        return f"{where}: {self.reason} [{self.rule}]"


def element_path(*parts: object) -> str:
    """A slash-separated element path from its parts, empty parts left out: ``element_path("breaks", 1)``."""
    return "/".join(str(p) for p in parts if p != "")


class SetuError(Exception):
    """Base of every error this library raises on purpose."""

    code = "SETU-ERROR"

    @property
    def description(self) -> str:
        return str(self)


class MessageInvalid(SetuError):
    """The message breaks the structure of the SETU JSON Schema.

    ``violations`` holds the first ``MAX_REPORTED_VIOLATIONS`` violations,
    ``more_violations`` how many more there were; the description ends with
    ``… and 19,980 more violations`` when some were left out.
    """

    code = "SETU-INVALID-MESSAGE"

    def __init__(self, violations: Iterable[Violation], more_violations: int = 0):
        """``more_violations``: violations known to exist beyond those given (not built, to save work)."""
        found = list(violations)
        if not found:
            raise ValueError("MessageInvalid needs at least one violation")
        self.violations = found[:MAX_REPORTED_VIOLATIONS]
        self.more_violations = more_violations + len(found) - len(self.violations)
        super().__init__(_describe(self.violations, self.more_violations))


def _describe(violations: list[Violation], more: int) -> str:
    """The violations in one line; lone surrogates (a JSON key may hold one) escaped, so it encodes as UTF-8."""
    text = "; ".join(str(v) for v in violations)
    if more:
        text += f"; … and {more:,} more violation{'s' if more > 1 else ''}"
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class BusinessRuleViolated(MessageInvalid):
    """The message is well formed but breaks a SETU business rule."""

    code = "SETU-BUSINESS-RULE"


class ResourceNotFound(SetuError):
    """No resource with that id exists (or it did not exist at that moment)."""

    code = "SETU-NOT-FOUND"


class ResourceCancelled(ResourceNotFound):
    """The resource existed but was cancelled (deleted); its history remains."""

    code = "SETU-CANCELLED"


class LineNotFound(ResourceNotFound):
    """The resource has no line with that line id."""

    code = "SETU-LINE-NOT-FOUND"


class LineAlreadyExists(SetuError):
    """A line with that line id is already part of the resource."""

    code = "SETU-LINE-EXISTS"


class DocumentConflict(SetuError):
    """The same party already submitted this documentId with other content."""

    code = "SETU-DOCUMENT-CONFLICT"


class VersionMismatch(SetuError):
    """The caller expected another version of the resource (If-Match)."""

    code = "SETU-VERSION-MISMATCH"
