"""The domain models against the official SETU v2.0 JSON Schemas and examples.

Claim under test: whatever the official schema accepts, ``validate_structure``
accepts and ``to_json`` gives back unchanged; anything ``validate_message``
refuses beyond that is refused by a named business rule; and what the schema
refuses, the models refuse too.

Formats: JSON Schema 2020-12 treats ``format`` as an annotation unless a format
checker asserts it. We take the asserted reading (``format: time`` means a
time: ``"abc"`` is not a valid SETU time), so the schema here is always run
with jsonschema's FormatChecker, and hypothesis-jsonschema generates
format-conforming strings (it always does for date/time/date-time). The models
also accept the xs:time/xs:dateTime form without offset (``08:00:00``), which
RFC 3339 lacks, because the XML examples use it.
"""

from __future__ import annotations

import copy
import functools
import types
import typing
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from pydantic import BaseModel
from support import MESSAGES, schema_path

from setu_planning.domain.errors import BusinessRuleViolated, MessageInvalid
from setu_planning.domain.messages import (
    LINE_MODELS,
    MESSAGE_MODELS,
    LineKind,
    MessageKind,
    line_field,
    to_json,
    validate_line,
    validate_message,
    validate_structure,
)

pytestmark = pytest.mark.conformance

KINDS = [MessageKind(name) for name in MESSAGES]


