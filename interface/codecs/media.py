"""What a request or answer says about its body: media type, charset and SETU version.

Read from headers before any byte of the body is parsed, by our server and by
the client alike, so both refuse and accept the same things.
"""

from __future__ import annotations

from setu_planning.domain.errors import SetuError

SUPPORTED_VERSIONS = ("1.0", "2.0")
JSON = "application/json"
XML = "application/xml"
_XML_TYPES = {"application/xml", "text/xml"}


class UnsupportedMediaType(SetuError):
    """The body is neither JSON nor XML."""

    code = "SETU-UNSUPPORTED-MEDIA-TYPE"


class UnsupportedVersion(SetuError):
    """The setuVersionId header is missing or names a version we do not speak."""

    code = "SETU-UNSUPPORTED-VERSION"


class MalformedBody(SetuError):
    """The body is not well-formed JSON or XML."""

    code = "SETU-MALFORMED-BODY"


def check_version(value: str | None, *, required: bool) -> str | None:
    """The SETU version a request names in its ``setuVersionId`` header."""
    if value is None or value.strip() == "":
        if required:
            raise UnsupportedVersion(
                "header setuVersionId is required: supported versions are " + ", ".join(SUPPORTED_VERSIONS)
            )
        return None
    value = value.strip()
    if value not in SUPPORTED_VERSIONS:
        raise UnsupportedVersion(
            f"setuVersionId {value!r} is not supported: supported versions are " + ", ".join(SUPPORTED_VERSIONS)
        )
    return value


def body_format(content_type: str | None) -> str:
    """JSON or XML, from a Content-Type header; anything else is refused.

    A ``charset`` parameter other than UTF-8 is refused too (``check_charset``).
    """
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media == JSON or (media.startswith("application/") and media.endswith("+json")):
        fmt = JSON
    elif media in _XML_TYPES or (media.startswith("application/") and media.endswith("+xml")):
        fmt = XML
    else:
        raise UnsupportedMediaType(
            f"Content-Type {shown(content_type or '(none)')} is not supported: send application/json or application/xml"
        )
    check_charset(content_type or "", fmt)
    return fmt


_WHY_UTF8 = {
    JSON: "JSON is exchanged in UTF-8 only (RFC 8259)",
    XML: "SETU XML is accepted in UTF-8 only, the encoding of every official example",
}


def check_charset(content_type: str, fmt: str) -> None:
    """Refuse a Content-Type whose ``charset`` parameter names anything but UTF-8.

    Case-insensitive, quotes allowed (``charset="UTF-8"``, ``'utf-8'``); no charset means
    UTF-8. For JSON, RFC 8259 allows nothing else. For XML we accept UTF-8
    only as well, so a charset parameter can never contradict the document:
    a document declaring another encoding is refused by the XML codec.
    """
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() != "charset":
            continue
        charset = value.strip()
        if len(charset) >= 2 and charset[0] == charset[-1] and charset[0] in "\"'":
            charset = charset[1:-1].strip()
        if charset.lower() != "utf-8":
            raise UnsupportedMediaType(
                f"Content-Type charset {shown(charset)} is not supported: {_WHY_UTF8[fmt]}; "
                "send charset=utf-8 or no charset"
            )


def shown(text: str, limit: int = 60) -> str:
    """``text`` quoted for an error message, cut short: hostile input can be a megabyte long."""
    return repr(text if len(text) <= limit else text[:limit] + "…")
