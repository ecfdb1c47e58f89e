"""A SETU Planning server that is deliberately *not ours*, to prove the client speaks the standard.

Built on the standard library's ``http.server`` (not Flask, not
``PlanningApplication``), in memory, on 127.0.0.1 and a free port, in a
thread: real HTTP. It answers the way the official OpenAPI allows but
differs from our server wherever a conforming server may:

* its own ids (``REQ-000001``, ``ASG-000001``, ``CON-000001``; ``id_scheme``
  can make them anything) and **absolute** ``Location`` URLs;
* POST of a message: 201 with **no body**; the same documentId and content
  again: **200** with the same Location and the stored message;
* POST of a request or assignment line: **200** with the line (as the OpenAPI
  says); of a constraints line: 201 with no body;
* DELETE of a request or assignment line: 200 with no body; of a
  constraints line: 200 with the removed line;
* PUT replaces the whole message (the OpenAPI's reading, ours merges);
  no business rules beyond "documentId and lineId are there";
* lower-case header names, ``application/json; charset=utf-8``, weak ETags
  (``W/"r3"``) on messages only, no ``setuVersionId`` response header
  (answers are in the version the request named, else 2.0);
* its own error codes (``NOT_FOUND``, ``DUPLICATE_DOCUMENT``, ...) in the SETU
  error object, JSON or ``<error>`` XML after ``Accept``.

It parses and writes bodies with ``setu_planning.interface.wire``: that is
the standard's wire format (JSON/XML, SETU 1.0/2.0), not our server's
behaviour.

For tests of code that calls a counterparty (an outbound delivery worker),
it is programmable and observable: every request is recorded
(:attr:`StubSetuServer.recorded`), it can require a bearer token, answer
scripted failures (:meth:`fail_next`, :meth:`fail_matching`), delay answers
(:meth:`delay_next`) and drop connections (:meth:`drop_next`).
"""

from __future__ import annotations

import copy
import json
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest

from setu_planning.domain.errors import SetuError
from setu_planning.domain.messages import LineKind, MessageKind, line_field
from setu_planning.interface import wire, xml_codec

