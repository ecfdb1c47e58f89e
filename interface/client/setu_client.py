"""A client for a counterparty's SETU Planning REST API: all 29 operations of ``planning.yml``.

Why it exists: this library also *sends* SETU Planning messages (a planning
system notifies assignments, a back office sends availability), and the
counterparty may be any conforming server, not ours. So the client speaks
the standard and tolerates what conforming servers legitimately differ on:
200 or 201 for a create, no body where the OpenAPI shows one (the message
sent is then the answer), relative or absolute ``Location``, weak or absent
ETags, header name case, ``charset`` parameters, a bare line or the official
line wrapper in answers.

Messages in and out are dicts in the SETU 2.0 JSON shape, as in the embedding
API. Bodies are written and read by the same codecs as our server
(:mod:`setu_planning.interface.codecs`), so SETU 1.0 and XML cost nothing here.

Failures are typed (see :class:`SetuClientFailure`), and each says whether it
is ``retryable``, because a delivery worker must tell "try again later"
(transport, 429, 5xx) from "refused" (other 4xx).

    with SetuClient("https://planning.example.com", token="...") as client:
        created = client.requests.create(message)
        client.requests.add_line(created.id, "single", line)
"""

from __future__ import annotations

import copy
import http.client
import json
import ssl
import threading
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

import httpx

from setu_planning.domain.errors import SetuError
from setu_planning.domain.messages import LineKind, MessageKind, line_field

from ..codecs import media, wire
from ..codecs.kinds import BY_KIND
from . import connections
from .endpoints import AssignmentsEndpoint, ConstraintsEndpoint, MessageEndpoint, RequestsEndpoint, line_kind_of
from .errors import SetuProtocolError, SetuTransportError, error_for
from .replies import Answered, Reply, ReplyHeaders, Sent

USER_AGENT = "setu-planning-client"
_FRAMING = {"content-length", "content-encoding", "transfer-encoding"}
_PORTS = {"http": 80, "https": 443}
_FORMATS = {"json": media.JSON, "xml": media.XML, media.JSON: media.JSON, media.XML: media.XML}
DEFAULT_TOTAL_TIMEOUT = 20.0
"""Seconds a whole exchange may take (connect, send, headers, body); retryable when it is over."""
DEFAULT_MAX_ANSWER = 1024 * 1024
"""Bytes of an answer's body read at most (our own inbound limit); a longer answer is abandoned."""
MAX_ANSWER_HEADERS = connections.MAX_HEADERS
"""Header fields an answer may have (their total size is bounded at 100 KB too)."""


