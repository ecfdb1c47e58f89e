"""Counterparties for the client: our server and the stub, both over real HTTP on 127.0.0.1.

Our server is ``create_app(PlanningApplication(sqlite file))`` under
Werkzeug's ``make_server`` in a thread; the stub is
``tests/stub_setu_server.py`` (standard library ``http.server``). Tests that
take ``counterparty`` run against both; ``wire_form`` runs them in JSON and
XML, SETU 1.0 and 2.0.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from stub_setu_server import StubSetuServer, stub_server  # noqa: F401  (the fixture)
from werkzeug.serving import WSGIRequestHandler, make_server

from setu_planning.application import PlanningApplication
from setu_planning.interface import versions
from setu_planning.interface.client import SetuClient
from setu_planning.interface.http import create_app

HOST = "127.0.0.1"
MESSAGES = {
    "requests": "PlanningRequest",
    "assignments": "PlanningAssignment",
    "constraints": "PlanningConstraints",
}


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


@dataclass
class OurServer:
    """Our Flask app on a SQLite file, served over HTTP in a thread."""

    base_url: str
    application: PlanningApplication


@pytest.fixture
def our_server(tmp_path) -> Iterator[OurServer]:
    application = PlanningApplication(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    server = make_server(HOST, 0, create_app(application), threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="our-setu-server", daemon=True
    )
    thread.start()
    try:
        yield OurServer(f"http://{HOST}:{server.server_port}", application)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        application.close()


@dataclass
class Counterparty:
    """A server under test: ``name`` is "ours" or "stub"; ``stub`` is the stub when it is one."""

    name: str
    base_url: str
    stub: StubSetuServer | None = None


@pytest.fixture(params=["ours", "stub"])
def counterparty(request) -> Counterparty:
    if request.param == "ours":
        return Counterparty("ours", request.getfixturevalue("our_server").base_url)
    stub = request.getfixturevalue("stub_server")
    return Counterparty("stub", stub.base_url, stub)


@pytest.fixture(
    params=[("json", "2.0"), ("json", "1.0"), ("xml", "2.0"), ("xml", "1.0")], ids=lambda p: f"{p[0]}-{p[1]}"
)
def wire_form(request) -> tuple[str, str]:
    """(format, SETU version) the client writes and asks for."""
    return request.param


@pytest.fixture
def make_client() -> Iterator[Any]:
    """make_client(base_url, **options) -> a SetuClient, closed at teardown."""
    clients: list[SetuClient] = []

    def make(base_url: str, **options: Any) -> SetuClient:
        client = SetuClient(base_url, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(counterparty, wire_form, make_client) -> SetuClient:
    """A client for the counterparty, in the wire form of the test."""
    fmt, version = wire_form
    return make_client(counterparty.base_url, format=fmt, setu_version=version)


@pytest.fixture
def official_message(official_example, wire_form):
    """official_message(collection) -> the official example of the test's SETU version, in the 2.0 shape.

    The client takes 2.0-shaped dicts; for SETU 1.0 the 1.0 example is
    converted, so what goes over the wire is (nearly) the 1.0 example itself.
    Assignments refer to the request example, so the look-up finds them.
    """
    version = wire_form[1]

    def load(collection: str) -> dict[str, Any]:
        name = MESSAGES[collection]
        message = copy.deepcopy(official_example(name, version))
        if version == "1.0":
            message = versions.v1_to_v2(name, message)
        if collection == "assignments":
            request = official_example("PlanningRequest", version)
            message["planningRequestReference"] = {"documentId": copy.deepcopy(request["documentId"])}
        return message

    return load
