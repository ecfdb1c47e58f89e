"""The heads of an HTTP/1.1 exchange as the SETU client writes and reads them.

Written and read here rather than through ``http.client``'s ``putheader`` and
its answer's ``begin``: those check each field with a regular expression of
its own and parse the answer's head with the e-mail parser, which together
were most of the client's work per delivery. The body is still read by
``http.client``; the pool (:mod:`.connections`) bounds what is read.
"""

from __future__ import annotations

import http.client
import re
from typing import Any

MAX_HEADERS = 100
"""Header fields an answer may have (``http.client``'s own limit)."""
_BODY_METHODS = ("POST", "PUT", "PATCH")


class TooManyHeaders(http.client.HTTPException):
    def __init__(self, status: int):
        super().__init__(f"more than {MAX_HEADERS} header fields")
        self.status = status


class HTTPAnswer(http.client.HTTPResponse):
    """``http.client``'s answer, its head read here: every 1xx skipped, fields split without the e-mail parser.

    ``HTTPResponse.begin`` hands the header block to :mod:`email`'s feed
    parser, which was the largest part of reading a delivery's answer; an HTTP
    head needs no MIME. It also skips only ``100 Continue``, so a ``102`` or
    ``103`` before the answer would have been taken for the answer.
    """

    def begin(self) -> None:
        if self.headers is not None:
            return
        while True:
            version, status, reason = self._read_status()  # type: ignore[attr-defined]
            if not 100 <= status < 200 or status == 101:
                break
            _read_fields(self.fp, status)  # an interim answer: its fields are read and dropped
        self.code = self.status = status
        self.reason = reason.strip()
        if version in ("HTTP/1.0", "HTTP/0.9"):
            self.version = 10
        elif version.startswith("HTTP/1."):
            self.version = 11
        else:
            raise http.client.UnknownProtocol(version)
        self.fields = _read_fields(self.fp, status)
        self.named: dict[str, str] = {}  # lower-case name -> the first field's value, as HTTPMessage.get answers
        message = http.client.HTTPMessage()
        for name, value in self.fields:
            message.set_raw(name, value)
            self.named.setdefault(name.lower(), value)
        self.headers = self.msg = message
        encoding = self.named.get("transfer-encoding")
        self.chunked = bool(encoding) and encoding.lower() == "chunked"
        self.chunk_left = None
        self.will_close = self._check_close()  # type: ignore[attr-defined]
        length = self.named.get("content-length")
        self.length = None
        if length and not self.chunked:
            try:
                self.length = int(length)
            except ValueError:
                self.length = None
            else:
                if self.length < 0:
                    self.length = None
        if status in (204, 304) or 100 <= status < 200 or self._method == "HEAD":  # type: ignore[attr-defined]
            self.length = 0
        if not self.will_close and not self.chunked and self.length is None:
            self.will_close = True


_MAX_LINE = 65536
"""Bytes a status or header line may have (``http.client``'s own limit)."""


def _read_fields(fp: Any, status: int) -> list[tuple[str, str]]:
    """The header fields up to the blank line, as (name, value); a folded line continues the field before it."""
    fields: list[tuple[str, str]] = []
    while True:
        line = fp.readline(_MAX_LINE + 1)
        if len(line) > _MAX_LINE:
            raise http.client.LineTooLong("header line")
        if line in (b"\r\n", b"\n", b""):
            return fields
        text = line.decode("iso-8859-1").rstrip("\r\n")
        if text[:1] in (" ", "\t"):
            if not fields:
                raise http.client.HTTPException("the answer's first header line is a continuation")
            name, value = fields[-1]
            fields[-1] = (name, f"{value} {text.strip()}")
            continue
        if len(fields) >= MAX_HEADERS:
            raise TooManyHeaders(status)
        name, colon, value = text.partition(":")
        if not colon or not name or name != name.strip():
            raise http.client.HTTPException(f"a header line that is not a field: {text[:100]!r}")
        fields.append((name, value.strip(" \t")))


_UNWRITABLE = re.compile(r"[\x00-\x20\x7f]")
"""What may not be in a request target (``http.client``'s own rule)."""
_FIELD_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_LINE_BREAK = re.compile(r"[\r\n\x00]")


def request_head(
    method: str, target: str, host_line: bytes, headers: list[tuple[str, str]], body: bytes | None
) -> bytes:
    """The request line and header fields, as sent: values in UTF-8, any line break in them refused.

    Written here in one piece rather than through ``putrequest``/``putheader``,
    which check each field with a regular expression apiece and were a fifth
    of the client's work per request.
    """
    if _UNWRITABLE.search(target):
        raise http.client.HTTPException(
            f"the request cannot be written: the target {target!r} has a space or control character"
        )
    lines = [f"{method} {target} HTTP/1.1\r\n".encode("ascii"), host_line]
    for name, value in headers:
        if not _FIELD_NAME.fullmatch(name):
            raise http.client.HTTPException(f"the request cannot be written: {name!r} is not a header name")
        if _LINE_BREAK.search(value):
            raise http.client.HTTPException(f"the request cannot be written: the {name} header has a line break")
        lines.append(f"{name}: {value}\r\n".encode())
    if body is not None or method in _BODY_METHODS:
        lines.append(b"Content-Length: %d\r\n" % len(body or b""))
    lines.append(b"\r\n")
    return b"".join(lines)
