"""Property: whatever body arrives, the edge and the domain answer with a SETU error or a message.

Each generated body goes through ``wire.decode_message`` and ``wire.decode_line`` (JSON and
XML, SETU 1.0 and 2.0, all three kinds), then ``validate_message``/``validate_line``; what
validates is rendered with ``wire.Encoder`` in JSON and XML for both versions and must read
back (decode and validate again) without complaint. The only exceptions allowed anywhere are
``SetuError`` subclasses (wire's ``MalformedBody`` and friends included): anything else would
be a 500.

CI budget: every test is derandomized (the same examples on every run, no example database)
and capped by ``max_examples`` (120 to 400 per test); measured at 0.3-3 s per test, about 9 s
for the module. Bodies stay under the 1 MiB the HTTP layer accepts. To search harder locally,
multiply every budget: ``SETU_HYPOTHESIS_BUDGET=20`` (ran clean in about 4 minutes).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import MESSAGES, VERSIONS, example_path

from setu_planning.domain.errors import SetuError
from setu_planning.domain.messages import LineKind, MessageKind, line_field, to_json, validate_line, validate_message
from setu_planning.interface import versions, wire, xml_codec
from setu_planning.interface.xml_tables import NAMESPACES, TREES

KINDS = [MessageKind(name) for name in MESSAGES]
FORMATS = (wire.JSON, wire.XML)
BUDGET = int(os.environ.get("SETU_HYPOTHESIS_BUDGET", "1"))  # multiplies every max_examples below


def bounded(examples: int) -> settings:
    """Derandomized, no database, no deadline: a fixed and reproducible CI budget."""
    return settings(
        max_examples=examples * BUDGET,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


# --- the property ------------------------------------------------------------------------------


def _reads_back(body: bytes, fmt: str, kind: MessageKind, version: str, line_kind: LineKind | None) -> None:
    """What we wrote must be what we accept: decode and validate it again, no refusal allowed."""
    if line_kind is None:
        validate_message(kind, wire.decode_message(body, fmt, kind, version))
    else:
        chosen, line = wire.decode_line(body, fmt, kind, version, line_kind)
        validate_line(kind, chosen, line)


def message_is_answered(body: bytes, fmt: str, kind: MessageKind, version: str) -> None:
    """Decode and validate a message body; render what validates in every format and version."""
    try:
        stored = to_json(validate_message(kind, wire.decode_message(body, fmt, kind, version)))
    except SetuError:
        return
    for out_fmt in FORMATS:
        for out_version in VERSIONS:
            rendered = wire.Encoder(out_fmt, out_version).message(kind, stored)
            _reads_back(rendered, out_fmt, kind, out_version, None)


def line_is_answered(body: bytes, fmt: str, kind: MessageKind, version: str, line_kind: LineKind | None) -> None:
    """Decode and validate a line body; render what validates in every format and version."""
    try:
        chosen, line = wire.decode_line(body, fmt, kind, version, line_kind)
        stored = to_json(validate_line(kind, chosen, line))
    except SetuError:
        return
    for out_fmt in FORMATS:
        for out_version in VERSIONS:
            rendered = wire.Encoder(out_fmt, out_version).line(kind, chosen, stored)
            _reads_back(rendered, out_fmt, kind, out_version, chosen)


MAX_BODY = 1024 * 1024  # the HTTP layer answers 413 beyond this (http.DEFAULT_MAX_BODY)


def everything_answers(body: bytes, fmt: str, kind: MessageKind, version: str) -> None:
    """One body, every way in: as a message and as a line of either kind (or any kind)."""
    if len(body) > MAX_BODY:
        return
    message_is_answered(body, fmt, kind, version)
    for line_kind in (LineKind.PERIODIC, LineKind.SINGLE, None):
        line_is_answered(body, fmt, kind, version, line_kind)


where = st.tuples(st.sampled_from(KINDS), st.sampled_from(VERSIONS))


# --- hostile values ----------------------------------------------------------------------------

ODD_TEXTS = [
    "",
    " ",
    ".",
    "..",
    "/",
    "a/b",
    "\\",
    "%2F",
    "\x00",
    "\x01",
    "\x1f",
    "\x7f",
    "\x85",
    "\ud800",
    "\udfff",
    "\ufffe",
    "\uffff",
    "😀",
    "\u202e",
    "<&>]]>",
    "\r\n",
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "2024-01-01T00:00:00+24:00",
    "2024-01-01T00:00:00+99:99",
    "00:00:00+14:00",
    "23:59:59-23:59",
    "24:00:00",
    "08:00:00Z",
    "1e999",
    "Exception",
    "Occasional",
    "Monday",
    "Daily",
    "Customer",
    "Supplier",
    "Paid",
    "Available",
    "KvK",
    "BTW",
    "true",
]
odd_text = st.sampled_from(ODD_TEXTS) | st.text(st.characters(exclude_categories=()), max_size=12)
small_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.sampled_from([0, 1, 2.0, -1, 1e308, -0.0, 5e-324]),
    st.floats(allow_nan=True, allow_infinity=True),  # json.dumps writes NaN and Infinity literals
    odd_text,
)
json_scalar = small_scalar | st.sampled_from([10**4000, "a" * 5000])  # big: never in huge arrays


def _names(nodes: tuple) -> set[str]:
    found: set[str] = set()
    for node in nodes:
        found |= {node[0], node[1]}
        if not isinstance(node[4], str):
            found |= _names(node[4])
    return found


# Element names of every SETU message (XML and JSON, both versions) and a few strangers.
SETU_NAMES = sorted(set().union(*(_names(nodes) for nodes in TREES.values())) | {"colour", "", "item "})
setu_name = st.sampled_from(SETU_NAMES)


def plausible_json(leaves: int = 30, scalar: st.SearchStrategy = json_scalar) -> st.SearchStrategy:
    """SETU-looking JSON: SETU element names, wrong types, odd strings, small arrays."""

    def extend(children: st.SearchStrategy) -> st.SearchStrategy:
        return st.lists(children, max_size=4) | st.dictionaries(setu_name, children, max_size=6)

    return st.recursive(scalar, extend, max_leaves=leaves)


# A huge array holds one small value many times: one level only, so sizes never multiply.
huge_array = st.builds(lambda item, n: [item] * n, plausible_json(6, small_scalar), st.integers(100, 3000))
plausible_message = st.dictionaries(setu_name, plausible_json() | huge_array, max_size=10)


def dump(data: object) -> bytes:
    return json.dumps(data).encode()


# --- mutations -----------------------------------------------------------------------------------


@st.composite
def byte_mutations(draw: st.DrawFn, original: bytes) -> bytes:
    """A few byte-level edits: flip, delete, insert, duplicate a slice, truncate."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        edit = draw(st.sampled_from(["flip", "delete", "insert", "duplicate", "truncate"]))
        if edit == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif edit == "delete":
            del data[at : at + draw(st.integers(1, 16))]
        elif edit == "insert":
            data[at:at] = draw(
                st.binary(min_size=1, max_size=8)
                | st.sampled_from([b"\x00", b"\xff", b"\xc0\xaf", b'"', b"<", b"]]>", b"&#1;", b"\\ud800"])
            )
        elif edit == "duplicate":
            data[at:at] = data[at : at + draw(st.integers(1, 200))] * draw(st.integers(1, 50))
        elif edit == "truncate":
            del data[at:]
    return bytes(data)


