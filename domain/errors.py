"""Domain errors: every refusal says which element, which rule and why.

The interface layer maps each class to an HTTP status and the SETU error object
(``code``, ``description``); the domain itself knows nothing of HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass


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


class SetuError(Exception):
    """Base of every error this library raises on purpose."""

    code = "SETU-ERROR"

    @property
    def description(self) -> str:
        return str(self)


class MessageInvalid(SetuError):
    """The message breaks the structure of the SETU JSON Schema."""

    code = "SETU-INVALID-MESSAGE"

    def __init__(self, violations: list[Violation]):
        if not violations:
            raise ValueError("MessageInvalid needs at least one violation")
        self.violations = list(violations)
        super().__init__("; ".join(str(v) for v in self.violations))


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
