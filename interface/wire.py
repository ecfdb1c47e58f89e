"""Old path kept for users: the wire formats now live in :mod:`setu_planning.interface.codecs`.

Messages, lines and lists in :mod:`~setu_planning.interface.codecs.wire`,
headers in :mod:`~setu_planning.interface.codecs.media`, strict JSON in
:mod:`~setu_planning.interface.codecs.json_codec`.
"""

from .codecs import versions, xml_codec
from .codecs.json_codec import MAX_JSON_DEPTH
from .codecs.media import (
    JSON,
    SUPPORTED_VERSIONS,
    XML,
    MalformedBody,
    UnsupportedMediaType,
    UnsupportedVersion,
    body_format,
    check_charset,
    check_version,
)
from .codecs.wire import Encoder, decode_line, decode_message, decode_messages

__all__ = [
    "JSON",
    "MAX_JSON_DEPTH",
    "SUPPORTED_VERSIONS",
    "XML",
    "Encoder",
    "MalformedBody",
    "UnsupportedMediaType",
    "UnsupportedVersion",
    "body_format",
    "check_charset",
    "check_version",
    "decode_line",
    "decode_message",
    "decode_messages",
    "versions",
    "xml_codec",
]
