"""Raw HTTP exchanges with the server under test, recorded for the checks that look at all of them.

The kit does not use :class:`~setu_planning.interface.client.SetuClient`: the
client tolerates what conforming servers differ on (200 or 201, a missing
body), which is exactly what the kit must see. Bodies are still written and
read with the project's codecs (:mod:`setu_planning.interface.wire`), so
JSON, XML, SETU 1.0 and 2.0 cost nothing here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as safe_et
import httpx
from defusedxml import DefusedXmlException

from setu_planning.domain.errors import SetuError
from setu_planning.domain.messages import LineKind, MessageKind, to_json, validate_line, validate_message
from setu_planning.interface import wire

MEDIA = {"json": wire.JSON, "xml": wire.XML}
KIND_OF = {
    "requests": MessageKind.REQUEST,
    "assignments": MessageKind.ASSIGNMENT,
    "constraints": MessageKind.CONSTRAINTS,
}


class Unreachable(Exception):
    """The server gave no HTTP answer at all: the run cannot go on."""


@dataclass
class Exchange:
    """One request and its answer, as the wire carried them."""

    method: str
    path: str
    status: int
    headers: httpx.Headers
    body: bytes
    expect: str | None = None  # "message", "line", "list" or None: what a 2xx body should be
    kind: str | None = None

    @property
    def media_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}"


@dataclass
class Probe:
    """The server under test at ``base_url``, in one SETU version and format."""

    base_url: str
    version: str
    format: str
    token: str | None = None
    timeout: float = 15.0
    exchanges: list[Exchange] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.media = MEDIA[self.format]
        self.encoder = wire.Encoder(self.media, self.version)
        self._http = httpx.Client(timeout=self.timeout, follow_redirects=False)

    def close(self) -> None:
        self._http.close()

    # -- sending -----------------------------------------------------------
    def send(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        *,
        headers: Mapping[str, str | None] | None = None,
        expect: str | None = None,
        kind: str | None = None,
        authenticated: bool = True,
        params: Mapping[str, str] | None = None,
    ) -> Exchange:
        """One exchange; ``headers`` override the defaults (a None value leaves that header out)."""
        sent = {"Accept": self.media, "setuVersionId": self.version}
        if body is not None:
            sent["Content-Type"] = self.media
        if self.token and authenticated:
            sent["Authorization"] = f"Bearer {self.token}"
        for name, value in (headers or {}).items():
            sent.pop(name, None)
            if value is not None:
                sent[name] = value
        url = self.base_url + path
        try:
            response = self._http.request(method, url, content=body, headers=sent, params=params)
        except httpx.RequestError as error:
            raise Unreachable(f"{method} {url}: no answer ({type(error).__name__}: {error})") from None
        shown = path + (("?" + str(httpx.QueryParams(params))) if params else "")
        exchange = Exchange(method, shown, response.status_code, response.headers, response.content, expect, kind)
        self.exchanges.append(exchange)
        return exchange

    # -- bodies ------------------------------------------------------------
    def message_body(self, kind: str, message: Mapping[str, Any]) -> bytes:
        return self.encoder.message(KIND_OF[kind], message)

    def line_body(self, kind: str, line_kind: LineKind, line: Mapping[str, Any]) -> bytes:
        return self.encoder.line(KIND_OF[kind], line_kind, line)

    def answer_version(self, exchange: Exchange) -> str:
        named = (exchange.headers.get("setuVersionId") or "").strip()
        return named if named in wire.SUPPORTED_VERSIONS else self.version

    def answer_format(self, exchange: Exchange) -> str:
        try:
            return wire.body_format(exchange.headers.get("Content-Type"))
        except SetuError:
            return self.media

    def read_message(self, exchange: Exchange, kind: str) -> dict[str, Any]:
        """The answered message in the 2.0 shape, checked against schema and rules; raises SetuError."""
        message = wire.decode_message(
            exchange.body, self.answer_format(exchange), KIND_OF[kind], self.answer_version(exchange)
        )
        return to_json(validate_message(KIND_OF[kind], message))

    def read_line(self, exchange: Exchange, kind: str, line_kind: LineKind | None = None) -> tuple[LineKind, dict]:
        found, line = wire.decode_line(
            exchange.body, self.answer_format(exchange), KIND_OF[kind], self.answer_version(exchange), line_kind
        )
        return found, to_json(validate_line(KIND_OF[kind], found, line))

    def read_list(self, exchange: Exchange, kind: str) -> list[dict[str, Any]]:
        """A list answer: a JSON array, or an XML wrapper element holding messages."""
        fmt, version = self.answer_format(exchange), self.answer_version(exchange)
        if fmt == wire.JSON:
            items = json.loads(exchange.body)
            if not isinstance(items, list):
                raise ValueError("a list answer is a JSON array")
            documents = [json.dumps(item).encode() for item in items]
        else:
            from lxml import etree

            root = etree.fromstring(exchange.body, etree.XMLParser(resolve_entities=False, no_network=True))
            name = KIND_OF[kind].value
            elements = [root] if etree.QName(root).localname == name else list(root)
            documents = [etree.tostring(element) for element in elements if isinstance(element.tag, str)]
        return [
            to_json(validate_message(KIND_OF[kind], wire.decode_message(d, fmt, KIND_OF[kind], version)))
            for d in documents
        ]


def canonical(kind: str, message: Mapping[str, Any]) -> dict[str, Any]:
    """A message as the schema models read it, so two readings of the same content compare equal."""
    return to_json(validate_message(KIND_OF[kind], dict(message)))


def resource_id(location: str, request_url: str, kind: str) -> str | None:
    """The id in a Location ``…/planning/{kind}/{id}`` (the singular too), or None when it names none."""
    path = urlsplit(urljoin(request_url, location.strip())).path
    segments = [s for s in path.split("/") if s]
    for index in range(len(segments) - 1):
        if segments[index] in (kind, kind.removesuffix("s")) and index > 0 and segments[index - 1] == "planning":
            return unquote(segments[index + 1]) if len(segments) == index + 2 else None
    return None


def line_id(location: str, request_url: str) -> str | None:
    path = urlsplit(urljoin(request_url, location.strip())).path
    segments = [s for s in path.split("/") if s]
    if len(segments) >= 2 and segments[-2] == "lines":
        return unquote(segments[-1])
    return None


def error_object(exchange: Exchange) -> str | None:
    """Why the body is not the SETU error object (``code``, ``description``), or None when it is."""
    body = exchange.body.strip()
    if not body:
        return "no body"
    if exchange.media_type == wire.JSON or body[:1] == b"{":
        try:
            data = json.loads(body)
        except ValueError:
            return "the body is not JSON"
        if not isinstance(data, dict):
            return "the body is not a JSON object"
        present = [key for key in ("code", "description") if key in data]
        if not present:
            return "the JSON object has neither code nor description"
        wrong = [key for key in present if not isinstance(data[key], str)]
        return f"{', '.join(wrong)} is not a string" if wrong else None
    if exchange.media_type == wire.XML or body[:1] == b"<":
        try:
            root = safe_et.fromstring(body, forbid_dtd=True)
        except (ParseError, DefusedXmlException, ValueError):
            return "the body is not well-formed XML"
        if root.tag.rsplit("}", 1)[-1] != "error":
            return f"the XML root is <{root.tag}>, not <error>"
        names = {child.tag.rsplit("}", 1)[-1] for child in root}
        return None if names & {"code", "description"} else "<error> holds neither code nor description"
    return f"the body is {exchange.media_type or 'of no declared type'}, neither JSON nor XML"
