"""The operations of each message kind at a counterparty, under ``/planning/{collection}``.

Where conforming servers legitimately differ (200 or 201, an answer with or
without a body, a relative or absolute ``Location``), the endpoint accepts
either and says what it got in a result (:mod:`.results`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import SplitResult, quote, unquote, urljoin, urlsplit

from setu_planning.domain.messages import LineKind, MessageKind

from ..codecs.kinds import BY_KIND
from ..codecs.wire import Encoder
from .errors import SetuProtocolError
from .replies import Reply
from .results import Created, Fetched, FetchedLine, LineCreated


class Caller(Protocol):
    """What an endpoint uses of its :class:`~setu_planning.interface.client.SetuClient`."""

    @property
    def encoder(self) -> Encoder: ...

    def call(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        if_match: str | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Reply: ...

    def protocol_error(self, response: Reply, reason: str) -> SetuProtocolError: ...

    def decode_message(self, response: Reply, kind: MessageKind) -> dict[str, Any] | None: ...

    def decode_messages(self, response: Reply, kind: MessageKind) -> list[dict[str, Any]]: ...

    def decode_line(
        self, response: Reply, kind: MessageKind, expected: LineKind | None
    ) -> tuple[LineKind, dict[str, Any]] | None: ...


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
    if decoded in ("", ".", "..") or _CONTROL.search(decoded):
        raise ValueError(f"Location {location!r}: {decoded!r} is not a usable {what}")
    return decoded


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NOT_A_PLAIN_PATH = re.compile(r"[?#\\\t\r\n]|/\.\.?(?:/|$)")
"""What makes a Location more than a plain absolute path: a query, a fragment, a dot segment, what URL parsing drops."""


@functools.lru_cache(maxsize=256)
def _split(url: str) -> SplitResult:
    return urlsplit(url)


def _resolved(location: str, request_url: str) -> SplitResult:
    """The Location resolved against the request's URL; the usual absolute path without parsing it again."""
    text = location.strip()
    if text.startswith("/") and not text.startswith("//") and not _NOT_A_PLAIN_PATH.search(text):
        request = _split(request_url)
        return SplitResult(request.scheme, request.netloc, text, "", "")
    return urlsplit(urljoin(request_url, text))


def resource_id_from(location: str, request_url: str, collection: str, base_url: str | None = None) -> str:
    """The id in ``{base_url}/planning/{collection}/{id}``, decoded; any other Location is refused.

    The Location may be absolute or relative; absolute, it must be on the
    endpoint's scheme, host and port. The id is one path segment, not empty,
    ``.`` or ``..`` once decoded. The singular (``/planning/request/{id}``, as
    the usage notes write it) is accepted too.
    """
    resolved = _resolved(location, request_url)
    endpoint = _split(base_url or request_url)
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


def _etag(response: Reply) -> str | None:
    return response.headers.get("ETag") or None