@functools.cache
def _load_schema(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


@pytest.fixture(scope="module")
def official_schema(spec_dir):
    def load(kind: MessageKind) -> dict:
        return _load_schema(schema_path(spec_dir, str(kind), "2.0"))

    return load


def _validator(schema: dict) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


# --- the official examples ----------------------------------------------------


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_official_example_validates_and_round_trips(kind, official_example):
    example = official_example(str(kind))
    message = validate_message(kind, example)
    assert to_json(message) == example


@pytest.mark.parametrize("kind", KINDS, ids=str)
@pytest.mark.parametrize("line_kind", list(LineKind), ids=str)
def test_each_official_example_line_validates_alone_and_round_trips(kind, line_kind, official_example):
    example = official_example(str(kind))
    for line in example.get(line_field(kind, line_kind), []):
        assert to_json(validate_line(kind, line_kind, line)) == line


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_official_example_is_valid_for_the_official_schema(kind, official_example, official_schema):
    _validator(official_schema(kind)).validate(official_example(str(kind)))


# --- every schema element is modelled, with its cardinality and values -------


def _unwrap(annotation: typing.Any) -> tuple[typing.Any, dict]:
    """Strip Annotated/Optional/list from a field annotation: (inner type, facts)."""
    facts: dict = {}
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            for meta in annotation.__metadata__:
                for part in (meta, *getattr(meta, "metadata", ())):
                    for name in ("min_length", "max_length"):
                        if getattr(part, name, None) is not None:
                            facts[name] = getattr(part, name)
            annotation = annotation.__origin__
        elif origin in (typing.Union, types.UnionType):
            members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
            if len(members) == 1:
                annotation = members[0]
            else:
                return annotation, facts
        elif origin is list:
            facts["array"] = True
            annotation = typing.get_args(annotation)[0]
        else:
            return annotation, facts


def _compare(schema: dict, model: type[BaseModel], where: str, problems: list[str]) -> None:
    properties = schema.get("properties", {})
    fields = model.model_fields
    if schema.get("additionalProperties") is not False:
        problems.append(f"{where}: schema object is open")
    if set(properties) != set(fields):
        problems.append(f"{where}: schema {sorted(properties)} != model {sorted(fields)}")
    required = {name for name, field in fields.items() if field.is_required()}
    if set(schema.get("required", [])) != required:
        problems.append(f"{where}: required {sorted(schema.get('required', []))} != {sorted(required)}")
    for name, sub in properties.items():
        if name not in fields:
            continue
        inner, facts = _unwrap(fields[name].annotation)
        for part in fields[name].metadata:  # a bare Annotated field keeps its constraints here
            for fact in ("min_length", "max_length"):
                if getattr(part, fact, None) is not None:
                    facts[fact] = getattr(part, fact)
        path = f"{where}/{name}"
        if sub.get("type") == "array":
            if not facts.get("array"):
                problems.append(f"{path}: array not modelled as list")
            for keyword, fact in (("minItems", "min_length"), ("maxItems", "max_length")):
                if sub.get(keyword) != facts.get(fact):
                    problems.append(f"{path}: {keyword} {sub.get(keyword)} != {facts.get(fact)}")
            sub = sub["items"]
        if sub.get("type") == "object":
            if not (isinstance(inner, type) and issubclass(inner, BaseModel)):
                problems.append(f"{path}: object not modelled as a model")
            else:
                _compare(sub, inner, path, problems)
        elif "enum" in sub or "const" in sub:
            allowed = set(sub["enum"]) if "enum" in sub else {sub["const"]}
            inner, _ = _unwrap(inner)
            if typing.get_origin(inner) is not typing.Literal or set(typing.get_args(inner)) != allowed:
                problems.append(f"{path}: values {sorted(allowed)} != {inner}")


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_model_has_every_element_of_the_official_schema(kind, official_schema):
    problems: list[str] = []
    _compare(official_schema(kind), MESSAGE_MODELS[kind], str(kind), problems)
    assert problems == []


# --- differential property test: official schema vs models --------------------


def _differential(kind: MessageKind, schema: dict) -> None:
    validator = _validator(schema)

    @settings(
        max_examples=200,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )
    @given(from_schema(schema))
    def check(instance):
        validator.validate(instance)  # the premise: the official schema accepts it
        message = validate_structure(kind, instance)
        assert to_json(message) == instance
        try:
            validate_message(kind, instance)
        except BusinessRuleViolated as refusal:
            assert all(not v.rule.startswith("schema:") for v in refusal.violations)
        # MessageInvalid (structural) is not caught: it would fail the test.

    check()


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_whatever_the_official_schema_accepts_the_models_accept(kind, official_schema):
    _differential(kind, official_schema(kind))


# --- mutations of the official example: both refuse ----------------------------

MUTATIONS = {
    MessageKind.REQUEST: [
        ("unknown element", ("positionProfile", "positionLocation"), "colour", "red", "schema:additionalProperties"),
        ("unknown top element", (), "priority", 1, "schema:additionalProperties"),
        ("wrong enum", ("periodicPlanningLine", 0), "planningPeriod", "Funday", "schema:enum"),
        ("wrong const", ("documentId",), "schemeAgencyId", "Supplier", "schema:const"),
        ("missing required", ("positionProfile", "positionLocation"), "name", None, "schema:required"),
        ("wrong type", ("periodicPlanningLine", 0), "positionQuantity", "1", "schema:type"),
        ("wrong type", ("positionProfile",), "standByIndicator", "yes", "schema:type"),
        ("wrong format", ("positionProfile", "positionPeriod"), "start", "13-06-2023", "schema:format"),
        ("wrong format", ("periodicPlanningLine", 0), "startTime", "8 o'clock", "schema:format"),
        (
            "too many",
            ("supplier",),
            "id",
            [{"value": str(i), "schemeAgencyId": "Customer"} for i in range(3)],
            "schema:maxItems",
        ),
    ],
    MessageKind.ASSIGNMENT: [
        ("unknown element", ("assignedWorker",), "shoeSize", 44, "schema:additionalProperties"),
        ("wrong enum", ("periodicPlanningLine", 0, "breaks", 0), "paidOrUnpaid", "Maybe", "schema:enum"),
        ("missing required", ("assignedWorker",), "assignedStatus", None, "schema:required"),
        ("missing required", (), "positionProfile", None, "schema:required"),
        ("wrong type", ("assignedWorker",), "assignedStatus", "true", "schema:type"),
        ("wrong format", ("singlePlanningLine", 0), "startDateTime", "2022-09-14 07:00", "schema:format"),
    ],
    MessageKind.CONSTRAINTS: [
        ("unknown element", ("worker",), "nickname", "Jo", "schema:additionalProperties"),
        ("wrong enum", ("singleAvailabilityLine", 0), "availabilityStatus", "Busy", "schema:enum"),
        ("missing required", ("singleAvailabilityLine", 1), "endDateTime", None, "schema:required"),
        ("too few", ("worker",), "workerId", [], "schema:minItems"),
        ("wrong type", (), "maximumTravelDistance", "12 km", "schema:type"),
        ("wrong type", ("worker",), "workerId", {"value": "1", "schemeAgencyId": "Supplier"}, "schema:type"),
        ("wrong format", ("periodicAvailabilityLine", 0), "endTime", "25:00:00Z", "schema:format"),
    ],
}


def _mutate(example: dict, parent: tuple, key: str, value: object) -> tuple[dict, str]:
    mutated = copy.deepcopy(example)
    target = mutated
    for step in parent:
        target = target[step]
    if value is None:
        del target[key]
    else:
        target[key] = value
    return mutated, "/".join(str(p) for p in (*parent, key))


@pytest.mark.parametrize(
    ("kind", "what", "parent", "key", "value", "rule"),
    [(kind, *mutation) for kind, mutations in MUTATIONS.items() for mutation in mutations],
    ids=lambda v: v if isinstance(v, str) and " " in v else None,
)
def test_mutated_example_is_refused_by_schema_and_models(
    kind, what, parent, key, value, rule, official_example, official_schema
):
    mutated, element = _mutate(official_example(str(kind)), parent, key, value)
    assert not _validator(official_schema(kind)).is_valid(mutated), f"the official schema accepts: {what}"
    with pytest.raises(MessageInvalid) as refused:
        validate_structure(kind, mutated)
    assert not isinstance(refused.value, BusinessRuleViolated)
    assert any(v.element.startswith(element) and v.rule == rule for v in refused.value.violations), (
        refused.value.violations
    )


@given(data=st.data())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_an_unknown_element_anywhere_in_an_example_is_refused_by_both(data, official_example, official_schema):
    """Adds an unknown key to a random object of a random official example."""
    kind = data.draw(st.sampled_from(KINDS))
    example, schema = official_example(str(kind)), official_schema(kind)
    path = data.draw(st.sampled_from(list(_objects(example, ()))))
    mutated = copy.deepcopy(example)
    target = mutated
    for step in path:
        target = target[step]
    target["notInSetu"] = "x"
    assert not _validator(schema).is_valid(mutated)
    with pytest.raises(MessageInvalid) as refused:
        validate_structure(kind, mutated)
    assert [v.rule for v in refused.value.violations] == ["schema:additionalProperties"]
    assert refused.value.violations[0].element == "/".join(str(p) for p in (*path, "notInSetu"))


def _objects(node: object, path: tuple):
    if isinstance(node, dict):
        yield path
        for key, value in node.items():
            yield from _objects(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _objects(value, (*path, index))


def test_line_models_match_the_lines_of_the_message_schema(official_schema):
    problems: list[str] = []
    for (kind, line_kind), model in LINE_MODELS.items():
        items = official_schema(kind)["properties"][line_field(kind, line_kind)]["items"]
        _compare(items, model, f"{kind}/{line_field(kind, line_kind)}", problems)
    assert problems == []
