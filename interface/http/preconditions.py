"""What a request's headers ask before the body is touched: If-Match, Accept and setuVersionId.

``If-Match`` becomes the versions a command may apply to (412 otherwise),
``Accept`` and ``setuVersionId`` choose how the answer is written; the
resource's ETag is its version.
"""

from __future__ import annotations

import functools
import re

from flask import request
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from setu_planning.application import ResourceState
from setu_planning.domain.errors import SetuError, VersionMismatch

from ..codecs import media
from ..codecs.wire import Encoder


class BadParameter(SetuError):
    """A query parameter or header has a value we cannot use."""

    code = "SETU-BAD-PARAMETER"


_ENTITY_TAG = re.compile(r'\s*(?:W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*')


def expected_version() -> frozenset[int] | None:
    """The versions If-Match accepts (``"3"``, ``W/"3"``, ``"3", "4"``); ``*`` or none means any.

    A header that is not a list of entity-tags is a 400; a well-formed tag
    that names no version of ours can never match, which is a 412.
    """
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    if len(header) > 1024:
        raise BadParameter("If-Match is longer than any list of our entity-tags")
    tags = []
    for item in header.split(","):
        match = _ENTITY_TAG.fullmatch(item)
        if match is None:
            raise BadParameter(f'If-Match {header[:100]!r} is not a list of entity-tags such as "3"')
        tags.append(match.group(1))
    versions = frozenset(int(tag) for tag in tags if tag.isdigit() and len(tag) < 19)
    if not versions:
        raise VersionMismatch(f"If-Match {header[:100]!r} names no version of this resource")
    return versions


def etag(state: ResourceState) -> str:
    """The entity-tag of a resource: its version, which If-Match names back."""
    return f'"{state.version}"'


@functools.lru_cache(maxsize=256)
def format_for(accept: str) -> str:
    """The answer's media type for an Accept header (parsed once per distinct header)."""
    best = parse_accept_header(accept, MIMEAccept).best_match([media.JSON, media.XML, "text/xml"], default=media.JSON)
    return media.XML if best in {media.XML, "text/xml"} else media.JSON


def asked() -> tuple[str, str | None]:
    """(format from Accept, SETU version from setuVersionId, if named)."""
    fmt = format_for(request.headers.get("Accept", ""))
    return fmt, media.check_version(request.headers.get("setuVersionId"), required=False)


def encoder(resource_version: str | None = None) -> Encoder:
    """Response format from Accept; SETU version from setuVersionId, else the resource's."""
    fmt, version = asked()
    return Encoder(fmt, version or resource_version or "2.0")


def body_version() -> str:
    """The SETU version a body is written in: setuVersionId is required with a body."""
    return media.check_version(request.headers.get("setuVersionId"), required=True)  # type: ignore[return-value]


def named_version() -> str | None:
    """The SETU version a request without a body names, if any."""
    return media.check_version(request.headers.get("setuVersionId"), required=False)


def body() -> tuple[bytes, str]:
    """The request body and its format (JSON or XML, from Content-Type; anything else refused)."""
    fmt = media.body_format(request.headers.get("Content-Type"))
    return request.get_data(cache=False), fmt