class MessageEndpoint:
    """The operations every SETU Planning message kind shares, under ``/planning/{collection}``."""

    kind: MessageKind

    def __init__(self, client: Caller, kind: MessageKind | None = None):
        self._client = client
        if kind is not None:
            self.kind = kind
        self.collection = BY_KIND[self.kind].path

    def _path(self, resource_id: str | None = None, *rest: str) -> str:
        path = f"/planning/{self.collection}"
        if resource_id is not None:
            path += "/" + _segment(resource_id)
        for part in rest:
            path += "/" + part
        return path

    def _body(self, message: Mapping[str, Any]) -> bytes:
        return self._client.encoder.message(self.kind, message)

    def create(self, message: Mapping[str, Any]) -> Created:
        """POST a new message; the server assigns the id and names it in ``Location``."""
        client = self._client
        response = client.call("POST", self._path(), body=self._body(message))
        location = response.headers.get("Location")
        if not location:
            raise client.protocol_error(response, "no Location header: the resource id cannot be known")
        try:
            resource_id = resource_id_from(location, str(response.request.url), self.collection, client.base_url)
        except ValueError as error:
            raise client.protocol_error(response, str(error)) from None
        answered = client.decode_message(response, self.kind)
        return Created(resource_id, location, answered if answered is not None else dict(message), _etag(response))

    def get(self, resource_id: str) -> Fetched:
        """GET the message as the counterparty holds it now."""
        client = self._client
        response = client.call("GET", self._path(resource_id))
        message = client.decode_message(response, self.kind)
        if message is None:
            raise client.protocol_error(response, "empty body where the message was expected")
        return Fetched(message, _etag(response))

    def replace(self, resource_id: str, message: Mapping[str, Any], *, if_match: str | None = None) -> Fetched:
        """PUT the whole message; ``if_match`` (an ETag) makes it fail with 412 if the resource moved on."""
        client = self._client
        response = client.call("PUT", self._path(resource_id), body=self._body(message), if_match=if_match)
        answered = client.decode_message(response, self.kind)
        return Fetched(answered if answered is not None else dict(message), _etag(response))

    def cancel(self, resource_id: str, *, if_match: str | None = None) -> None:
        """DELETE: the resource is withdrawn."""
        self._client.call("DELETE", self._path(resource_id), if_match=if_match)

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
        body = client.encoder.line(self.kind, line_kind, line)
        response = client.call(
            "POST", self._path(resource_id, f"{line_kind.value}-lines"), body=body, if_match=if_match
        )
        location = response.headers.get("Location") or None
        if location:
            try:
                line_id = line_id_from(location, str(response.request.url))
            except ValueError as error:
                raise client.protocol_error(response, str(error)) from None
        else:
            line_id = str(line.get("lineId", {}).get("value", ""))
        answered = client.decode_line(response, self.kind, line_kind)
        stored = answered[1] if answered is not None else dict(line)
        return LineCreated(resource_id, line_id, location, line_kind, stored, _etag(response))

    def get_line(self, resource_id: str, line_id: str) -> FetchedLine:
        """GET one line by its line id."""
        client = self._client
        response = client.call("GET", self._path(resource_id, "lines", _segment(line_id)))
        answered = client.decode_line(response, self.kind, None)
        if answered is None:
            raise client.protocol_error(response, "empty body where the line was expected")
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
        body = client.encoder.line(self.kind, chosen, line)
        response = client.call("PUT", self._path(resource_id, "lines", _segment(line_id)), body=body, if_match=if_match)
        answered = client.decode_line(response, self.kind, None)
        if answered is None:
            return FetchedLine(chosen, dict(line), _etag(response))
        return FetchedLine(answered[0], answered[1], _etag(response))

    def remove_line(self, resource_id: str, line_id: str, *, if_match: str | None = None) -> FetchedLine | None:
        """DELETE one line; the removed line when the server answers it (not all do)."""
        client = self._client
        response = client.call("DELETE", self._path(resource_id, "lines", _segment(line_id)), if_match=if_match)
        answered = client.decode_line(response, self.kind, None)
        return None if answered is None else FetchedLine(answered[0], answered[1], _etag(response))


class RequestsEndpoint(MessageEndpoint):
    """PlanningRequests: ``/planning/requests``."""

    kind = MessageKind.REQUEST

    def assignments(self, resource_id: str) -> list[dict[str, Any]]:
        """The assignments that fulfil this request (by its documentId)."""
        client = self._client
        response = client.call("GET", self._path(resource_id, BY_KIND[MessageKind.ASSIGNMENT].path))
        return client.decode_messages(response, MessageKind.ASSIGNMENT)


class AssignmentsEndpoint(MessageEndpoint):
    """PlanningAssignments: ``/planning/assignments``."""

    kind = MessageKind.ASSIGNMENT


class ConstraintsEndpoint(MessageEndpoint):
    """PlanningConstraints (availability): ``/planning/constraints``."""

    kind = MessageKind.CONSTRAINTS

    def of_worker(self, hr_id: str) -> list[dict[str, Any]]:
        """The constraints of one worker: ``GET /planning/constraints?hrId=``."""
        client = self._client
        response = client.call("GET", self._path(), params={"hrId": hr_id})
        return client.decode_messages(response, MessageKind.CONSTRAINTS)
