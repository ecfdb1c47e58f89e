"""Keep-alive HTTP/1.1 connections for the SETU client: each exchange within one deadline, its answer bounded.

Why the standard library's ``http.client`` and not a general HTTP engine: a
delivery is one small request and one small answer, and the sender does
thousands a second across threads, so what counts is the CPU and the system
calls per exchange (one write per request, no poll before reusing a quiet
connection beyond one non-blocking check). What a general engine gives on
top of it is not needed; what it lacks is added here, because the
counterparty is not trusted:

- **One deadline per exchange.** Timeouts of sockets are per operation: a
  counterparty answering one byte a second never trips them. Every connect,
  TLS handshake, write and read is given at most what is left of the
  exchange's deadline, and fails once it has passed.
- **Bounded answers.** At most 100 header fields and 100 KB of header bytes
  (1xx answers included), a body of at most ``max_answer`` bytes (refused
  when declared longer, abandoned when it grows longer), no compressed body
  (none is asked for).
- **Nothing implicit.** Redirects are not followed, proxy variables not read.
"""

from __future__ import annotations

import http.client
import io
import math
import select
import socket
import ssl
import threading
import time
from typing import Any, NamedTuple

from .http_heads import MAX_HEADERS, HTTPAnswer, TooManyHeaders, request_head

__all__ = ["MAX_HEADERS", "Answer", "AnswerRefused", "ConnectionPool", "HeadersTooLarge", "Origin", "default_tls"]

HEADER_BYTES = 100 * 1024
"""Bytes read at most before an answer's headers end (1xx answers included)."""
CHUNK = 64 * 1024
"""Bytes of a body of unknown length read at a time."""
MAX_IDLE = 20
"""Idle connections kept per origin."""
IDLE_EXPIRY = 5.0
"""Seconds an idle connection is kept (servers close theirs after a few seconds)."""
_ONE_WRITE = 64 * 1024  # a request up to this size is sent in one write: headers and body together


class Origin(NamedTuple):
    scheme: str
    host: str
    port: int


class Answer(NamedTuple):
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class AnswerRefused(Exception):
    """The answer was read far enough to be refused (too many headers, too long a body, a compressed body)."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


class HeadersTooLarge(http.client.HTTPException):
    """More header bytes than :data:`HEADER_BYTES` came before the answer's body."""


class _BodyTooLarge(Exception):
    pass


