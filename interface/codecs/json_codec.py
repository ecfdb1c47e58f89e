"""JSON bodies, strictly: what two parsers could read differently is refused.

UTF-8 only, unique keys, finite numbers, bounded integers and nesting
(RFC 8259 and the interoperability advice of RFC 7493); answers are written
with orjson, the stdlib where orjson refuses.
"""

from __future__ import annotations

import json
import math
from typing import Any

import orjson

from .media import MalformedBody, shown

MAX_JSON_DEPTH = 32
"""Deepest nesting of JSON objects and arrays accepted (SETU 1.0, the deepest, needs 10)."""

_UTF16_OR_32_BOMS = (b"\xff\xfe", b"\xfe\xff")  # also the start of the UTF-32 marks


def _json_text(body: bytes) -> str:
    """The body as text: UTF-8 only (RFC 8259); a UTF-8 byte order mark is tolerated and dropped."""
    if body.startswith(_UTF16_OR_32_BOMS) or b"\x00" in body:
        raise MalformedBody(
            "the body is not UTF-8 (a UTF-16 or UTF-32 byte order mark or NUL bytes): "
            "JSON is exchanged in UTF-8 only (RFC 8259)"
        )
    try:
        return body.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        raise MalformedBody(
            f"the body is not valid UTF-8: byte 0x{body[error.start]:02x} at offset {error.start}"
        ) from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are all different: parsers disagree on which duplicate wins."""
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise MalformedBody(f"the body is ambiguous JSON: key {shown(key)} occurs twice in one object")
            seen.add(key)
    return found


def _no_constant(name: str) -> Any:
    raise MalformedBody(f"the body is not JSON: {name} is not a JSON number (RFC 8259)")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise MalformedBody(f"the JSON number {shown(text)} is too large for a number (it overflows to infinity)")
    return value


_MAX_INTEGER_DIGITS = 4300  # Python's own limit on int() of a text (sys.get_int_max_str_digits)


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_INTEGER_DIGITS:
        raise MalformedBody(
            f"the JSON number {shown(text)} has more than {_MAX_INTEGER_DIGITS:,} digits; no SETU number does"
        )
    return int(text)


def _check_depth(data: Any) -> None:
    """Refuse nesting deeper than MAX_JSON_DEPTH, without recursion (later steps recurse).

    Level by level, looking only at containers: the common message costs a few microseconds.
    """
    level, depth = [data], 1
    while level:
        if depth > MAX_JSON_DEPTH:
            raise MalformedBody(
                f"the body nests JSON objects and arrays more than {MAX_JSON_DEPTH} deep; no SETU message does"
            )
        deeper = []
        for value in level:
            for child in value.values() if type(value) is dict else value:
                if type(child) is dict or type(child) is list:
                    deeper.append(child)
        level, depth = deeper, depth + 1


def read_json(body: bytes) -> Any:
    """Strict JSON: UTF-8, unique keys, finite numbers, bounded nesting. Else ``MalformedBody``."""
    text = _json_text(body)
    try:
        data = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_constant=_no_constant,
            parse_float=_finite_float,
            parse_int=_bounded_int,
        )
    except ValueError as error:  # JSONDecodeError
        raise MalformedBody(f"the body is not well-formed JSON: {error}") from None
    except RecursionError:
        raise MalformedBody(
            f"the body nests JSON objects and arrays more than {MAX_JSON_DEPTH} deep; no SETU message does"
        ) from None
    if isinstance(data, (dict, list)):
        _check_depth(data)
    return data


def dump_json(data: Any) -> bytes:
    """JSON bytes of an answer: orjson (several times faster), stdlib for what it refuses (integers
    beyond 64 bits, which the SETU schemas allow)."""
    try:
        return orjson.dumps(data)
    except orjson.JSONEncodeError:
        return json.dumps(data, ensure_ascii=False).encode("utf-8", "backslashreplace")
