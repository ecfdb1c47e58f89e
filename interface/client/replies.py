"""An answer as the SETU client reads it: status, header fields, body, and the request it answers.

Why not ``httpx.Response`` throughout: a delivery reads one answer per change,
and building httpx's response (its header normalisation, its byte stream, its
request with a parsed URL) was a tenth of the sender's work. The endpoints
read answers as :class:`Reply`; :meth:`SetuClient.send
<setu_planning.interface.client.SetuClient.send>`, the public exchange,
still returns an ``httpx.Response`` made from one.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import NamedTuple

import httpx


class Sent(NamedTuple):
    """The request an answer is to: its method and URL."""

    method: str
    url: str


class ReplyHeaders:
    """Header fields as answered; :meth:`get` matches names in any case, as HTTP does."""

    __slots__ = ("_fields", "_named")

    def __init__(self, fields: list[tuple[str, str]]):
        self._fields = fields
        self._named: dict[str, str] | None = None

    def get(self, name: str, default: str | None = None) -> str | None:
        """The field's value (repeated fields joined with ``, ``, as httpx does), else ``default``."""
        if self._named is None:  # indexed on the first look: an answer is looked at several times
            named: dict[str, list[str]] = {}
            for key, value in self._fields:
                named.setdefault(key.lower(), []).append(value)
            self._named = {key: ", ".join(values) for key, values in named.items()}
        return self._named.get(name.lower(), default)

    def items(self) -> list[tuple[str, str]]:
        return list(self._fields)


class Reply(NamedTuple):
    """One answer, read whole (its size was bounded by the connection pool)."""

    status_code: int
    headers: ReplyHeaders
    content: bytes
    request: Sent

    @property
    def reason_phrase(self) -> str:
        try:
            return HTTPStatus(self.status_code).phrase
        except ValueError:
            return ""

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def as_httpx(self) -> httpx.Response:
        """The same answer as an ``httpx.Response`` (what the public ``send`` returns)."""
        request = httpx.Request(self.request.method, self.request.url)
        return httpx.Response(self.status_code, headers=self.headers.items(), content=self.content, request=request)


Answered = Reply | httpx.Response
"""What the client's decoders read: its own replies, or an ``httpx.Response`` a caller made."""