def _paths(data: object, leaves_only: bool) -> list[tuple]:
    """Paths of the values inside ``data`` (iteratively), or of its leaves only."""
    found, stack = [], [(data, ())]
    while stack:
        value, at = stack.pop()
        if isinstance(value, dict):
            stack.extend((child, (*at, key)) for key, child in value.items())
        elif isinstance(value, list):
            stack.extend((child, (*at, index)) for index, child in enumerate(value))
        if at and (not leaves_only or not isinstance(value, (dict, list))):
            found.append(at)
    return found


ODD_NUMBERS = [0, -1, 2.0, 1.5, 1e308, 5e-324, -0.0, 10**300, 10**4000]  # 2.0, 1e308, -0.0: integral floats
odd_number = st.one_of(st.sampled_from(ODD_NUMBERS), st.sampled_from(ODD_NUMBERS), st.integers(), st.floats())


def _leaf_edit(draw: st.DrawFn, value: object) -> object:
    """Keep the JSON type, change the value: a text becomes odd text, a number an odd number."""
    if isinstance(value, str):
        return draw(odd_text)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return draw(odd_number)
    return draw(plausible_json(8))


@st.composite
def tree_mutations(draw: st.DrawFn, original: dict) -> dict:
    """A few edits anywhere in a JSON message: retype-free leaf edits (they reach the rules and
    the renderers), or replace, delete, multiply, rename a value."""
    data = json.loads(json.dumps(original))
    for _ in range(draw(st.integers(1, 2))):
        edit = draw(st.sampled_from(["leaf", "leaf", "leaf", "replace", "delete", "multiply", "rename"]))
        paths = _paths(data, leaves_only=edit == "leaf")
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        if edit == "leaf":
            parent[path[-1]] = _leaf_edit(draw, parent[path[-1]])
        elif edit == "replace":
            parent[path[-1]] = draw(plausible_json(8))
        elif edit == "delete":
            del parent[path[-1]]
        elif edit == "multiply":  # the last edit: sizes never multiply
            parent[path[-1]] = [parent[path[-1]]] * draw(st.integers(0, 2000))
            break
        elif edit == "rename" and isinstance(parent, dict):
            parent[draw(setu_name)] = parent.pop(path[-1])
    return data


