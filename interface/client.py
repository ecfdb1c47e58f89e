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
(:mod:`setu_planning.interface.wire`), so SETU 1.0 and XML cost nothing here.

Failures are typed (see :class:`SetuClientFailure`), and each says whether it
is ``retryable``, because a delivery worker must tell "try again later"
(transport, 429, 5xx) from "refused" (other 4xx).

    with SetuClient("https://planning.example.com", token="...") as client:
        created = client.requests.create(message)
        client.requests.add_line(created.id, "single", line)
"""

from __future__ import annotations

import copy

import email.utils
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit
from xml.etree.ElementTree import Element, ParseError, tostring

import defusedxml.ElementTree as safe_et
import httpx
from defusedxml import DefusedXmlException

from setu_planning.domain.errors import SetuError
from setu_planning.domain.messages import LineKind, MessageKind, line_field

from . import deadline, wire

__all__ = [
    "AssignmentsEndpoint",
    "BadRequest",
    "Conflict",
    "ConstraintsEndpoint",
    "Created",
    "Fetched",
    "FetchedLine",
    "Forbidden",
    "LineCreated",
    "MessageEndpoint",
    "NotFound",
    "OtherClientError",
    "PreconditionFailed",
    "RequestsEndpoint",
    "ServerError",
    "SetuClient",
    "SetuClientError",
    "SetuClientFailure",
    "SetuProtocolError",
    "SetuTransportError",
    "TooManyRequests",
    "Unauthorized",
    "UnsupportedMediaType",
]

USER_AGENT = "setu-planning-client"
_FRAMING = {"content-length", "content-encoding", "transfer-encoding"}
_FORMATS = {"json": wire.JSON, "xml": wire.XML, wire.JSON: wire.JSON, wire.XML: wire.XML}
_EXCERPT = 200
DEFAULT_TOTAL_TIMEOUT = 20.0
"""Seconds a whole exchange may take (connect, send, headers, body); retryable when it is over."""
DEFAULT_MAX_ANSWER = 1024 * 1024
"""Bytes of an answer's body read at most (our own inbound limit); a longer answer is abandoned."""
MAX_ANSWER_HEADERS = 100
"""Header fields an answer may have (their total size is bounded at 100 KB by the HTTP parser)."""


# ---------------------------------------------------------------- results
@dataclass(frozen=True)
class Created:
    """A message the counterparty took in.

    ``id`` is the resource id the server assigned (from ``Location``, the
    only place the standard puts it); keep it to GET, PUT or DELETE later.
    ``message`` is the body answered, or the message sent when the answer
    had none.
    """

    id: str
    location: str
    message: dict[str, Any]
    etag: str | None


@dataclass(frozen=True)
class Fetched:
    """A message as the counterparty holds it (GET), or as a PUT left it."""

    message: dict[str, Any]
    etag: str | None


@dataclass(frozen=True)
class LineCreated:
    """A line added to resource ``id``; ``line_id`` from the line's ``Location``."""

    id: str
    line_id: str
    location: str | None
    line_kind: LineKind
    line: dict[str, Any]
    etag: str | None


@dataclass(frozen=True)
class FetchedLine:
    """One line (periodic or single) as the counterparty answered it."""

    line_kind: LineKind
    line: dict[str, Any]
    etag: str | None


# ---------------------------------------------------------------- errors
class SetuClientFailure(Exception):
    """Base of everything the client raises: the call did not (demonstrably) succeed.

    ``retryable`` tells a delivery worker whether the same call may succeed
    later unchanged. Retrying a create is safe in SETU: a re-POST of the same
    documentId with the same content answers the same resource.
    """

    _retryable = False

    def __init__(self, message: str, *, method: str | None = None, url: str | None = None):
        super().__init__(message)
        self.method = method
        self.url = url

    @property
    def retryable(self) -> bool:
        return self._retryable


