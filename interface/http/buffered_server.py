"""Serving so that a slow client costs a socket, never a thread.

gunicorn's threaded worker hands a connection to a thread, which then reads
the request: a client sending one header line a second holds that thread
for as long as it likes, and a few dozen such clients hold them all. Here
every worker process runs waitress's channel layer instead: one event loop
reads requests, and a request reaches a thread (and the Flask app) only once
it has been read whole. gunicorn keeps what it is good at: the master
process, the worker processes forked from it (each opening its own store
after the fork), restarting a worker that dies, graceful stops.

On top of waitress this adds what a service facing other companies needs:

- **deadlines for reading**: a request's headers must be in within
  ``header_seconds`` of its first byte, the whole request within
  ``request_seconds``; a connection that is slower is closed;
- **a cap on connections per client address** (per worker process): when a
  client is at its cap, its oldest connection that is not being served is
  closed to make room, so one address cannot fill the process and a client
  sharing it still gets in;
- **refusals as SETU error objects** (``413`` for a body over the limit,
  ``431``/``400`` for broken framing), sent with a **lingering close**: the
  answer is flushed, our side of the connection is shut for writing, and a
  bounded remainder of what the client still sends is read and dropped
  before closing, so the client reads the ``413`` instead of a reset.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
import time
from dataclasses import dataclass
from typing import Any

from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask, ThreadedTaskDispatcher

MiB = 1024 * 1024


@dataclass(frozen=True)
class ServerLimits:
    """What one worker process accepts from clients; the defaults are ``serve``'s."""

    max_body: int = MiB
    header_seconds: float = 10.0
    request_seconds: float = 30.0
    idle_seconds: float = 60.0
    connections: int = 1000
    connections_per_client: int = 64
    linger_seconds: float = 2.0
    linger_bytes: int = 2 * MiB

    def adjustments(self, threads: int, **listen: Any) -> Adjustments:
        return Adjustments(
            threads=threads,
            connection_limit=self.connections,
            channel_timeout=int(self.idle_seconds),
            cleanup_interval=1,
            max_request_body_size=self.max_body,
            max_request_header_size=64 * 1024,
            ident="setu-planning",
            expose_tracebacks=False,
            **listen,
        )


class SetuErrorTask(ErrorTask):
    """waitress's refusal of a request it could not read, as the SETU error object, then a lingering close."""

    def execute(self) -> None:
        error = self.request.error
        body = json.dumps(
            {"code": f"HTTP-{error.code}", "description": f"{error.reason}: {error.body}"}, ensure_ascii=False
        ).encode("utf-8", "backslashreplace")
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", "application/json"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.channel.linger_left = self.channel.server.limits.linger_bytes
        self.write(body)


class SetuChannel(HTTPChannel):
    """One client connection: waitress's, with read deadlines and a lingering close after a refusal."""

    error_task_class = SetuErrorTask
    request_started: float | None = None
    lingering_until: float = 0.0
    linger_left: int = 0

    def received(self, data: bytes) -> bool:
        before = self.request
        result = super().received(data)
        if self.request is None:
            self.request_started = None
        elif self.request is not before:
            self.request_started = time.time()  # a new request began in this data
        return result

    def too_slow(self, now: float, limits: ServerLimits) -> bool:
        if self.lingering_until:
            return now > self.lingering_until
        started = self.request_started
        if started is None or self.request is None:
            return False
        if not self.request.headers_finished and now - started > limits.header_seconds:
            return True
        return now - started > limits.request_seconds

    def readable(self) -> bool:
        return True if self.lingering_until else super().readable()

    def writable(self) -> bool:
        return False if self.lingering_until else super().writable()

    def handle_read(self) -> None:
        if not self.lingering_until:
            super().handle_read()
            return
        try:
            data = self.socket.recv(65536)
        except OSError:
            data = b""
        self.linger_left -= len(data)
        if not data or self.linger_left <= 0:
            self.linger_left = 0
            self.handle_close()

    def handle_close(self) -> None:
        if self.linger_left > 0 and self.connected and not self.lingering_until:
            try:
                self.socket.shutdown(socket.SHUT_WR)  # the answer is out: FIN after it, keep reading
            except OSError:
                self.linger_left = 0
            else:
                self.lingering_until = time.time() + self.server.limits.linger_seconds
                self.will_close = self.close_when_flushed = False
                return
        self.linger_left = 0
        self.lingering_until = 0.0
        super().handle_close()