class SetuClient:
    """The SETU Planning API of one counterparty, at ``base_url`` (the client adds ``/planning/...``).

    ``token`` (a string, or a callable returning one, for tokens that expire)
    is sent as ``Authorization: Bearer``; ``on_behalf_of`` as ``X-SETU-Actor``.
    ``setu_version`` ("1.0" or "2.0") and ``format`` ("json" or "xml") are what
    the client writes and asks for; answers are read in whatever format and
    version the server says it used. One pool of keep-alive connections
    underneath (:mod:`.connections`, on the standard library's ``http.client``:
    a delivery pays for HTTP, not for a general client's machinery): share one
    SetuClient between threads. ``ssl_context`` is for TLS settings of your
    own (e.g. mTLS). Answers are returned as ``httpx.Response``.
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: str | Callable[[], str] | None = None,
        setu_version: str = "2.0",
        format: str = "json",
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        on_behalf_of: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        total_timeout: float = DEFAULT_TOTAL_TIMEOUT,
        max_answer: int = DEFAULT_MAX_ANSWER,
    ):
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"base_url must be an http(s) URL, not {base_url!r}")
        if setu_version not in media.SUPPORTED_VERSIONS:
            raise ValueError(f"setu_version must be one of {', '.join(media.SUPPORTED_VERSIONS)}")
        if format not in _FORMATS:
            raise ValueError("format must be 'json' or 'xml'")
        self.base_url = str(base_url).rstrip("/")
        self.setu_version = setu_version
        self.media_type = _FORMATS[format]
        self._token = token
        self._encoder = wire.Encoder(self.media_type, setu_version)
        self._headers = [("Accept", self.media_type), ("setuVersionId", setu_version), ("User-Agent", USER_AGENT)]
        self._on_behalf_of = on_behalf_of
        self.total_timeout = total_timeout
        self.max_answer = max_answer
        self._origin = connections.Origin(url.scheme, url.raw_host.decode("ascii"), url.port or _PORTS[url.scheme])
        self._prefix = httpx.URL(self.base_url).raw_path.decode("ascii").rstrip("/")
        self._pool = connections.ConnectionPool(
            ssl_context=ssl_context, connect_timeout=connect_timeout, read_timeout=read_timeout
        )
        self._closed = threading.Event()  # shared with the acting_for views
        self._endpoints()

    def _endpoints(self) -> None:
        self.requests = RequestsEndpoint(self)
        self.assignments = AssignmentsEndpoint(self)
        self.constraints = ConstraintsEndpoint(self)

    @property
    def encoder(self) -> wire.Encoder:
        """How this client writes bodies: its format and SETU version."""
        return self._encoder

    def acting_for(self, user: str | None) -> SetuClient:
        """This client, sending ``X-SETU-Actor: user`` (the user a change is made for); same connections."""
        view = copy.copy(self)
        view._on_behalf_of = user
        view._endpoints()
        return view

    def endpoint(self, kind: MessageKind | str) -> MessageEndpoint:
        """The operations of one message kind (``PlanningRequest`` etc.)."""
        endpoint: MessageEndpoint = getattr(self, BY_KIND[MessageKind(kind)].path)
        return endpoint

    def close(self) -> None:
        """Close the pooled connections; the client sends nothing more."""
        self._closed.set()
        self._pool.close()

    def __enter__(self) -> SetuClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SetuClient({self.base_url!r}, setu_version={self.setu_version!r}, format={self.media_type!r})"

    # -- one exchange --------------------------------------------------------
    def send(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        if_match: str | None = None,
        params: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """One HTTP exchange; a 2xx answer is returned, anything else raised as a typed error."""
        return self.call(method, path, body=body, if_match=if_match, params=params).as_httpx()

    def call(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        if_match: str | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Reply:
        """As :meth:`send`, the answer as the light :class:`~.replies.Reply` the endpoints read."""
        if self._closed.is_set():
            raise RuntimeError("the client is closed")
        headers = list(self._headers)
        if body is not None:
            headers.append(("Content-Type", self.media_type))
        if if_match is not None:
            headers.append(("If-Match", if_match))
        if self._on_behalf_of:
            headers.append(("X-SETU-Actor", self._on_behalf_of))
        token = self._token() if callable(self._token) else self._token
        if token:
            headers.append(("Authorization", f"Bearer {token}"))
        query = f"?{urlencode(params)}" if params else ""
        url = self.base_url + path + query
        try:
            response = self._exchange(method, url, self._prefix + path + query, body, headers)
        except TimeoutError as error:
            raise SetuTransportError(
                f"{method} {url}: no whole answer within {self.total_timeout:g} s ({type(error).__name__}: {error})",
                method=method, url=url,
            ) from error  # fmt: skip
        except (OSError, http.client.HTTPException) as error:
            raise SetuTransportError(
                f"{method} {url}: no answer ({type(error).__name__}: {error})", method=method, url=url
            ) from error
        status = response.status_code
        if 200 <= status < 300:
            return response
        if status >= 400:
            raise error_for(response)
        raise SetuProtocolError(
            f"{method} {url}: unexpected status {status} (SETU answers 2xx, 4xx or 5xx)",
            status=status,
            method=method,
            url=url,
        )

    def _exchange(
        self, method: str, url: str, target: str, body: bytes | None, headers: list[tuple[str, str]]
    ) -> Reply:
        """The whole answer, refused past :attr:`max_answer` bytes or too many headers."""
        try:
            answer = self._pool.exchange(
                self._origin, method, target, headers, body, within=self.total_timeout, max_answer=self.max_answer
            )
        except connections.AnswerRefused as refused:
            raise self._refusal(method, url, refused.status, refused.reason) from None
        kept = [(k, v) for k, v in answer.headers if k.lower() not in _FRAMING]
        return Reply(answer.status, ReplyHeaders(kept), answer.body, Sent(method, url))

    def _refusal(self, method: str, url: str, status: int, reason: str) -> SetuProtocolError:
        return SetuProtocolError(f"{method} {url} answered {status}: {reason}", status=status, method=method, url=url)

    # -- reading answers -----------------------------------------------------
    def _answer_version(self, response: Answered) -> str:
        """The SETU version of an answer: its ``setuVersionId`` header, else the one asked for."""
        named = (response.headers.get("setuVersionId") or "").strip()
        return named if named in media.SUPPORTED_VERSIONS else self.setu_version

    def _answer_format(self, response: Answered) -> str:
        """JSON or XML by Content-Type; by the first byte when the type is absent or odd."""
        try:
            return media.body_format(response.headers.get("Content-Type"))
        except media.UnsupportedMediaType:
            first = response.content.lstrip()[:1]
            if first in (b"{", b"["):
                return media.JSON
            if first == b"<":
                return media.XML
            content_type = response.headers.get("Content-Type")
            reason = f"the answer's Content-Type {content_type!r} is neither JSON nor XML"
            raise self.protocol_error(response, reason) from None

    def protocol_error(self, response: Answered, reason: str) -> SetuProtocolError:
        request = response.request
        return self._refusal(request.method, str(request.url), response.status_code, reason)

    def decode_message(self, response: Answered, kind: MessageKind) -> dict[str, Any] | None:
        if not response.content.strip():
            return None
        try:
            return wire.decode_message(
                response.content, self._answer_format(response), kind, self._answer_version(response)
            )
        except (SetuError, ValueError) as error:
            raise self.protocol_error(response, f"the body is not a {kind.value}: {error}") from None

    def decode_messages(self, response: Answered, kind: MessageKind) -> list[dict[str, Any]]:
        """A list answer: a JSON array, or an XML wrapper (``<Constraints>``, ``<Assignments>``) of messages."""
        if not response.content.strip():
            return []
        fmt, version = self._answer_format(response), self._answer_version(response)
        try:
            return wire.decode_messages(response.content, fmt, kind, version)
        except wire.UNDECODABLE_LIST as error:
            raise self.protocol_error(response, f"the body is not a list of {kind.value}: {error}") from None

    def decode_line(
        self, response: Answered, kind: MessageKind, expected: LineKind | None
    ) -> tuple[LineKind, dict[str, Any]] | None:
        """A line answer: the official wrapper, a bare line, or the XML line element."""
        body = response.content
        if not body.strip():
            return None
        fmt, version = self._answer_format(response), self._answer_version(response)
        try:
            if fmt == media.JSON and expected is None:
                data = json.loads(body)
                wrappers = {line_field(kind, k) for k in LineKind}
                if isinstance(data, dict) and not wrappers & data.keys():
                    expected = line_kind_of(data)
            return wire.decode_line(body, fmt, kind, version, expected)
        except (SetuError, ValueError) as error:
            raise self.protocol_error(response, f"the body is not a {kind.value} line: {error}") from None