def in_utf16(body: bytes) -> bytes:
    try:
        return body.decode("utf-8").encode("utf-16")
    except UnicodeDecodeError:  # already edited out of UTF-8
        return body


JSON_TEXT_EDITS: list[Callable[[bytes], bytes]] = [
    lambda b: b.replace(b"{", b'{"documentId": 1, ', 1),  # a duplicate key
    lambda b: b.replace(b'"value": "', b'"value": "\\u0001', 1),
    lambda b: b.replace(b'"value": "', b'"value": "\\ud800', 1),
    lambda b: b.replace(b": 1", b": " + b"1" * 5000, 1),
    lambda b: b.replace(b": 1", b": 1e999", 1),
    lambda b: b.replace(b": 1", b": NaN", 1),
    lambda b: b"\xef\xbb\xbf" + b,
    in_utf16,
    lambda b: b"[" * 50_000 + b,
    lambda b: b.replace(b"{", b"{" + b'"a": {' * 40, 1) + b"}" * 40,
]


XML_TEXT_EDITS: list[Callable[[bytes], bytes]] = [
    lambda b: b.replace(b'encoding="UTF-8"', b'encoding="UTF-16"'),
    lambda b: b.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"'),
    lambda b: b.replace(b'encoding="UTF-8"', b'encoding="NO-SUCH-THING"'),
    lambda b: b.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "b">]>', 1),
    lambda b: b.replace(b"?>", b"?><?pi data?><!-- c -->", 1),
    lambda b: b.replace(b"<value>", b"<value><![CDATA[<a>]]>", 1),
    lambda b: b.replace(b"<value>", b"<value>&#1;", 1),
    lambda b: b.replace(b"<value>", b'<value xsi:nil="true" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">', 1),
    lambda b: b.replace(b"<value>", b'<value a="1">', 1),
    lambda b: b.replace(b"<value>", b"<value>" + b"<x>" * 5000, 1),
    lambda b: b.replace(b"<value>", b"<value>/../\\", 1),
    lambda b: b.replace(b"<value>", b"<value>\xff", 1),
    lambda b: b.replace(b"</value>", b"</value>" * 2, 1),
    in_utf16,
    lambda b: b"\xef\xbb\xbf" + b,
]


