"""The client's keep-alive connections, against raw HTTP servers on 127.0.0.1 that count what they accept.

A connection is reused while the server keeps it open, never once the server
has closed it, and an answer's head is bounded in bytes however it is made
up (many fields, or an endless run of ``100 Continue``). Interim answers
(any 1xx) are skipped; a head that is not HTTP's is no answer.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from samples import request

from setu_planning.interface.client import SetuTransportError

CREATED = (
    b"HTTP/1.1 201 Created\r\nLocation: /planning/requests/R-1\r\nContent-Type: application/json\r\n"
    b"Content-Length: 0\r\n\r\n"
)


class RawServer:
    """Accepts connections and hands each to ``serve(connection)``; counts the connections accepted."""

    def __init__(self, serve: Callable[[RawServer, socket.socket], None], tls: ssl.SSLContext | None = None):
        self._serve, self._tls = serve, tls
        self._listener = socket.create_server(("127.0.0.1", 0))
        scheme = "https" if tls else "http"
        self.base_url = f"{scheme}://127.0.0.1:{self._listener.getsockname()[1]}"
        self.accepted = 0
        self.closed = threading.Semaphore(0)  # released each time the server closed a connection
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._handle, args=(connection,), daemon=True).start()

    def _handle(self, connection: socket.socket) -> None:
        try:
            if self._tls is not None:
                connection = self._tls.wrap_socket(connection, server_side=True)
            with connection:
                self._serve(self, connection)
        except OSError:
            pass
        finally:
            self.closed.release()

    def close(self) -> None:
        self._listener.close()


def read_request(connection: socket.socket) -> bool:
    """Read one request (head and Content-Length body); False when the client closed the connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        got = connection.recv(65536)
        if not got:
            return False
        data += got
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0
    )
    while len(body) < length:
        body += connection.recv(65536)
    return True


@pytest.fixture
def raw_server() -> Iterator[Callable[..., RawServer]]:
    servers: list[RawServer] = []

    def start(serve: Callable[[RawServer, socket.socket], None], tls: ssl.SSLContext | None = None) -> RawServer:
        servers.append(RawServer(serve, tls))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def keep_alive(server: RawServer, connection: socket.socket) -> None:
    while read_request(connection):
        connection.sendall(CREATED)


def one_answer_then_close(server: RawServer, connection: socket.socket) -> None:
    if read_request(connection):
        connection.sendall(CREATED)  # no "Connection: close": the client learns it only from the socket


def test_one_connection_carries_consecutive_exchanges(raw_server, make_client):
    server = raw_server(keep_alive)
    client = make_client(server.base_url)
    for _ in range(5):
        assert client.requests.create(request()).id == "R-1"
    assert server.accepted == 1


def test_an_idle_connection_the_server_closed_is_not_reused(raw_server, make_client):
    server = raw_server(one_answer_then_close)
    client = make_client(server.base_url)
    for exchanges in range(1, 4):
        assert client.requests.create(request()).id == "R-1"
        assert server.closed.acquire(timeout=10)  # the server has closed this exchange's connection
        assert server.accepted == exchanges


def test_a_connection_the_client_was_closed_on_is_not_kept(raw_server, make_client):
    def close_delimited(server: RawServer, connection: socket.socket) -> None:
        if read_request(connection):
            connection.sendall(CREATED.replace(b"Content-Length: 0\r\n", b"Connection: close\r\n"))

    server = raw_server(close_delimited)
    client = make_client(server.base_url)
    assert client.requests.create(request()).id == "R-1"
    assert client.requests.create(request()).id == "R-1"
    assert server.accepted == 2


def test_an_endless_run_of_100_continue_is_cut_at_the_header_bytes_bound(raw_server, make_client):
    def continuing(server: RawServer, connection: socket.socket) -> None:
        read_request(connection)
        while True:
            connection.sendall(b"HTTP/1.1 100 Continue\r\n\r\n" * 1000)

    server = raw_server(continuing)
    with pytest.raises(SetuTransportError) as caught:
        make_client(server.base_url, total_timeout=60.0).requests.create(request())
    assert caught.value.retryable
    assert "bytes of header fields" in str(caught.value) and "no whole answer" not in str(caught.value)


def test_a_head_of_few_but_long_fields_is_cut_at_the_header_bytes_bound(raw_server, make_client):
    def long_fields(server: RawServer, connection: socket.socket) -> None:
        read_request(connection)
        fields = b"".join(b"X-Filler-%d: %s\r\n" % (number, b"x" * 4000) for number in range(60))
        connection.sendall(b"HTTP/1.1 201 Created\r\n" + fields + b"Content-Length: 0\r\n\r\n")

    server = raw_server(long_fields)
    with pytest.raises(SetuTransportError) as caught:
        make_client(server.base_url).requests.create(request())
    assert caught.value.retryable
    assert "bytes of header fields" in str(caught.value)