def _left(deadline: float, timeout: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("the whole exchange took longer than its deadline")
    return min(timeout, left)


class _BoundedSocket:
    """A connected socket (TLS already wrapped) whose every write and read gets what is left of the deadline.

    It stands in for the socket ``http.client`` holds; like a socket, it is
    closed only once the answers' readers made from it are closed too (an
    answer read to the connection's end outlives the connection object).
    """

    def __init__(self, sock: socket.socket, read_timeout: float):
        self.sock = sock
        self.read_timeout = read_timeout
        self.deadline = math.inf
        self.reader: _Reader | None = None
        self._readers = 0
        self._closed = False

    def bound(self) -> socket.socket:
        """The socket, its timeout what is left of the deadline (at most the read timeout)."""
        self.sock.settimeout(_left(self.deadline, self.read_timeout))
        return self.sock

    def sendall(self, data: bytes) -> None:
        self.bound().sendall(data)

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> io.BufferedReader:
        if mode != "rb":
            raise ValueError("answers are read as bytes")
        self._readers += 1
        self.reader = _Reader(self)
        return io.BufferedReader(self.reader)

    def quiet(self) -> bool:
        """Nothing to read: readable on an idle keep-alive connection means closed by the server, or junk."""
        if isinstance(self.sock, ssl.SSLSocket) and self.sock.pending():
            return False
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(self.sock, select.POLLIN | select.POLLPRI)
            return not poller.poll(0)
        return not select.select([self.sock], [], [], 0)[0]

    def released(self) -> None:
        self._readers -= 1
        if self._closed and self._readers <= 0:
            self.sock.close()

    def close(self) -> None:
        self._closed = True
        if self._readers <= 0:
            self.sock.close()

    def abort(self) -> None:
        """Close now, whatever reader is still open (an abandoned answer)."""
        self._closed = True
        self.sock.close()


class _Reader(io.RawIOBase):
    """Reads of the socket within the deadline, counted against the budget of the answer's current part."""

    def __init__(self, owner: _BoundedSocket):
        super().__init__()
        self._owner = owner
        self.taken = 0
        self.budget = HEADER_BYTES
        self.over: type[Exception] = HeadersTooLarge

    def limit(self, budget: int, over: type[Exception]) -> None:
        self.taken, self.budget, self.over = 0, budget, over

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        got = self._owner.bound().recv_into(buffer)
        self.taken += got
        if self.taken > self.budget:
            raise self.over(f"more than {self.budget} bytes of header fields in the answer")
        return got

    def close(self) -> None:
        if not self.closed:
            self._owner.released()
        super().close()


class _Connection(http.client.HTTPConnection):
    """One keep-alive connection; TLS when given a context."""

    response_class = HTTPAnswer
    bounded: _BoundedSocket

    def __init__(self, origin: Origin, tls: ssl.SSLContext | None, connect_timeout: float, deadline: float):
        super().__init__(origin.host, origin.port, timeout=_left(deadline, connect_timeout))
        self.auto_open = 0  # reconnecting silently would escape the pool's bookkeeping
        self._tls = tls
        self._connect_timeout = connect_timeout
        host = f"[{origin.host}]" if ":" in origin.host else origin.host  # an IPv6 address
        if origin.port != (443 if tls else 80):  # the Host header names the port only when not the default
            host = f"{host}:{origin.port}"
        try:
            self.host_line = b"Host: " + host.encode("ascii") + b"\r\n"
        except UnicodeEncodeError:
            self.host_line = b"Host: " + host.encode("idna") + b"\r\n"

    def open(self, deadline: float, read_timeout: float) -> None:
        self.connect()  # TCP within min(connect timeout, what is left), TCP_NODELAY
        sock = self.sock
        if self._tls is not None:
            sock.settimeout(_left(deadline, self._connect_timeout))  # the whole handshake, not each read
            sock = self._tls.wrap_socket(sock, server_hostname=self.host)
        self.sock = self.bounded = _BoundedSocket(sock, read_timeout)


def default_tls() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.set_alpn_protocols(["http/1.1"])
    return context


class ConnectionPool:
    """Idle keep-alive connections per origin, most recent first; safe to share between threads."""

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        max_idle: int = MAX_IDLE,
        idle_expiry: float = IDLE_EXPIRY,
    ):
        self._tls = ssl_context
        self._timeouts = (connect_timeout, read_timeout)
        self._max_idle, self._expiry = max_idle, idle_expiry
        self._idle: dict[Origin, list[tuple[float, _Connection]]] = {}
        self._lock = threading.Lock()
        self._closed = False

    def exchange(
        self,
        origin: Origin,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        body: bytes | None,
        *,
        within: float,
        max_answer: int,
    ) -> Answer:
        """One request and its whole answer, within ``within`` seconds; the connection kept if reusable."""
        deadline = time.monotonic() + within
        connection = self._connection(origin, deadline)
        connection.bounded.deadline = deadline
        try:
            answer, reusable = self._exchange(connection, method, target, headers, body, max_answer)
        except BaseException:
            connection.close()
            connection.bounded.abort()
            raise
        if reusable:
            self._keep(origin, connection)
        else:
            connection.close()
        return answer

    def close(self) -> None:
        """Close the idle connections; those in use are closed when their exchange ends."""
        with self._lock:
            self._closed = True
            idle = [connection for kept in self._idle.values() for _, connection in kept]
            self._idle.clear()
        for connection in idle:
            connection.close()

    def _connection(self, origin: Origin, deadline: float) -> _Connection:
        now = time.monotonic()
        while True:
            with self._lock:
                if self._closed:
                    raise RuntimeError("the client is closed")
                kept = self._idle.get(origin)
                if not kept:
                    break
                since, connection = kept.pop()
            if now - since < self._expiry and connection.bounded.quiet():
                return connection
            connection.close()
        tls = (self._tls or self._default_tls()) if origin.scheme == "https" else None
        connection = _Connection(origin, tls, self._timeouts[0], deadline)
        try:
            connection.open(deadline, self._timeouts[1])
        except BaseException:
            connection.close()
            raise
        return connection

    def _default_tls(self) -> ssl.SSLContext:
        with self._lock:
            if self._tls is None:
                self._tls = default_tls()
            return self._tls

    def _keep(self, origin: Origin, connection: _Connection) -> None:
        now = time.monotonic()
        dropped = [connection]
        with self._lock:
            if not self._closed:
                kept = self._idle.setdefault(origin, [])
                kept.append((now, connection))
                dropped = []
                while len(kept) > self._max_idle or (kept and now - kept[0][0] >= self._expiry):
                    dropped.append(kept.pop(0)[1])
        for old in dropped:
            old.close()

    @staticmethod
    def _exchange(
        connection: _Connection,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        body: bytes | None,
        max_answer: int,
    ) -> tuple[Answer, bool]:
        sock = connection.bounded
        head = request_head(method, target, connection.host_line, headers, body)
        if body and len(head) + len(body) <= _ONE_WRITE:
            sock.sendall(head + body)
        else:
            sock.sendall(head)
            if body:
                sock.sendall(body)
        answer = HTTPAnswer(sock, method=method)  # type: ignore[arg-type]  # it reads through sock.makefile only
        try:
            answer.begin()
        except TooManyHeaders as error:
            raise AnswerRefused(error.status, f"more than {MAX_HEADERS} header fields in the answer") from None
        status, fields = answer.status, answer.fields
        if answer.length is not None and answer.length > max_answer:
            raise AnswerRefused(status, f"a body of {answer.length} bytes, over the {max_answer} read")
        encoding = answer.named.get("content-encoding")
        if encoding is not None and encoding.strip().lower() != "identity":
            raise AnswerRefused(status, "a Content-Encoding that was not asked for")
        if sock.reader is not None:  # the body's framing (chunk sizes, trailers) counts too
            sock.reader.limit(max_answer + HEADER_BYTES, _BodyTooLarge)
        try:
            content = _body(answer, max_answer)
        except _BodyTooLarge:
            content = None
        if content is None:
            raise AnswerRefused(status, f"a body over the {max_answer} bytes read: abandoned")
        reusable = answer.isclosed() and not answer.will_close and status >= 200
        return Answer(status, fields, content), reusable


def _body(answer: http.client.HTTPResponse, max_answer: int) -> bytes | None:
    """The whole body, or None past ``max_answer`` bytes."""
    if answer.length is not None:
        return answer.read()  # at most max_answer, checked; IncompleteRead when the connection ends early
    chunks, size = [], 0
    while chunk := answer.read(CHUNK):
        size += len(chunk)
        if size > max_answer:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