# --- generated XML ---------------------------------------------------------------------------------

xml_text = (
    odd_text.map(escape)
    | odd_text
    | st.sampled_from(["&#1;", "&amp;", "&bogus;", "<![CDATA[x]]>", "<!-- c -->", "<?p i?>"])
)


def xml_elements(leaves: int = 25) -> st.SearchStrategy:
    """Elements named like SETU elements, holding odd text or more elements; leaves repeated up to 500 times."""
    name = setu_name.filter(str.isidentifier)

    def extend(children: st.SearchStrategy) -> st.SearchStrategy:
        return st.builds(lambda n, inner: f"<{n}>{''.join(inner)}</{n}>", name, st.lists(children, max_size=4))

    leaf = st.builds(
        lambda n, text, repeat: f"<{n}>{text}</{n}>" * repeat, name, xml_text, st.sampled_from([1, 1, 1, 2, 500])
    )
    return st.recursive(leaf, extend, max_leaves=leaves)


@st.composite
def xml_documents(draw: st.DrawFn) -> tuple[bytes, MessageKind, str]:
    kind, version = draw(where)
    root = draw(st.sampled_from([kind.value, kind.value, "periodicPlanningLine", "singleAvailabilityLine", "Other"]))
    namespace = draw(st.sampled_from([NAMESPACES[version], NAMESPACES[version], *NAMESPACES.values(), "urn:other"]))
    declaration = draw(
        st.sampled_from(
            [
                "",
                '<?xml version="1.0" encoding="UTF-8"?>',
                '<?xml version="1.1"?>',
                "<?xml version='1.0' encoding='latin-1'?>",
            ]
        )
    )
    inner = "".join(draw(st.lists(xml_elements(), max_size=6)))
    return f'{declaration}<{root} xmlns="{namespace}">{inner}</{root}>'.encode("utf-8", "surrogatepass"), kind, version


# --- the tests ---------------------------------------------------------------------------------------


@bounded(400)
@given(body=st.binary(max_size=2000), fmt=st.sampled_from(FORMATS), at=where)
def test_random_bytes_get_a_setu_answer(body, fmt, at):
    everything_answers(body, fmt, *at)


@bounded(60)
@given(data=plausible_message, at=where)
def test_plausible_json_with_wrong_types_and_huge_arrays_gets_a_setu_answer(data, at):
    everything_answers(dump(data), wire.JSON, *at)


class Examples(dict):
    """The official examples; a short repr keeps hypothesis' failure reports readable."""

    def __repr__(self) -> str:
        return f"<{len(self)} official examples>"


@pytest.fixture(scope="module")
def official_bodies(spec_dir) -> Examples:
    """The six official examples as bytes, JSON and XML: (kind, version, fmt) -> body."""
    return Examples(
        {
            (kind, version, fmt): example_path(spec_dir, kind.value, version, ext).read_bytes()
            for kind in KINDS
            for version in VERSIONS
            for fmt, ext in ((wire.JSON, "json"), (wire.XML, "xml"))
        }
    )


def test_the_official_examples_themselves_are_accepted(official_bodies):
    for (kind, version, fmt), body in official_bodies.items():
        validate_message(kind, wire.decode_message(body, fmt, kind, version))


@bounded(200)
@given(choice=st.data(), at=where, fmt=st.sampled_from(FORMATS))
def test_official_examples_mutated_byte_by_byte_get_a_setu_answer(official_bodies, choice, at, fmt):
    body = choice.draw(byte_mutations(official_bodies[(*at, fmt)]))
    everything_answers(body, fmt, *at)


@bounded(150)
@given(choice=st.data(), at=where)
def test_official_json_examples_mutated_in_structure_get_a_setu_answer(official_bodies, choice, at):
    original = json.loads(official_bodies[(*at, wire.JSON)])
    body = dump(choice.draw(tree_mutations(original)))
    if choice.draw(st.integers(0, 3)) == 0:  # a quarter: text edits JSON trees cannot express
        body = choice.draw(st.sampled_from(JSON_TEXT_EDITS))(body)
    everything_answers(body, wire.JSON, *at)