class SetuServer(TcpWSGIServer):
    """A listening socket of one worker process; accepts within the caps and enforces the deadlines."""

    channel_class = SetuChannel

    def __init__(self, *args: Any, limits: ServerLimits, **kwargs: Any):
        self.limits = limits
        super().__init__(*args, **kwargs)

    def handle_accept(self) -> None:
        try:
            accepted = self.accept()
            if accepted is None:
                return
            connection, address = accepted
            self.set_socket_options(connection)
        except OSError:
            return  # the client went away before we took it
        if not self._make_room_for(address[0]):
            connection.close()
            return
        self.channel_class(self, connection, address, self.adj, map=self._map)

    def _make_room_for(self, host: str) -> bool:
        """Whether a new connection from ``host`` fits, closing its oldest unserved one if need be."""
        same = [c for c in self.active_channels.values() if c.addr and c.addr[0] == host and c.connected]
        if len(same) < self.limits.connections_per_client:
            return True
        waiting = [c for c in same if not c.requests]
        if not waiting:
            return False
        min(waiting, key=lambda c: c.creation_time).handle_close()
        return True

    def maintenance(self, now: float) -> None:
        super().maintenance(now)
        for channel in list(self.active_channels.values()):
            if isinstance(channel, SetuChannel) and not channel.requests and channel.too_slow(now, self.limits):
                channel.linger_left = 0
                channel.handle_close()


class EventLoop:
    """The listening sockets of one process, their channels and the threads that run requests."""

    def __init__(self, app: Any, threads: int, limits: ServerLimits, *, sockets: list[socket.socket] | None = None,
                 host: str | None = None, port: int | None = None):  # fmt: skip
        _raise_open_files_limit(limits.connections + 64)
        listen = {"sockets": sockets} if sockets is not None else {"host": host, "port": port}
        adj = limits.adjustments(threads, **listen)
        self.map: dict[int, Any] = {}
        self.dispatcher = ThreadedTaskDispatcher()
        self.dispatcher.set_thread_count(threads)
        common = {"dispatcher": self.dispatcher, "adj": adj, "limits": limits}
        if sockets is not None:
            self.servers = [
                SetuServer(app, self.map, True, sock, bind_socket=False,
                           sockinfo=(sock.family, sock.type, sock.proto, sock.getsockname()), **common)
                for sock in sockets
            ]  # fmt: skip
        else:
            self.servers = [SetuServer(app, self.map, True, None, sockinfo=info, **common) for info in adj.listen]

    def turn(self, timeout: float = 0.5) -> None:
        wasyncore.loop(timeout=timeout, map=self.map, use_poll=True, count=1)

    def busy(self) -> bool:
        return any(
            getattr(channel, "requests", None) or getattr(channel, "total_outbufs_len", 0)
            for channel in list(self.map.values())
        )

    def stop(self, grace: float, heartbeat: Any = None) -> None:
        """Stop accepting, let the requests being served finish (up to ``grace`` seconds), close."""
        for server in self.servers:
            server.del_channel()  # the socket stays open for the other processes sharing it
        deadline = time.monotonic() + grace
        while self.busy() and time.monotonic() < deadline:
            self.turn(0.1)
            if heartbeat is not None:
                heartbeat()
        self.dispatcher.shutdown(timeout=max(0.0, deadline - time.monotonic()))
        wasyncore.close_all(self.map)


def _raise_open_files_limit(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def serve_one_process(app: Any, host: str, port: int, threads: int, limits: ServerLimits) -> None:
    """waitress alone (no gunicorn: Windows, or asked for), with the same channel layer, until SIGTERM/SIGINT."""
    loop = EventLoop(app, threads, limits, host=host, port=port)
    stopping: list[int] = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda number, _frame: stopping.append(number))
    while not stopping:
        loop.turn()
    loop.stop(grace=10.0)


def gunicorn_worker(limits: ServerLimits) -> type:
    """The gunicorn worker class running :class:`EventLoop` on the master's listening sockets."""
    from gunicorn.workers.base import Worker

    class BufferedWorker(Worker):  # type: ignore[misc]
        def run(self) -> None:
            loop = EventLoop(self.wsgi, self.cfg.threads, limits, sockets=[s.sock for s in self.sockets])
            while self.alive:
                self.notify()
                if self.ppid != os.getppid():
                    break  # the master died: stop rather than serve orphaned
                loop.turn()
            loop.stop(grace=self.cfg.graceful_timeout, heartbeat=self.notify)

    return BufferedWorker
