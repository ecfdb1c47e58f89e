"""A whole HTTP exchange within one deadline: connect, send, headers and body.

httpx's timeouts are per phase and per read: a counterparty answering one
byte a second never trips a 30 s read timeout, and holds the caller for as
long as it likes. Here every connect, read and write of a connection is
given at most what is left of the exchange's deadline, and fails once it has
passed, so an exchange ends within its deadline whatever the other side
does. The deadline is the calling thread's (sync httpcore reads on it), set
with :func:`within`; connections pooled and reused are bounded the same way.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore

_local = threading.local()


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Bound every network operation of this thread by ``seconds`` from now, for the ``with`` block."""
    previous = getattr(_local, "at", None)
    _local.at = time.monotonic() + seconds
    try:
        yield
    finally:
        _local.at = previous


def _left(timeout: float | None, error: type[Exception]) -> float | None:
    at = getattr(_local, "at", None)
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise error("the whole exchange took longer than its deadline")
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream):
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None) -> Any:
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, _left(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend):
        self._inner = inner

    def connect_tcp(
        self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:  # fmt: skip
        left = _left(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.connect_tcp(host, port, left, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        return _Stream(self._inner.connect_unix_socket(path, _left(timeout, httpcore.ConnectTimeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def connection_pool(*, ssl_context: ssl.SSLContext | None = None, **options: Any) -> httpcore.ConnectionPool:
    """A connection pool whose connections honour the thread's deadline (see :func:`within`)."""
    options.setdefault("max_connections", 100)
    options.setdefault("max_keepalive_connections", 20)
    options.setdefault("keepalive_expiry", 5.0)
    return httpcore.ConnectionPool(ssl_context=ssl_context, network_backend=_Backend(httpcore.SyncBackend()), **options)