def _at(data: object, path: tuple) -> object:
    for step in path:
        data = data[step]  # type: ignore[index]
    return data


_FREE_LEAVES: dict[tuple[MessageKind, str], list[tuple]] = {}


def _free_leaves(kind: MessageKind, message: dict) -> list[tuple]:
    """Leaves of a valid v2.0 message that take any text or any number (probed one by one)."""
    free = []
    for path in _paths(message, leaves_only=True):
        value = _at(message, path)
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            continue
        probe = json.loads(json.dumps(message))
        _at(probe, path[:-1])[path[-1]] = "free text" if isinstance(value, str) else 3  # type: ignore[index]
        try:
            validate_message(kind, probe)
        except SetuError:
            continue
        free.append(path)
    return free


@bounded(120)
@given(choice=st.data(), at=where)
def test_official_examples_with_odd_text_and_numbers_validate_or_are_refused_and_render(official_bodies, choice, at):
    """Aimed at rendering: the message stays well formed, its free texts and numbers turn odd."""
    kind, version = at
    message = wire.decode_message(official_bodies[(*at, wire.JSON)], wire.JSON, kind, version)
    if at not in _FREE_LEAVES:
        _FREE_LEAVES[at] = _free_leaves(kind, message)
    free = _FREE_LEAVES[at]
    texts = [path for path in free if isinstance(_at(message, path), str)]
    numbers = [path for path in free if path not in texts]
    edited = choice.draw(st.lists(st.sampled_from(texts), min_size=1, max_size=3))
    if numbers:
        edited += choice.draw(st.lists(st.sampled_from(numbers), max_size=2))
    for path in edited:
        _at(message, path[:-1])[path[-1]] = _leaf_edit(choice.draw, _at(message, path))  # type: ignore[index]
    body = dump(versions.v2_to_v1(kind.value, message) if version == "1.0" else message)
    everything_answers(body, wire.JSON, kind, version)


@bounded(120)
@given(choice=st.data(), at=where)
def test_official_xml_examples_edited_get_a_setu_answer(official_bodies, choice, at):
    body = official_bodies[(*at, wire.XML)]
    for edit in choice.draw(st.lists(st.sampled_from(XML_TEXT_EDITS), min_size=1, max_size=3)):
        body = edit(body)
    everything_answers(body, wire.XML, *at)


@bounded(60)
@given(document=xml_documents())
def test_generated_xml_gets_a_setu_answer(document):
    body, kind, version = document
    everything_answers(body, wire.XML, kind, version)


@bounded(150)
@given(choice=st.data(), at=where, line_kind=st.sampled_from(list(LineKind)), fmt=st.sampled_from(FORMATS))
def test_official_lines_mutated_get_a_setu_answer(official_bodies, choice, at, line_kind, fmt):
    kind, version = at
    message = json.loads(official_bodies[(kind, version, wire.JSON)])
    if version == "1.0":
        message = versions.v1_to_v2(kind.value, message)
    field = line_field(kind, line_kind)
    lines = message.get(field) or [{}]
    line = choice.draw(tree_mutations(choice.draw(st.sampled_from(lines))))
    if fmt == wire.XML:
        try:
            body = xml_codec.render_line_xml(line, kind.value, field, version)
        except xml_codec.XmlRenderError:  # the mutation made a dict XML cannot hold: send it as JSON
            body, fmt = dump({field: [line]}), wire.JSON
    else:
        body = dump(choice.draw(st.sampled_from([line, {field: [line]}, {field: [line, line]}])))
    for edit in choice.draw(
        st.lists(st.sampled_from(JSON_TEXT_EDITS if fmt == wire.JSON else XML_TEXT_EDITS), max_size=2)
    ):
        body = edit(body)
    everything_answers(body, fmt, kind, version)
