"""SETU-XML-CHARACTERS: every text of a message can be written as XML 1.0 (see :mod:`.rules`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from .common import NOT_XML_CHARACTER
from .errors import Violation, element_path

XML_CHARACTERS = "SETU-XML-CHARACTERS"


def _texts(value: Any, path: str, skip: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    """(path, text) for every string in a model, its sub-models and lists (elements in ``skip`` left out)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            if name not in skip:
                yield from _texts(getattr(value, name), element_path(path, name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts(item, element_path(path, index))


def _holds_non_xml_text(value: Any, skip: tuple[str, ...] = ()) -> bool:
    """Whether any text holds such a character: the common case, answered without building paths."""
    stack = [getattr(value, name) for name in type(value).model_fields if name not in skip]
    while stack:
        item = stack.pop()
        if type(item) is str:
            if NOT_XML_CHARACTER.search(item):
                return True
        elif isinstance(item, BaseModel):
            stack.extend(item.__dict__.values())
        elif type(item) is list:
            stack.extend(item)
    return False


def text_holds_only_xml_characters(
    message_or_line: BaseModel, path: str = "", skip: tuple[str, ...] = ()
) -> list[Violation]:
    """SETU-XML-CHARACTERS: no text holds a character XML 1.0 cannot carry.

    A message is served in JSON or XML as the reader asks, so what cannot be
    written as XML (control characters such as U+0001, lone surrogates) may
    not be stored. One search per text keeps the cost linear.
    """
    if not _holds_non_xml_text(message_or_line, skip):
        return []
    found = []
    for where, text in _texts(message_or_line, path, skip):
        bad = NOT_XML_CHARACTER.search(text)
        if bad:
            found.append(
                Violation(
                    where,
                    XML_CHARACTERS,
                    f"text holds U+{ord(bad.group()):04X}, a character XML 1.0 cannot carry "
                    "(control characters other than tab, line feed and carriage return, lone surrogates, "
                    "U+FFFE, U+FFFF); every message must be readable in JSON and XML",
                )
            )
    return found