def test_interim_answers_of_any_1xx_are_skipped_and_the_final_answer_is_read(raw_server, make_client):
    def early_hints(server: RawServer, connection: socket.socket) -> None:
        read_request(connection)
        connection.sendall(b"HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n" + CREATED)

    server = raw_server(early_hints)
    assert make_client(server.base_url).requests.create(request()).id == "R-1"


def test_a_folded_header_line_continues_its_field(raw_server, make_client):
    def folded(server: RawServer, connection: socket.socket) -> None:
        read_request(connection)
        connection.sendall(b"HTTP/1.1 201 Created\r\nLocation:\r\n /planning/requests/R-2\r\nContent-Length: 0\r\n\r\n")

    server = raw_server(folded)
    assert make_client(server.base_url).requests.create(request()).id == "R-2"


def test_a_header_line_that_is_not_a_field_is_no_answer(raw_server, make_client):
    def broken(server: RawServer, connection: socket.socket) -> None:
        read_request(connection)
        connection.sendall(b"HTTP/1.1 201 Created\r\nLocation /planning/requests/R-3\r\nContent-Length: 0\r\n\r\n")

    server = raw_server(broken)
    with pytest.raises(SetuTransportError) as caught:
        make_client(server.base_url).requests.create(request())
    assert caught.value.retryable
    assert "not a field" in str(caught.value)


def test_a_body_cut_short_of_its_content_length_is_no_answer_and_the_next_call_works(raw_server, make_client):
    answers = iter([CREATED.replace(b"Content-Length: 0", b"Content-Length: 200") + b"{}", CREATED])

    def cut_short(server: RawServer, connection: socket.socket) -> None:
        if read_request(connection):
            connection.sendall(next(answers))

    server = raw_server(cut_short)
    client = make_client(server.base_url)
    with pytest.raises(SetuTransportError) as caught:
        client.requests.create(request())
    assert "IncompleteRead" in str(caught.value) and caught.value.retryable
    assert client.requests.create(request()).id == "R-1"


@pytest.fixture
def certificate(tmp_path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A self-signed certificate for 127.0.0.1 (made by the openssl command): the server's and client's contexts."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    return server, ssl.create_default_context(cafile=str(cert))


def test_over_tls_one_verified_connection_carries_consecutive_exchanges(raw_server, make_client, certificate):
    server_tls, client_tls = certificate
    server = raw_server(keep_alive, server_tls)
    client = make_client(server.base_url, ssl_context=client_tls)
    for _ in range(3):
        assert client.requests.create(request()).id == "R-1"
    assert server.accepted == 1


def test_over_tls_an_unverified_server_is_no_answer(raw_server, make_client, certificate):
    server = raw_server(keep_alive, certificate[0])
    with pytest.raises(SetuTransportError) as caught:
        make_client(server.base_url).requests.create(request())  # the default context does not trust it
    assert caught.value.retryable and "CERTIFICATE_VERIFY_FAILED" in str(caught.value)


def test_over_tls_a_dripping_answer_ends_at_the_deadline(raw_server, make_client, certificate):
    server_tls, client_tls = certificate

    def drip(server: RawServer, connection: socket.socket) -> None:
        read_request(connection)
        for byte in CREATED:
            connection.sendall(bytes([byte]))
            time.sleep(0.2)

    server = raw_server(drip, server_tls)
    with pytest.raises(SetuTransportError) as caught:
        make_client(server.base_url, ssl_context=client_tls, total_timeout=1.0).requests.create(request())
    assert "no whole answer within 1 s" in str(caught.value) and caught.value.retryable


def test_a_request_is_written_with_its_headers_in_utf8_and_asks_for_no_encoding(raw_server, make_client):
    heads: list[bytes] = []

    def recording(server: RawServer, connection: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            data += connection.recv(65536)
        heads.append(data.partition(b"\r\n\r\n")[0])
        connection.sendall(CREATED)

    server = raw_server(recording)
    make_client(server.base_url, on_behalf_of="Łukasz Müller").requests.create(request())
    lines = heads[0].split(b"\r\n")
    assert lines[0] == b"POST /planning/requests HTTP/1.1"
    assert "X-SETU-Actor: Łukasz Müller".encode() in lines
    assert not [line for line in lines if line.lower().startswith(b"accept-encoding")]


def test_a_header_value_that_cannot_be_written_is_a_transport_error_and_nothing_is_sent(raw_server, make_client):
    received: list[bytes] = []

    def recording(server: RawServer, connection: socket.socket) -> None:
        while got := connection.recv(65536):
            received.append(got)

    server = raw_server(recording)
    with pytest.raises(SetuTransportError) as caught:
        make_client(server.base_url, token="t\r\nX-Injected: 1").requests.create(request())
    assert "cannot be written" in str(caught.value)
    assert server.closed.acquire(timeout=10)  # the client closed the connection it had opened
    assert received == []