class SetuClientError(SetuClientFailure):
    """The counterparty answered with an HTTP error status (4xx or 5xx).

    ``code`` and ``description`` come from the SETU error object
    (``{"code": ..., "description": ...}`` or ``<error>``); when the body is
    something else (a proxy's HTML page, nothing) ``code`` is None and
    ``description`` a short excerpt. ``retry_after`` is the server's
    ``Retry-After`` in seconds, when it sent one.
    """

    status: int = 0

    def __init__(
        self,
        status: int,
        code: str | None,
        description: str,
        *,
        method: str | None = None,
        url: str | None = None,
        retry_after: float | None = None,
    ):
        self.status = status
        self.code = code
        self.description = description
        self.retry_after = retry_after
        where = f" ({method} {url})" if method else ""
        super().__init__(f"{status} {code or '-'}: {description}{where}", method=method, url=url)


class BadRequest(SetuClientError):
    """400: the message or request is invalid (schema, business rule, version); fix it, do not retry."""


class Unauthorized(SetuClientError):
    """401: no or invalid credentials."""


class Forbidden(SetuClientError):
    """403: authenticated, but not allowed to do this."""


class NotFound(SetuClientError):
    """404: unknown (or cancelled) resource or line, or a path the server does not implement."""


class Conflict(SetuClientError):
    """409: the documentId was already used for other content, or the line already exists."""


class PreconditionFailed(SetuClientError):
    """412: the resource moved on since the ETag given as ``if_match``."""


class UnsupportedMediaType(SetuClientError):
    """415: the server does not take this format (JSON or XML)."""


class TooManyRequests(SetuClientError):
    """429: slow down; ``retry_after`` says for how long, when the server said so."""

    _retryable = True


class OtherClientError(SetuClientError):
    """Any other 4xx (405, 406, 410, 413, 422, ...): refused, not retryable."""


class ServerError(SetuClientError):
    """5xx: the server (or a proxy in front of it) failed; try again later."""

    _retryable = True


class SetuTransportError(SetuClientFailure):
    """No HTTP answer: connection refused, DNS, TLS, timeout, dropped or malformed response.

    Retryable; note that a request that timed out may still have been
    processed by the server.
    """

    _retryable = True


class SetuProtocolError(SetuClientFailure):
    """An answer that is not what the standard allows: an undecodable 2xx body,
    a create without ``Location``, a 1xx or 3xx status. Retrying will not help.
    """

    def __init__(
        self, message: str, *, status: int | None = None, method: str | None = None, url: str | None = None
    ):
        super().__init__(message, method=method, url=url)
        self.status = status


_BY_STATUS: dict[int, type[SetuClientError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    412: PreconditionFailed,
    415: UnsupportedMediaType,
    429: TooManyRequests,
}


def error_for(response: httpx.Response) -> SetuClientError:
    """The typed error for an HTTP error answer (4xx or 5xx)."""
    status = response.status_code
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else OtherClientError)
    code, description = _error_object(response)
    return cls(
        status,
        code,
        description,
        method=response.request.method,
        url=str(response.request.url),
        retry_after=retry_after_seconds(response.headers.get("Retry-After")),
    )


