"""The SETU error object, both directions: how our server refuses, and how a client reads a refusal.

``{"code": ..., "description": ...}`` in JSON, ``<error><code/><description/></error>``
in XML. Written once and read once, here, so server and client agree.
"""

from __future__ import annotations

import json
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException

from . import xml_codec
from .media import XML
from .wire import local_name


def encode_error(fmt: str, code: str, description: str) -> bytes:
    """The error object in ``fmt`` (XML, else JSON)."""
    if fmt == XML:
        return xml_codec.render_error_xml(code, description)
    return json.dumps({"code": code, "description": description}, ensure_ascii=False).encode(
        "utf-8", "backslashreplace"
    )


def decode_error(body: bytes) -> tuple[str | None, str | None] | None:
    """(code, description) of the error object in ``body``; None when the body is something else.

    Either part may be None when the object lacks it; a proxy's HTML page or an
    empty body is no error object at all.
    """
    stripped = body.strip()
    if stripped[:1] in (b"{", b"["):
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if isinstance(data, dict) and ("code" in data or "description" in data):
            code, description = data.get("code"), data.get("description")
            return (None if code is None else str(code), None if description is None else str(description))
    elif stripped[:1] == b"<":
        try:
            root = safe_et.fromstring(body, forbid_dtd=True)
        except (ParseError, DefusedXmlException, ValueError):
            root = None
        if root is not None and local_name(root.tag) == "error":
            texts = {local_name(child.tag): (child.text or "").strip() for child in root}
            if "code" in texts or "description" in texts:
                return texts.get("code") or None, texts.get("description") or None
    return None
