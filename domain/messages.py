"""What the application layer calls: validate, check rules, dump SETU JSON.

Structure (the official JSON Schema) and business rules are kept apart on
purpose: ``validate_structure`` only ever raises ``MessageInvalid`` with
``schema:*`` rules, ``check_business_rules`` only ``BusinessRuleViolated``
with rule ids (``BR-289``, ``SETU-LINE-ID-UNIQUE``). Whatever the official
schema accepts passes ``validate_structure``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import MAX_REPORTED_VIOLATIONS, BusinessRuleViolated, MessageInvalid, Violation
from .planning_assignment import AssignedPeriodicPlanningLine, AssignedSinglePlanningLine, PlanningAssignmentMessage
from .planning_constraints import PeriodicAvailabilityLine, PlanningConstraintsMessage, SingleAvailabilityLine
from .planning_request import PlanningRequestMessage, RequestedPeriodicPlanningLine, RequestedSinglePlanningLine
from .rules import br_295_replacement_keeps_position, line_rules, message_rules


class MessageKind(StrEnum):
    """The three SETU Planning messages, by their SETU names."""

    REQUEST = "PlanningRequest"
    ASSIGNMENT = "PlanningAssignment"
    CONSTRAINTS = "PlanningConstraints"


class LineKind(StrEnum):
    """A line recurs (periodic) or happens once (single)."""

    PERIODIC = "periodic"
    SINGLE = "single"


MESSAGE_MODELS: dict[MessageKind, type[BaseModel]] = {
    MessageKind.REQUEST: PlanningRequestMessage,
    MessageKind.ASSIGNMENT: PlanningAssignmentMessage,
    MessageKind.CONSTRAINTS: PlanningConstraintsMessage,
}

LINE_MODELS: dict[tuple[MessageKind, LineKind], type[BaseModel]] = {
    (MessageKind.REQUEST, LineKind.PERIODIC): RequestedPeriodicPlanningLine,
    (MessageKind.REQUEST, LineKind.SINGLE): RequestedSinglePlanningLine,
    (MessageKind.ASSIGNMENT, LineKind.PERIODIC): AssignedPeriodicPlanningLine,
    (MessageKind.ASSIGNMENT, LineKind.SINGLE): AssignedSinglePlanningLine,
    (MessageKind.CONSTRAINTS, LineKind.PERIODIC): PeriodicAvailabilityLine,
    (MessageKind.CONSTRAINTS, LineKind.SINGLE): SingleAvailabilityLine,
}

_LINE_FIELDS: dict[tuple[MessageKind, LineKind], str] = {
    (MessageKind.REQUEST, LineKind.PERIODIC): "periodicPlanningLine",
    (MessageKind.REQUEST, LineKind.SINGLE): "singlePlanningLine",
    (MessageKind.ASSIGNMENT, LineKind.PERIODIC): "periodicPlanningLine",
    (MessageKind.ASSIGNMENT, LineKind.SINGLE): "singlePlanningLine",
    (MessageKind.CONSTRAINTS, LineKind.PERIODIC): "periodicAvailabilityLine",
    (MessageKind.CONSTRAINTS, LineKind.SINGLE): "singleAvailabilityLine",
}


def line_field(kind: MessageKind, line_kind: LineKind) -> str:
    """The message element holding lines of that kind, e.g. ``periodicPlanningLine``."""
    return _LINE_FIELDS[(MessageKind(kind), LineKind(line_kind))]


# pydantic error type -> JSON Schema keyword it stands for
_SCHEMA_RULES = {
    "missing": "schema:required",
    "extra_forbidden": "schema:additionalProperties",
    "too_short": "schema:minItems",
    "too_long": "schema:maxItems",
    "schema_format": "schema:format",
}
_REASONS = {
    "missing": "required element is missing",
    "extra_forbidden": "unknown element (the schema allows no additional properties)",
    # pydantic would name its own model class here; SETU readers want the JSON word
    "model_type": "must be a JSON object",
    "model_attributes_type": "must be a JSON object",
    "dict_type": "must be a JSON object",
    "list_type": "must be a JSON array",
}


def _schema_rule(error: Any) -> str:
    kind = error["type"]
    if kind == "literal_error":
        expected = str(error.get("ctx", {}).get("expected", ""))
        return "schema:enum" if " or " in expected else "schema:const"
    return _SCHEMA_RULES.get(kind, "schema:type")


_BETWEEN_ERRORS = re.compile(r"[\s,]*")


def _errors(error: ValidationError) -> Iterator[dict[str, Any]]:
    """Pydantic's errors in order, decoded from its JSON rendering only as far as they are read.

    ``errors()`` builds a dict for every error up front: 5.6 s for the 1.3 million
    errors of a 1 MiB body of empty availability lines. ``json()`` renders them
    all in Rust in 0.35 s, and the caller reads only the first few.
    """
    try:
        text = error.json(include_url=False, include_input=False)
    except ValueError:  # PydanticSerializationError: not seen, but never worth a 500
        yield from (dict(details) for details in error.errors(include_url=False, include_input=False))
        return
    decode = json.JSONDecoder().raw_decode
    at = _BETWEEN_ERRORS.match(text, 1).end()  # type: ignore[union-attr]
    while at < len(text) and text[at] != "]":
        item, at = decode(text, at)
        at = _BETWEEN_ERRORS.match(text, at).end()  # type: ignore[union-attr]
        yield item


def _refusal(error: ValidationError) -> MessageInvalid:
    """Pydantic's errors as one refusal: the first distinct violations, and a count of the rest.

    A hostile body yields a million errors (260,000 empty lines), so only the
    reported ones are read and built; the rest are counted (``error_count``
    is free). An unread error repeating a reported violation is counted again:
    only keys holding ``/`` can make two errors one violation.
    """
    found: dict[tuple[str, str, str], None] = {}
    read = 0
    for item in _errors(error):
        read += 1
        kind = item["type"]
        rule = _SCHEMA_RULES.get(kind) or _schema_rule(item)
        found["/".join(map(str, item["loc"])), rule, _REASONS.get(kind) or item["msg"]] = None
        if len(found) == MAX_REPORTED_VIOLATIONS:
            break
    return MessageInvalid([Violation(*key) for key in found], more_violations=error.error_count() - read)


def _validate(model: type[BaseModel], data: Any) -> BaseModel:
    if isinstance(data, Mapping) and not isinstance(data, dict):
        data = dict(data)
    if not isinstance(data, dict):
        raise MessageInvalid([Violation("", "schema:type", "a SETU message or line is a JSON object")])
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise _refusal(error) from None


def validate_structure(kind: MessageKind, data: Mapping[str, Any]) -> BaseModel:
    """Check ``data`` against the SETU v2.0 JSON Schema of ``kind``; return the model.

    Raises ``MessageInvalid`` listing the structural violations (the first
    ``MAX_REPORTED_VIOLATIONS``, and how many more there were).
    """
    return _validate(MESSAGE_MODELS[MessageKind(kind)], data)


def _model_of(kind: MessageKind, message: BaseModel) -> None:
    expected = MESSAGE_MODELS[MessageKind(kind)]
    if not isinstance(message, expected):
        raise TypeError(f"expected a {expected.__name__}, got {type(message).__name__}")


def check_business_rules(kind: MessageKind, message: BaseModel) -> None:
    """Raise ``BusinessRuleViolated`` listing every business rule the message breaks."""
    _model_of(kind, message)
    found = message_rules(message)
    if found:
        raise BusinessRuleViolated(found)


def validate_message(kind: MessageKind, data: Mapping[str, Any]) -> BaseModel:
    """Structure first (``MessageInvalid``), then business rules (``BusinessRuleViolated``)."""
    message = validate_structure(kind, data)
    check_business_rules(kind, message)
    return message


def validate_line(kind: MessageKind, line_kind: LineKind, data: Mapping[str, Any]) -> BaseModel:
    """Validate one line alone: its structure, then the rules that concern one line.

    Element paths are relative to the line (``breaks/0``).
    """
    line = _validate(LINE_MODELS[(MessageKind(kind), LineKind(line_kind))], data)
    found = line_rules(line)
    if found:
        raise BusinessRuleViolated(found)
    return line


def to_json(message_or_line: BaseModel) -> dict[str, Any]:
    """The SETU JSON of a message or line: JSON names, absent elements left out."""
    return message_or_line.model_dump(mode="json", exclude_none=True)


def check_replacement(kind: MessageKind, stored: Mapping[str, Any], replacement: Mapping[str, Any]) -> None:
    """BR-295: a replacement (PUT) keeps positionId, positionTask/id and positionLocation.

    Both arguments are SETU JSON. Constraints have no such elements: nothing to check.
    """
    if MessageKind(kind) is MessageKind.CONSTRAINTS:
        return
    found = br_295_replacement_keeps_position(stored, replacement)
    if found:
        raise BusinessRuleViolated(found)


def line_id(line: Mapping[str, Any] | BaseModel) -> str:
    """The ``lineId/value`` of a line (SETU JSON dict or line model)."""
    if isinstance(line, BaseModel):
        return str(line.lineId.value)  # type: ignore[attr-defined]
    return str(line["lineId"]["value"])


def issuing_party(message: Mapping[str, Any]) -> str:
    """Who issued a message: the party its ``documentId/schemeAgencyId`` names.

    A documentId is only unique within its issuer, so idempotent submission is
    keyed on (issuer, documentId). The party is identified by its first id,
    else its legalId, else its taxId.
    """
    agency = message["documentId"]["schemeAgencyId"]
    party = message.get(agency.lower(), {})
    identity = (
        (party.get("id") or [{}])[0].get("value")
        or party.get("legalId", {}).get("value")
        or party.get("taxId", {}).get("value")
        or ""
    )
    return f"{agency}:{identity}"