MAX_RETRY_AFTER = 3600.0
"""The longest ``Retry-After`` honoured (seconds): a counterparty cannot park a delivery for longer."""


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` in seconds, between 0 and :data:`MAX_RETRY_AFTER`: delta-seconds or an HTTP-date.

    A past date is 0; a delta or date beyond the cap is the cap; anything else is ignored (None).
    """
    if value is None or not value.strip():
        return None
    value = value.strip()[:64]
    if value.isascii() and value.isdigit():
        return MAX_RETRY_AFTER if len(value) > 6 else min(MAX_RETRY_AFTER, float(int(value)))
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        seconds = (moment - (now or datetime.now(timezone.utc))).total_seconds()
    except OverflowError:
        return MAX_RETRY_AFTER
    return min(MAX_RETRY_AFTER, max(0.0, seconds))


def _error_object(response: httpx.Response) -> tuple[str | None, str]:
    """(code, description) of the SETU error object in the body, else (None, excerpt)."""
    body = response.content
    stripped = body.strip()
    if stripped[:1] in (b"{", b"["):
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if isinstance(data, dict) and ("code" in data or "description" in data):
            code, description = data.get("code"), data.get("description")
            return (
                None if code is None else str(code),
                str(description) if description is not None else _excerpt(response),
            )
    elif stripped[:1] == b"<":
        try:
            root = safe_et.fromstring(body, forbid_dtd=True)
        except (ParseError, DefusedXmlException, ValueError):
            root = None
        if root is not None and _local(root.tag) == "error":
            texts = {_local(child.tag): (child.text or "").strip() for child in root}
            if "code" in texts or "description" in texts:
                return texts.get("code") or None, texts.get("description") or _excerpt(response)
    return None, _excerpt(response)


def _excerpt(response: httpx.Response) -> str:
    text = response.content[:4 * _EXCERPT].decode("utf-8", errors="replace")
    if "html" in response.headers.get("Content-Type", "").lower() or text.lstrip()[:1] == "<":
        text = re.sub(r"<[^>]*>", " ", text)
    text = " ".join(text.split())[:_EXCERPT]
    return text or f"{response.status_code} {response.reason_phrase}".strip()


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


# ---------------------------------------------------------------- the client
class SetuClient:
    """The SETU Planning API of one counterparty, at ``base_url`` (the client adds ``/planning/...``).

    ``token`` (a string, or a callable returning one, for tokens that expire)
    is sent as ``Authorization: Bearer``; ``on_behalf_of`` as ``X-SETU-Actor``.
    ``setu_version`` ("1.0" or "2.0") and ``format`` ("json" or "xml") are what
    the client writes and asks for; answers are read in whatever format and
    version the server says it used. One pooled ``httpx.Client`` underneath:
    share one SetuClient between threads. ``transport`` is for an
    ``httpx`` transport of your own (e.g. mTLS settings).
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
        transport: httpx.BaseTransport | None = None,
        total_timeout: float = DEFAULT_TOTAL_TIMEOUT,
        max_answer: int = DEFAULT_MAX_ANSWER,
    ):
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"base_url must be an http(s) URL, not {base_url!r}")
        if setu_version not in wire.SUPPORTED_VERSIONS:
            raise ValueError(f"setu_version must be one of {', '.join(wire.SUPPORTED_VERSIONS)}")
        if format not in _FORMATS:
            raise ValueError("format must be 'json' or 'xml'")
        self.base_url = str(base_url).rstrip("/")
        self.setu_version = setu_version
        self.media_type = _FORMATS[format]
        self._token = token
        self._encoder = wire.Encoder(self.media_type, setu_version)
        headers = {"Accept": self.media_type, "setuVersionId": setu_version, "User-Agent": USER_AGENT}
        self._on_behalf_of = on_behalf_of
        self.total_timeout = total_timeout
        self.max_answer = max_answer
        self._http = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(
                connect=connect_timeout, read=read_timeout, write=read_timeout, pool=connect_timeout
            ),
            follow_redirects=False,
            transport=transport or deadline.transport(),
        )
        self._endpoints()

    def _endpoints(self) -> None:
        self.requests = RequestsEndpoint(self, MessageKind.REQUEST, "requests")
        self.assignments = AssignmentsEndpoint(self, MessageKind.ASSIGNMENT, "assignments")
        self.constraints = ConstraintsEndpoint(self, MessageKind.CONSTRAINTS, "constraints")

    def acting_for(self, user: str | None) -> SetuClient:
        """This client, sending ``X-SETU-Actor: user`` (the user a change is made for); same connections."""
        view = copy.copy(self)
        view._on_behalf_of = user
        view._endpoints()
        return view

    def endpoint(self, kind: MessageKind | str) -> MessageEndpoint:
        """The operations of one message kind (``PlanningRequest`` etc.)."""
        return {
            MessageKind.REQUEST: self.requests,
            MessageKind.ASSIGNMENT: self.assignments,
            MessageKind.CONSTRAINTS: self.constraints,
        }[MessageKind(kind)]

    def close(self) -> None:
        """Close the pooled connections."""
        self._http.close()

    def __enter__(self) -> SetuClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SetuClient({self.base_url!r}, setu_version={self.setu_version!r}, format={self.media_type!r})"

    # -- one exchange --------------------------------------------------------
    def _send(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        if_match: str | None = None,
        params: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """One HTTP exchange; a 2xx answer is returned, anything else raised as a typed error."""
        headers: dict[str, str] = {}
        if body is not None:
            headers["Content-Type"] = self.media_type
        if if_match is not None:
            headers["If-Match"] = if_match
        if self._on_behalf_of:
            headers["X-SETU-Actor"] = self._on_behalf_of
        token = self._token() if callable(self._token) else self._token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        url = self.base_url + path
        try:
            with deadline.within(self.total_timeout):
                response = self._exchange(method, url, body, headers, params)
        except httpx.TimeoutException as error:
            raise SetuTransportError(
                f"{method} {url}: no whole answer within {self.total_timeout:g} s ({type(error).__name__}: {error})",
                method=method, url=url,
            ) from error  # fmt: skip
        except httpx.RequestError as error:
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
        self, method: str, url: str, body: bytes | None, headers: dict[str, str], params: Mapping[str, str] | None
    ) -> httpx.Response:
        """The answer read as a stream and abandoned past :attr:`max_answer` bytes or too many headers."""
        with self._http.stream(method, url, content=body, headers=headers, params=params) as streamed:
            if len(streamed.headers.raw) > MAX_ANSWER_HEADERS:
                raise self._protocol(streamed, f"more than {MAX_ANSWER_HEADERS} header fields in the answer")
            declared = streamed.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > self.max_answer:
                raise self._protocol(streamed, f"a body of {declared} bytes, over the {self.max_answer} read")
            chunks, size = [], 0
            for chunk in streamed.iter_bytes():
                size += len(chunk)
                if size > self.max_answer:
                    raise self._protocol(streamed, f"a body over the {self.max_answer} bytes read: abandoned")
                chunks.append(chunk)
        kept = [(k, v) for k, v in streamed.headers.multi_items() if k.lower() not in _FRAMING]
        return httpx.Response(
            streamed.status_code, headers=kept, content=b"".join(chunks), request=streamed.request
        )

    # -- reading answers -----------------------------------------------------
    def _answer_version(self, response: httpx.Response) -> str:
        """The SETU version of an answer: its ``setuVersionId`` header, else the one asked for."""
        named = (response.headers.get("setuVersionId") or "").strip()
        return named if named in wire.SUPPORTED_VERSIONS else self.setu_version

    def _answer_format(self, response: httpx.Response) -> str:
        """JSON or XML by Content-Type; by the first byte when the type is absent or odd."""
        try:
            return wire.body_format(response.headers.get("Content-Type"))
        except wire.UnsupportedMediaType:
            first = response.content.lstrip()[:1]
            if first in (b"{", b"["):
                return wire.JSON
            if first == b"<":
                return wire.XML
            content_type = response.headers.get("Content-Type")
            reason = f"the answer's Content-Type {content_type!r} is neither JSON nor XML"
            raise self._protocol(response, reason) from None

    def _protocol(self, response: httpx.Response, reason: str) -> SetuProtocolError:
        request = response.request
        return SetuProtocolError(
            f"{request.method} {request.url} answered {response.status_code}: {reason}",
            status=response.status_code,
            method=request.method,
            url=str(request.url),
        )

    def _decode_message(self, response: httpx.Response, kind: MessageKind) -> dict[str, Any] | None:
        if not response.content.strip():
            return None
        try:
            return wire.decode_message(
                response.content, self._answer_format(response), kind, self._answer_version(response)
            )
        except (SetuError, ValueError) as error:
            raise self._protocol(response, f"the body is not a {kind.value}: {error}") from None

    def _decode_messages(self, response: httpx.Response, kind: MessageKind) -> list[dict[str, Any]]:
        """A list answer: a JSON array, or an XML wrapper (``<Constraints>``, ``<Assignments>``) of messages."""
        body = response.content
        if not body.strip():
            return []
        fmt, version = self._answer_format(response), self._answer_version(response)
        try:
            if fmt == wire.JSON:
                items = json.loads(body)
                if not isinstance(items, list):
                    raise ValueError("a list answer is a JSON array")
                documents = [json.dumps(item).encode() for item in items]
            else:
                root: Element = safe_et.fromstring(body, forbid_dtd=True)
                elements = [root] if _local(root.tag) == kind.value else list(root)
                documents = [tostring(element, encoding="utf-8") for element in elements]
            return [wire.decode_message(document, fmt, kind, version) for document in documents]
        except (SetuError, ValueError, ParseError, DefusedXmlException) as error:
            raise self._protocol(response, f"the body is not a list of {kind.value}: {error}") from None

    def _decode_line(
        self, response: httpx.Response, kind: MessageKind, expected: LineKind | None
    ) -> tuple[LineKind, dict[str, Any]] | None:
        """A line answer: the official wrapper, a bare line, or the XML line element."""
        body = response.content
        if not body.strip():
            return None
        fmt, version = self._answer_format(response), self._answer_version(response)
        try:
            if fmt == wire.JSON and expected is None:
                data = json.loads(body)
                wrappers = {line_field(kind, k) for k in LineKind}
                if isinstance(data, dict) and not wrappers & data.keys():
                    expected = line_kind_of(data)
            return wire.decode_line(body, fmt, kind, version, expected)
        except (SetuError, ValueError) as error:
            raise self._protocol(response, f"the body is not a {kind.value} line: {error}") from None


def line_kind_of(line: Mapping[str, Any]) -> LineKind | None:
    """Periodic or single, from the elements a line has (None when it does not say).

    Periodic lines name a weekday (``planningPeriod``/``availabilityPeriod``);
    single lines a type and moments (``singlePlanningType``, ``startDateTime``).
    """
    if line.keys() & {"singlePlanningType", "singleAvailabilityType", "startDateTime", "endDateTime"}:
        return LineKind.SINGLE
    if line.keys() & {"planningPeriod", "availabilityPeriod"}:
        return LineKind.PERIODIC
    return None


def _segments(location: str, request_url: str) -> list[str]:
    """The raw (still percent-encoded) path segments of a Location, relative or absolute."""
    path = urlsplit(urljoin(request_url, location.strip())).path
    return [segment for segment in path.split("/") if segment]


def _one_segment(raw: str, what: str, location: str) -> str:
    """A raw path segment decoded, when it is a usable id: not empty, ``.`` or ``..``."""
    decoded = unquote(raw, errors="strict") if raw else ""
    if decoded in ("", ".", "..") or any(ord(c) < 0x20 or ord(c) == 0x7F for c in decoded):
        raise ValueError(f"Location {location!r}: {decoded!r} is not a usable {what}")
    return decoded


def resource_id_from(location: str, request_url: str, collection: str, base_url: str | None = None) -> str:
    """The id in ``{base_url}/planning/{collection}/{id}``, decoded; any other Location is refused.

    The Location may be absolute or relative; absolute, it must be on the
    endpoint's scheme, host and port. The id is one path segment, not empty,
    ``.`` or ``..`` once decoded. The singular (``/planning/request/{id}``, as
    the usage notes write it) is accepted too.
    """
    resolved = urlsplit(urljoin(request_url, location.strip()))
    endpoint = urlsplit(base_url or request_url)
    if (resolved.scheme, resolved.netloc.lower()) != (endpoint.scheme, endpoint.netloc.lower()):
        raise ValueError(f"Location {location!r} is not on the counterparty's endpoint {endpoint.netloc}")
    prefix = [segment for segment in endpoint.path.split("/") if segment] if base_url else None
    segments = resolved.path.split("/")[1:]
    if prefix is None:
        prefix = segments[:-3]
    names = {collection, collection.removesuffix("s")}
    if (
        len(segments) != len(prefix) + 3
        or segments[: len(prefix)] != prefix
        or segments[len(prefix)] != "planning"
        or segments[len(prefix) + 1] not in names
    ):
        raise ValueError(f"Location {location!r} is not a resource under {endpoint.path or ''}/planning/{collection}/")
    return _one_segment(segments[-1], "resource id", location)


def line_id_from(location: str, request_url: str) -> str:
    """The line id in ``.../lines/{lineId}``, decoded; else the last segment (never empty, . or ..)."""
    segments = _segments(location, request_url)
    for index in range(len(segments) - 2, -1, -1):
        if segments[index] == "lines":
            return _one_segment(segments[index + 1], "line id", location)
    if not segments:
        raise ValueError(f"Location {location!r} names no line")
    return _one_segment(segments[-1], "line id", location)


def _segment(value: str) -> str:
    """An id as one path segment: everything but unreserved characters percent-encoded.

    ``.`` and ``..`` are encoded too (``%2E``), so no id can make a request reach another path.
    """
    encoded = quote(str(value), safe="")
    if not encoded:
        raise ValueError("an empty id names no resource or line")
    return encoded.replace(".", "%2E") if encoded in (".", "..") else encoded


def _etag(response: httpx.Response) -> str | None:
    return response.headers.get("ETag") or None


# ---------------------------------------------------------------- per message kind
class MessageEndpoint:
    """The operations every SETU Planning message kind shares, under ``/planning/{collection}``."""

    def __init__(self, client: SetuClient, kind: MessageKind, collection: str):
        self._client = client
        self.kind = kind
        self.collection = collection

    def _path(self, resource_id: str | None = None, *rest: str) -> str:
        path = f"/planning/{self.collection}"
        if resource_id is not None:
            path += "/" + _segment(resource_id)
        for part in rest:
            path += "/" + part
        return path

    def _body(self, message: Mapping[str, Any]) -> bytes:
        return self._client._encoder.message(self.kind, message)

    def create(self, message: Mapping[str, Any]) -> Created:
        """POST a new message; the server assigns the id and names it in ``Location``."""
        client = self._client
        response = client._send("POST", self._path(), body=self._body(message))
        location = response.headers.get("Location")
        if not location:
            raise client._protocol(response, "no Location header: the resource id cannot be known")
        try:
            resource_id = resource_id_from(location, str(response.request.url), self.collection, client.base_url)
        except ValueError as error:
            raise client._protocol(response, str(error)) from None
        answered = client._decode_message(response, self.kind)
        return Created(resource_id, location, answered if answered is not None else dict(message), _etag(response))

    def get(self, resource_id: str) -> Fetched:
        """GET the message as the counterparty holds it now."""
        client = self._client
        response = client._send("GET", self._path(resource_id))
        message = client._decode_message(response, self.kind)
        if message is None:
            raise client._protocol(response, "empty body where the message was expected")
        return Fetched(message, _etag(response))

    def replace(self, resource_id: str, message: Mapping[str, Any], *, if_match: str | None = None) -> Fetched:
        """PUT the whole message; ``if_match`` (an ETag) makes it fail with 412 if the resource moved on."""
        client = self._client
        response = client._send("PUT", self._path(resource_id), body=self._body(message), if_match=if_match)
        answered = client._decode_message(response, self.kind)
        return Fetched(answered if answered is not None else dict(message), _etag(response))

    def cancel(self, resource_id: str, *, if_match: str | None = None) -> None:
        """DELETE: the resource is withdrawn."""
        self._client._send("DELETE", self._path(resource_id), if_match=if_match)

    def add_line(
        self,
        resource_id: str,
        line_kind: LineKind | str,
        line: Mapping[str, Any],
        *,
        if_match: str | None = None,
    ) -> LineCreated:
        """POST one periodic or single line (sent in the official line wrapper form)."""
        client = self._client
        line_kind = LineKind(line_kind)
        body = client._encoder.line(self.kind, line_kind, line)
        response = client._send(
            "POST", self._path(resource_id, f"{line_kind.value}-lines"), body=body, if_match=if_match
        )
        location = response.headers.get("Location") or None
        if location:
            try:
                line_id = line_id_from(location, str(response.request.url))
            except ValueError as error:
                raise client._protocol(response, str(error)) from None
        else:
            line_id = str(line.get("lineId", {}).get("value", ""))
        answered = client._decode_line(response, self.kind, line_kind)
        stored = answered[1] if answered is not None else dict(line)
        return LineCreated(resource_id, line_id, location, line_kind, stored, _etag(response))

    def get_line(self, resource_id: str, line_id: str) -> FetchedLine:
        """GET one line by its line id."""
        client = self._client
        response = client._send("GET", self._path(resource_id, "lines", _segment(line_id)))
        answered = client._decode_line(response, self.kind, None)
        if answered is None:
            raise client._protocol(response, "empty body where the line was expected")
        return FetchedLine(answered[0], answered[1], _etag(response))

    def replace_line(
        self,
        resource_id: str,
        line_id: str,
        line: Mapping[str, Any],
        *,
        line_kind: LineKind | str | None = None,
        if_match: str | None = None,
    ) -> FetchedLine:
        """PUT one line. Its kind (for the wrapper element) is read from the line unless given."""
        client = self._client
        chosen = LineKind(line_kind) if line_kind is not None else line_kind_of(line)
        if chosen is None:
            raise ValueError("the line does not say whether it is periodic or single: pass line_kind")
        body = client._encoder.line(self.kind, chosen, line)
        response = client._send(
            "PUT", self._path(resource_id, "lines", _segment(line_id)), body=body, if_match=if_match
        )
        answered = client._decode_line(response, self.kind, None)
        if answered is None:
            return FetchedLine(chosen, dict(line), _etag(response))
        return FetchedLine(answered[0], answered[1], _etag(response))

    def remove_line(self, resource_id: str, line_id: str, *, if_match: str | None = None) -> FetchedLine | None:
        """DELETE one line; the removed line when the server answers it (not all do)."""
        client = self._client
        response = client._send("DELETE", self._path(resource_id, "lines", _segment(line_id)), if_match=if_match)
        answered = client._decode_line(response, self.kind, None)
        return None if answered is None else FetchedLine(answered[0], answered[1], _etag(response))


class RequestsEndpoint(MessageEndpoint):
    """PlanningRequests: ``/planning/requests``."""

    def assignments(self, resource_id: str) -> list[dict[str, Any]]:
        """The assignments that fulfil this request (by its documentId)."""
        client = self._client
        response = client._send("GET", self._path(resource_id, "assignments"))
        return client._decode_messages(response, MessageKind.ASSIGNMENT)


class AssignmentsEndpoint(MessageEndpoint):
    """PlanningAssignments: ``/planning/assignments``."""


class ConstraintsEndpoint(MessageEndpoint):
    """PlanningConstraints (availability): ``/planning/constraints``."""

    def of_worker(self, hr_id: str) -> list[dict[str, Any]]:
        """The constraints of one worker: ``GET /planning/constraints?hrId=``."""
        client = self._client
        response = client._send("GET", self._path(), params={"hrId": hr_id})
        return client._decode_messages(response, MessageKind.CONSTRAINTS)