HOST = "127.0.0.1"
Reply = tuple[int, dict[str, str], bytes]  # status, headers, body


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the stub received it; ``path`` is raw (still percent-encoded)."""

    method: str
    path: str
    query: str
    headers: Message
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


@dataclass(frozen=True)
class _Collection:
    kind: MessageKind
    prefix: str
    list_wrapper: str
    lines_answer_body: bool  # POST/DELETE of a line answers the line (requests, assignments: see docstring)


COLLECTIONS = {
    "requests": _Collection(MessageKind.REQUEST, "REQ", "Requests", True),
    "assignments": _Collection(MessageKind.ASSIGNMENT, "ASG", "Assignments", True),
    "constraints": _Collection(MessageKind.CONSTRAINTS, "CON", "Constraints", False),
}


@dataclass
class _Resource:
    collection: str
    id: str
    document: tuple[str, str, str]
    submitted: dict[str, Any]
    message: dict[str, Any]
    revision: int = 1

    @property
    def etag(self) -> str:
        return f'W/"r{self.revision}"'


@dataclass
class _Script:
    """A scripted behaviour for the next ``times`` matching requests (None: for ever)."""

    action: str  # "answer", "delay", "drop"
    times: int | None
    method: str | None = None
    path_prefix: str | None = None
    status: int = 503
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    content_type: str | None = None
    seconds: float = 0.0
    garbage: bool = False

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method:
            return False
        return self.path_prefix is None or unquote(path).startswith(self.path_prefix)


class _Answer(Exception):
    """Raised inside a handler to answer at once (an error, usually)."""

    def __init__(self, status: int, code: str, description: str, headers: Mapping[str, str] | None = None):
        super().__init__(description)
        self.status, self.code, self.description = status, code, description
        self.headers = dict(headers or {})


class StubSetuServer:
    """The stub: ``start()``, then ``base_url``; ``stop()`` (or use it as a context manager)."""

    def __init__(self, *, formats: tuple[str, ...] = ("json", "xml")):
        self.formats = {wire.JSON if f == "json" else wire.XML for f in formats}
        self.id_scheme: Callable[[str, int], str] = lambda prefix, number: f"{prefix}-{number:06d}"
        self.bare_lines = False  # answer lines as the bare object instead of the official wrapper
        self.errors: list[str] = []  # tracebacks of the stub's own failures
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._recorded: list[RecordedRequest] = []
        self._scripts: list[_Script] = []
        self._token: str | None = None
        self._resources: dict[str, _Resource] = {}
        self._by_document: dict[tuple[str, str, str], str] = {}
        self._counters = {name: 0 for name in COLLECTIONS}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -------------------------------------------------------------- lifecycle
    def start(self) -> StubSetuServer:
        stub = self

        class Handler(_Handler):
            server_stub = stub

        self._server = ThreadingHTTPServer((HOST, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="stub-setu-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def __enter__(self) -> StubSetuServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "stub not started"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    # -------------------------------------------------------------- programming
    def require_token(self, token: str | None) -> None:
        """Answer 401 to any request without ``Authorization: Bearer <token>`` (None: open)."""
        self._token = token

    def fail_next(
        self,
        times: int = 1,
        *,
        status: int = 503,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        content_type: str | None = None,
    ) -> None:
        """Answer the next ``times`` requests with ``status`` (a SETU error object unless ``body``)."""
        self._script(
            _Script("answer", times, status=status, headers=dict(headers or {}), body=body, content_type=content_type)
        )

    def fail_matching(
        self,
        method: str | None,
        path_prefix: str | None,
        *,
        status: int = 400,
        times: int | None = None,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        content_type: str | None = None,
    ) -> None:
        """Answer requests of ``method`` under ``path_prefix`` (decoded) with ``status``.

        ``times=None``: every such request, until ``clear_scripts()``.
        """
        self._script(
            _Script(
                "answer",
                times,
                method,
                path_prefix,
                status=status,
                headers=dict(headers or {}),
                body=body,
                content_type=content_type,
            )
        )

    def answer_next(
        self,
        status: int,
        body: bytes,
        *,
        content_type: str = "application/json",
        headers: Mapping[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next request with exactly this status and body (e.g. a 200 with garbage)."""
        self._script(
            _Script("answer", times, status=status, headers=dict(headers or {}), body=body, content_type=content_type)
        )

    def delay_next(
        self, seconds: float, times: int = 1, *, method: str | None = None, path_prefix: str | None = None
    ) -> None:
        """Wait ``seconds`` before handling the next matching requests (a stop ends the wait)."""
        self._script(_Script("delay", times, method, path_prefix, seconds=seconds))

    def drop_next(self, times: int = 1, *, garbage: bool = False) -> None:
        """Close the connection without an answer (``garbage``: after writing a non-HTTP line)."""
        self._script(_Script("drop", times, garbage=garbage))

    def clear_scripts(self) -> None:
        with self._lock:
            self._scripts.clear()

    def reset(self) -> None:
        """Forget resources, records, scripts and the token."""
        with self._lock:
            self._scripts.clear()
            self._recorded.clear()
            self._resources.clear()
            self._by_document.clear()
            self._counters = {name: 0 for name in COLLECTIONS}
        self._token = None

    def _script(self, script: _Script) -> None:
        with self._lock:
            self._scripts.append(script)

    def _take(self, action: str, method: str, path: str) -> _Script | None:
        with self._lock:
            for script in self._scripts:
                if script.action == action and script.matches(method, path):
                    if script.times is not None:
                        script.times -= 1
                        if script.times <= 0:
                            self._scripts.remove(script)
                    return script
        return None

    # -------------------------------------------------------------- observing
    @property
    def recorded(self) -> list[RecordedRequest]:
        """Every request received, oldest first."""
        with self._lock:
            return list(self._recorded)

    @property
    def last_request(self) -> RecordedRequest:
        with self._lock:
            return self._recorded[-1]

    def requests_to(self, method: str, path_prefix: str = "") -> list[RecordedRequest]:
        """The recorded requests of ``method`` whose decoded path starts with ``path_prefix``."""
        return [r for r in self.recorded if r.method == method and unquote(r.path).startswith(path_prefix)]

    def message(self, resource_id: str) -> dict[str, Any]:
        """What the stub holds under a resource id (2.0 shape); KeyError when unknown or cancelled."""
        with self._lock:
            return copy.deepcopy(self._resources[resource_id].message)

    def ids(self, collection: str) -> list[str]:
        with self._lock:
            return [r.id for r in self._resources.values() if r.collection == collection]

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._recorded.append(request)

    # -------------------------------------------------------------- the API
    def _dispatch(self, request: RecordedRequest) -> Reply:
        """(status, headers, body) for one request, or raises _Answer."""
        if self._token is not None:
            given = request.header("Authorization") or ""
            scheme, _, credentials = given.partition(" ")
            if scheme.lower() != "bearer" or credentials.strip() != self._token:
                challenge = {"www-authenticate": 'Bearer realm="stub"'}
                raise _Answer(401, "UNAUTHENTICATED", "a valid bearer token is required", challenge)
        segments = [unquote(s) for s in request.path.split("/")[1:]]
        if segments and segments[-1] == "":
            segments.pop()
        if len(segments) < 2 or segments[0] != "planning" or segments[1] not in COLLECTIONS:
            raise _Answer(404, "NOT_FOUND", f"no such path {request.path}")
        name, rest, method = segments[1], segments[2:], request.method
        route: tuple[str, ...]
        if not rest:
            route = ("collection",)
        elif len(rest) == 1:
            route = ("resource",)
        elif len(rest) == 2 and rest[1] in ("periodic-lines", "single-lines"):
            route = ("new-line",)
        elif len(rest) == 2 and rest[1] == "assignments" and name == "requests":
            route = ("assignments",)
        elif len(rest) == 3 and rest[1] == "lines":
            route = ("line",)
        else:
            raise _Answer(404, "NOT_FOUND", f"no such path {request.path}")
        handlers: dict[tuple[str, str], Callable[..., Reply]] = {
            ("collection", "POST"): self._submit,
            ("collection", "GET"): self._of_worker,
            ("resource", "GET"): self._get,
            ("resource", "PUT"): self._replace,
            ("resource", "DELETE"): self._cancel,
            ("new-line", "POST"): self._add_line,
            ("assignments", "GET"): self._assignments,
            ("line", "GET"): self._get_line,
            ("line", "PUT"): self._replace_line,
            ("line", "DELETE"): self._remove_line,
        }
        handler = handlers.get((route[0], method))
        if handler is None or (route[0] == "collection" and method == "GET" and name != "constraints"):
            raise _Answer(405, "METHOD_NOT_ALLOWED", f"{method} is not allowed on {request.path}")
        return handler(request, name, *rest)

    # helpers
    def _answer_format(self, request: RecordedRequest) -> str:
        return wire.XML if "xml" in (request.header("Accept") or "").lower() else wire.JSON

    def _encoder(self, request: RecordedRequest) -> wire.Encoder:
        version = (request.header("setuVersionId") or "").strip()
        return wire.Encoder(self._answer_format(request), version if version in wire.SUPPORTED_VERSIONS else "2.0")

    def _body_format_and_version(self, request: RecordedRequest) -> tuple[str, str]:
        version = (request.header("setuVersionId") or "").strip()
        if version not in wire.SUPPORTED_VERSIONS:
            shown = version or "(none)"
            raise _Answer(400, "UNSUPPORTED_VERSION", f"setuVersionId {shown!r}: this server speaks 1.0 and 2.0")
        try:
            fmt = wire.body_format(request.header("Content-Type"))
        except wire.UnsupportedMediaType:
            fmt = None
        if fmt not in self.formats:
            shown = request.header("Content-Type")
            raise _Answer(415, "UNSUPPORTED_MEDIA_TYPE", f"Content-Type {shown!r} is not accepted here")
        return fmt, version

    def _decode_message(self, request: RecordedRequest, name: str) -> dict[str, Any]:
        fmt, version = self._body_format_and_version(request)
        try:
            message = wire.decode_message(request.body, fmt, COLLECTIONS[name].kind, version)
        except SetuError as error:
            raise _Answer(400, "INVALID_MESSAGE", error.description) from None
        document = message.get("documentId")
        if not isinstance(document, dict) or not document.get("value"):
            raise _Answer(400, "INVALID_MESSAGE", "documentId/value is required")
        return message

    def _decode_line(self, request: RecordedRequest, name: str, line_kind: LineKind) -> dict[str, Any]:
        fmt, version = self._body_format_and_version(request)
        try:
            _, line = wire.decode_line(request.body, fmt, COLLECTIONS[name].kind, version, line_kind)
        except SetuError as error:
            raise _Answer(400, "INVALID_MESSAGE", error.description) from None
        if not isinstance(line.get("lineId"), dict) or not line["lineId"].get("value"):
            raise _Answer(400, "INVALID_MESSAGE", "lineId/value is required")
        return line

    def _resource(self, name: str, resource_id: str) -> _Resource:
        resource = self._resources.get(resource_id)
        if resource is None or resource.collection != name:
            raise _Answer(404, "NOT_FOUND", f"no {name} resource {resource_id!r}")
        return resource

    def _check_if_match(self, request: RecordedRequest, resource: _Resource) -> None:
        wanted = request.header("If-Match")
        if wanted is None or wanted.strip() == "*":
            return
        tags = {tag.strip().removeprefix("W/").strip('"') for tag in wanted.split(",")}
        if f"r{resource.revision}" not in tags:
            raise _Answer(412, "STALE_ETAG", f"{resource.id} is at {resource.etag}, not {wanted}")

    def _location(self, *parts: str) -> str:
        return self.base_url + "/planning/" + "/".join(quote(part, safe="") for part in parts)

    def _json_or_xml(self, encoder: wire.Encoder, body: bytes) -> tuple[dict[str, str], bytes]:
        return {"content-type": f"{encoder.fmt}; charset=utf-8"}, body

    def _message_answer(
        self, request: RecordedRequest, resource: _Resource, status: int, message: dict[str, Any] | None = None
    ) -> Reply:
        encoder = self._encoder(request)
        kind = COLLECTIONS[resource.collection].kind
        headers, body = self._json_or_xml(encoder, encoder.message(kind, message or resource.message))
        headers["etag"] = resource.etag
        return status, headers, body

    def _line_answer(
        self, request: RecordedRequest, name: str, line_kind: LineKind, line: dict[str, Any], status: int
    ) -> Reply:
        encoder = self._encoder(request)
        kind = COLLECTIONS[name].kind
        if self.bare_lines:
            if encoder.fmt == wire.XML:
                body = xml_codec.render_line_xml(line, kind.value, line_field(kind, line_kind), encoder.version)
            else:
                body = json.dumps(line).encode()
        else:
            body = encoder.line(kind, line_kind, line)
        return (status, *self._json_or_xml(encoder, body))

    @staticmethod
    def _find_line(resource: _Resource, line_id: str) -> tuple[LineKind, int]:
        kind = COLLECTIONS[resource.collection].kind
        for line_kind in LineKind:
            for index, line in enumerate(resource.message.get(line_field(kind, line_kind), [])):
                if line.get("lineId", {}).get("value") == line_id:
                    return line_kind, index
        raise _Answer(404, "NOT_FOUND", f"{resource.id} has no line {line_id!r}")

    # operations
    def _submit(self, request: RecordedRequest, name: str) -> Reply:
        message = self._decode_message(request, name)
        document_id = message["documentId"]
        document = (name, str(document_id.get("schemeAgencyId", "")), str(document_id["value"]))
        with self._lock:
            existing_id = self._by_document.get(document)
            if existing_id is not None:
                existing = self._resources[existing_id]
                if existing.submitted != message:
                    why = f"documentId {document[2]!r} is {existing_id} with other content"
                    raise _Answer(409, "DUPLICATE_DOCUMENT", why)
                status, headers, body = self._message_answer(request, existing, 200, existing.submitted)
                headers["location"] = self._location(name, existing.id)
                return status, headers, body
            self._counters[name] += 1
            resource_id = self.id_scheme(COLLECTIONS[name].prefix, self._counters[name])
            self._resources[resource_id] = _Resource(name, resource_id, document, copy.deepcopy(message), message)
            self._by_document[document] = resource_id
        return 201, {"location": self._location(name, resource_id)}, b""

    def _get(self, request: RecordedRequest, name: str, resource_id: str) -> Reply:
        with self._lock:
            return self._message_answer(request, self._resource(name, resource_id), 200)

    def _replace(self, request: RecordedRequest, name: str, resource_id: str) -> Reply:
        message = self._decode_message(request, name)
        with self._lock:
            resource = self._resource(name, resource_id)
            self._check_if_match(request, resource)
            resource.message = message
            resource.revision += 1
            return self._message_answer(request, resource, 200)

    def _cancel(self, request: RecordedRequest, name: str, resource_id: str) -> Reply:
        with self._lock:
            resource = self._resource(name, resource_id)
            self._check_if_match(request, resource)
            del self._resources[resource_id]
            self._by_document.pop(resource.document, None)
        return 204, {}, b""

    def _add_line(self, request: RecordedRequest, name: str, resource_id: str, segment: str) -> Reply:
        line_kind = LineKind.PERIODIC if segment == "periodic-lines" else LineKind.SINGLE
        line = self._decode_line(request, name, line_kind)
        line_id = line["lineId"]["value"]
        with self._lock:
            resource = self._resource(name, resource_id)
            self._check_if_match(request, resource)
            try:
                self._find_line(resource, line_id)
            except _Answer:
                pass
            else:
                raise _Answer(409, "DUPLICATE_LINE", f"{resource_id} already has a line {line_id!r}")
            resource.message.setdefault(line_field(COLLECTIONS[name].kind, line_kind), []).append(line)
            resource.revision += 1
        location = {"location": self._location(name, resource_id, "lines", line_id)}
        if COLLECTIONS[name].lines_answer_body:
            status, headers, body = self._line_answer(request, name, line_kind, line, 200)
            return status, {**headers, **location}, body
        return 201, location, b""

    def _get_line(self, request: RecordedRequest, name: str, resource_id: str, _lines: str, line_id: str) -> Reply:
        with self._lock:
            resource = self._resource(name, resource_id)
            line_kind, index = self._find_line(resource, line_id)
            line = resource.message[line_field(COLLECTIONS[name].kind, line_kind)][index]
            return self._line_answer(request, name, line_kind, line, 200)

    def _replace_line(self, request: RecordedRequest, name: str, resource_id: str, _lines: str, line_id: str) -> Reply:
        with self._lock:
            line_kind, _ = self._find_line(self._resource(name, resource_id), line_id)
        line = self._decode_line(request, name, line_kind)
        with self._lock:
            resource = self._resource(name, resource_id)
            self._check_if_match(request, resource)
            line_kind, index = self._find_line(resource, line_id)
            resource.message[line_field(COLLECTIONS[name].kind, line_kind)][index] = line
            resource.revision += 1
            return self._line_answer(request, name, line_kind, line, 200)

    def _remove_line(self, request: RecordedRequest, name: str, resource_id: str, _lines: str, line_id: str) -> Reply:
        with self._lock:
            resource = self._resource(name, resource_id)
            self._check_if_match(request, resource)
            line_kind, index = self._find_line(resource, line_id)
            lines = resource.message[line_field(COLLECTIONS[name].kind, line_kind)]
            removed = lines.pop(index)
            if not lines:
                del resource.message[line_field(COLLECTIONS[name].kind, line_kind)]
            resource.revision += 1
        if COLLECTIONS[name].lines_answer_body:
            return 200, {}, b""
        return self._line_answer(request, name, line_kind, removed, 200)

    def _of_worker(self, request: RecordedRequest, name: str) -> Reply:
        hr_ids = parse_qs(request.query).get("hrId")
        if not hr_ids or not hr_ids[0]:
            raise _Answer(400, "MISSING_PARAMETER", "query parameter hrId is required")
        with self._lock:
            found = [
                r.message
                for r in self._resources.values()
                if r.collection == "constraints"
                and any(w.get("value") == hr_ids[0] for w in r.message.get("worker", {}).get("workerId", []))
            ]
            return self._list_answer(request, "constraints", found)

    def _assignments(self, request: RecordedRequest, name: str, resource_id: str, _segment: str) -> Reply:
        with self._lock:
            document = self._resource(name, resource_id).message["documentId"]["value"]
            found = [
                r.message
                for r in self._resources.values()
                if r.collection == "assignments"
                and r.message.get("planningRequestReference", {}).get("documentId", {}).get("value") == document
            ]
            return self._list_answer(request, "assignments", found)

    def _list_answer(self, request: RecordedRequest, name: str, messages: list[dict[str, Any]]) -> Reply:
        encoder = self._encoder(request)
        spec = COLLECTIONS[name]
        return (200, *self._json_or_xml(encoder, encoder.messages(spec.kind, messages, spec.list_wrapper)))

    def _error_body(self, request: RecordedRequest, code: str, description: str) -> tuple[str, bytes]:
        if self._answer_format(request) == wire.XML:
            return "application/xml; charset=utf-8", xml_codec.render_error_xml(code, description)
        return "application/json; charset=utf-8", json.dumps({"code": code, "description": description}).encode()


class _Handler(BaseHTTPRequestHandler):
    """One connection; HTTP/1.1 with keep-alive, every answer with a Content-Length."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes
    server_stub: StubSetuServer
    timeout = 30

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def _handle(self) -> None:
        stub = self.server_stub
        target = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = RecordedRequest(self.command, target.path, target.query, self.headers, body)
        stub._record(request)
        try:
            delay = stub._take("delay", request.method, request.path)
            if delay is not None:
                stub._stopping.wait(delay.seconds)
            drop = stub._take("drop", request.method, request.path)
            if drop is not None:
                if drop.garbage:
                    self.wfile.write(b"this is not HTTP\r\n\r\n")
                self.close_connection = True
                return
            scripted = stub._take("answer", request.method, request.path)
            if scripted is not None:
                status, headers, payload = self._scripted(request, scripted)
            else:
                try:
                    status, headers, payload = stub._dispatch(request)
                except _Answer as answer:
                    content_type, payload = stub._error_body(request, answer.code, answer.description)
                    status, headers = answer.status, {"content-type": content_type, **answer.headers}
            self._write(status, headers, payload)
        except ConnectionError:
            self.close_connection = True  # the client gave up (a timeout test): nothing to answer
        except Exception:
            stub.errors.append(traceback.format_exc())
            try:
                failure = b'{"code": "INTERNAL", "description": "stub failure"}'
                self._write(500, {"content-type": "application/json"}, failure)
            except OSError:
                self.close_connection = True

    def _scripted(self, request: RecordedRequest, script: _Script) -> Reply:
        stub = self.server_stub
        if script.body is not None:
            content_type, payload = script.content_type or "application/json", script.body
        else:
            code, description = f"STUB-{script.status}", f"scripted answer {script.status}"
            content_type, payload = stub._error_body(request, code, description)
        headers = {"content-type": content_type} if payload or script.content_type else {}
        return script.status, {**headers, **script.headers}, payload

    def _write(self, status: int, headers: Mapping[str, str], payload: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 204:
            self.send_header("content-length", str(len(payload)))
        self.end_headers()
        if payload and self.command != "HEAD":
            self.wfile.write(payload)


@pytest.fixture
def stub_server() -> Iterator[StubSetuServer]:
    """A started stub; fails the test at teardown if the stub itself broke."""
    stub = StubSetuServer().start()
    try:
        yield stub
    finally:
        stub.stop()
    if stub.errors:
        pytest.fail("the stub SETU server failed:\n" + "\n".join(stub.errors))
