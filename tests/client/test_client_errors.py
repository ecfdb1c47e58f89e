"""Failures as the client raises them: from real answers of our server and the stub, and from the network.

A delivery worker will be built on these, so every class says whether the
same call may succeed later (``retryable``): transport problems, 429 and 5xx
do; other 4xx are refusals.
"""

from __future__ import annotations

import email.utils
import gzip
import json
import socket
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from samples import assignment, constraints, request, single_planning_line
from stub_setu_server import StubSetuServer

from setu_planning.interface.client import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    OtherClientError,
    PreconditionFailed,
    ServerError,
    SetuClientError,
    SetuClientFailure,
    SetuProtocolError,
    SetuTransportError,
    TooManyRequests,
    Unauthorized,
    UnsupportedMediaType,
)

CODES = {  # each server's own error codes
    "ours": {
        404: "SETU-NOT-FOUND",
        400: "SETU-INVALID-MESSAGE",
        409: "SETU-DOCUMENT-CONFLICT",
        412: "SETU-VERSION-MISMATCH",
    },
    "stub": {404: "NOT_FOUND", 400: "INVALID_MESSAGE", 409: "DUPLICATE_DOCUMENT", 412: "STALE_ETAG"},
}
LINE_EXISTS = {"ours": "SETU-LINE-EXISTS", "stub": "DUPLICATE_LINE"}


@pytest.fixture(params=["json", "xml"])
def fmt(request) -> str:
    return request.param


# ------------------------------------------------------------ HTTP refusals, from real answers
def test_unknown_id_raises_not_found_with_the_servers_code(counterparty, make_client, fmt):
    client = make_client(counterparty.base_url, format=fmt)
    for endpoint in (client.requests, client.assignments):
        with pytest.raises(NotFound) as caught:
            endpoint.get("does-not-exist")
        error = caught.value
        assert (error.status, error.code) == (404, CODES[counterparty.name][404])
        assert error.description and not error.retryable
        assert isinstance(error, SetuClientError) and isinstance(error, SetuClientFailure)


def test_unknown_constraints_id_raises_not_found(counterparty, make_client):
    """A UUID-shaped segment is a resource id, not the scenarios' {hrID}: an unknown one is a 404."""
    client = make_client(counterparty.base_url)
    with pytest.raises(NotFound):
        client.constraints.get(str(uuid.uuid4()))


def test_invalid_message_raises_bad_request_with_its_code(counterparty, make_client, fmt):
    client = make_client(counterparty.base_url, format=fmt)
    message = request()
    del message["documentId"]
    with pytest.raises(BadRequest) as caught:
        client.requests.create(message)
    error = caught.value
    assert (error.status, error.code) == (400, CODES[counterparty.name][400])
    assert "documentId" in error.description and not error.retryable


def test_resubmitting_a_document_with_other_content_raises_conflict(counterparty, make_client, fmt):
    client = make_client(counterparty.base_url, format=fmt)
    client.requests.create(request())
    other = request()
    other["positionProfile"]["positionTitle"] = "Driver"
    with pytest.raises(Conflict) as caught:
        client.requests.create(other)
    assert (caught.value.status, caught.value.code) == (409, CODES[counterparty.name][409])
    assert not caught.value.retryable


def test_adding_a_line_twice_raises_conflict(counterparty, make_client, fmt):
    client = make_client(counterparty.base_url, format=fmt)
    created = client.requests.create(request())
    client.requests.add_line(created.id, "single", single_planning_line())
    with pytest.raises(Conflict) as caught:
        client.requests.add_line(created.id, "single", single_planning_line())
    assert caught.value.code == LINE_EXISTS[counterparty.name]
    assert "S9" in caught.value.description


def test_stale_if_match_raises_precondition_failed(counterparty, make_client):
    client = make_client(counterparty.base_url)
    created = client.requests.create(request())
    first = client.requests.get(created.id).etag
    assert first
    changed = request()
    changed["positionProfile"]["positionTitle"] = "Driver"
    second = client.requests.replace(created.id, changed, if_match=first).etag
    assert second and second != first

    with pytest.raises(PreconditionFailed) as caught:
        client.requests.replace(created.id, request(), if_match=first)
    assert (caught.value.status, caught.value.code) == (412, CODES[counterparty.name][412])
    with pytest.raises(PreconditionFailed):
        client.requests.cancel(created.id, if_match=first)
    client.requests.cancel(created.id, if_match=second)


def test_a_format_the_server_does_not_take_raises_unsupported_media_type(make_client):
    # Our server takes JSON and XML, so the client cannot provoke a 415 there;
    # a JSON-only counterparty refuses the client's XML.
    with StubSetuServer(formats=("json",)) as json_only:
        client = make_client(json_only.base_url, format="xml")
        with pytest.raises(UnsupportedMediaType) as caught:
            client.requests.create(request())
        assert (caught.value.status, caught.value.code) == (415, "UNSUPPORTED_MEDIA_TYPE")
        assert not caught.value.retryable
        assert make_client(json_only.base_url, format="json").requests.create(request()).id


def test_bearer_token_is_sent_and_a_server_requiring_it_refuses_without(stub_server, make_client):
    stub_server.require_token("s3cret")
    with pytest.raises(Unauthorized) as caught:
        make_client(stub_server.base_url).constraints.create(constraints())
    assert (caught.value.status, caught.value.code, caught.value.retryable) == (401, "UNAUTHENTICATED", False)
    assert stub_server.last_request.header("Authorization") is None

    with pytest.raises(Unauthorized):
        make_client(stub_server.base_url, token="guess").constraints.create(constraints())

    created = make_client(stub_server.base_url, token="s3cret").constraints.create(constraints())
    assert created.id == "CON-000001"
    assert stub_server.last_request.header("Authorization") == "Bearer s3cret"


def test_a_token_callable_is_asked_on_every_call(stub_server, make_client):
    stub_server.require_token("fresh")
    tokens = iter(["stale", "fresh"])
    client = make_client(stub_server.base_url, token=lambda: next(tokens))
    with pytest.raises(Unauthorized):
        client.requests.create(request())
    assert client.requests.create(request()).id == "REQ-000001"


# ------------------------------------------------------------ every status class, scripted on the stub
@pytest.mark.parametrize(
    ("status", "error_class", "retryable"),
    [
        (400, BadRequest, False),
        (401, Unauthorized, False),
        (403, Forbidden, False),
        (404, NotFound, False),
        (409, Conflict, False),
        (412, PreconditionFailed, False),
        (415, UnsupportedMediaType, False),
        (405, OtherClientError, False),
        (410, OtherClientError, False),
        (422, OtherClientError, False),
        (429, TooManyRequests, True),
        (500, ServerError, True),
        (502, ServerError, True),
        (503, ServerError, True),
        (504, ServerError, True),
    ],
)
def test_each_error_status_raises_its_class_and_says_whether_to_retry(
    stub_server, make_client, fmt, status, error_class, retryable
):
    stub_server.fail_next(status=status)
    with pytest.raises(error_class) as caught:
        make_client(stub_server.base_url, format=fmt).requests.get("REQ-000001")
    error = caught.value
    assert type(error) is error_class
    assert (error.status, error.code, error.retryable) == (status, f"STUB-{status}", retryable)
    assert error.method == "GET" and error.url.endswith("/planning/requests/REQ-000001")


def test_a_refusal_scripted_for_one_path_leaves_the_others_alone(stub_server, make_client):
    stub_server.fail_matching("POST", "/planning/assignments", status=400)
    client = make_client(stub_server.base_url)
    for _ in range(2):
        with pytest.raises(BadRequest):
            client.assignments.create(assignment())
    assert client.requests.create(request()).id == "REQ-000001"
    assert stub_server.ids("assignments") == []


def test_too_many_requests_carries_retry_after_in_seconds(stub_server, make_client):
    stub_server.fail_next(1, status=429, headers={"Retry-After": "7"})
    with pytest.raises(TooManyRequests) as caught:
        make_client(stub_server.base_url).requests.create(request())
    assert caught.value.retry_after == 7.0 and caught.value.retryable


def test_too_many_requests_reads_retry_after_as_an_http_date(stub_server, make_client):
    moment = datetime.now(UTC) + timedelta(seconds=120)
    stub_server.fail_next(1, status=429, headers={"Retry-After": email.utils.format_datetime(moment, usegmt=True)})
    with pytest.raises(TooManyRequests) as caught:
        make_client(stub_server.base_url).requests.create(request())
    assert 60 < caught.value.retry_after <= 120


def test_service_unavailable_is_a_retryable_server_error_and_the_retry_lands(stub_server, make_client):
    client = make_client(stub_server.base_url)
    stub_server.fail_next(1, status=503, headers={"Retry-After": "2"})
    with pytest.raises(ServerError) as caught:
        client.requests.create(request())
    assert (caught.value.status, caught.value.retryable, caught.value.retry_after) == (503, True, 2.0)
    assert client.requests.create(request()).id == "REQ-000001"
    assert len(stub_server.requests_to("POST", "/planning/requests")) == 2


def test_a_proxys_html_error_page_still_raises_the_typed_error(stub_server, make_client):
    page = (
        b"<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>upstream down</p></body></html>"
    )
    stub_server.fail_next(1, status=502, body=page, content_type="text/html")
    with pytest.raises(ServerError) as caught:
        make_client(stub_server.base_url).requests.get("REQ-000001")
    assert caught.value.code is None
    assert "Bad Gateway" in caught.value.description and "<" not in caught.value.description


def test_an_empty_error_body_raises_the_typed_error_named_by_its_status(stub_server, make_client):
    stub_server.fail_next(1, status=404, body=b"")
    with pytest.raises(NotFound) as caught:
        make_client(stub_server.base_url).requests.get("REQ-000001")
    assert caught.value.code is None and caught.value.description == "404 Not Found"


def test_an_xml_error_object_is_read_like_the_json_one(stub_server, make_client):
    body = b"<?xml version='1.0'?><error><code>E42</code><description>no such shift</description></error>"
    stub_server.fail_next(1, status=409, body=body, content_type="application/xml")
    with pytest.raises(Conflict) as caught:
        make_client(stub_server.base_url).requests.get("REQ-000001")
    assert (caught.value.code, caught.value.description) == ("E42", "no such shift")


# ------------------------------------------------------------ no answer: transport
def test_connection_refused_raises_a_retryable_transport_error(make_client):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SetuTransportError) as caught:
        make_client(f"http://127.0.0.1:{port}").requests.create(request())
    assert caught.value.retryable
    assert not isinstance(caught.value, SetuClientError)
    assert isinstance(caught.value.__cause__, ConnectionRefusedError)


def test_read_timeout_against_a_delaying_server_raises_a_transport_error(stub_server, make_client):
    stub_server.delay_next(10.0)
    client = make_client(stub_server.base_url, read_timeout=0.2)
    with pytest.raises(SetuTransportError) as caught:
        client.requests.create(request())
    assert caught.value.retryable
    assert isinstance(caught.value.__cause__, TimeoutError)


@pytest.mark.parametrize("garbage", [False, True], ids=["closed", "not-http"])
def test_a_dropped_or_garbled_answer_raises_a_transport_error_and_the_next_call_works(
    stub_server, make_client, garbage
):
    client = make_client(stub_server.base_url)
    client.requests.create(request())  # a pooled connection exists
    stub_server.drop_next(garbage=garbage)
    with pytest.raises(SetuTransportError):
        client.requests.get("REQ-000001")
    assert client.requests.get("REQ-000001").message == request()


# ------------------------------------------------------------ answers the standard does not allow
def test_an_undecodable_success_body_raises_a_protocol_error(stub_server, make_client):
    stub_server.answer_next(200, b"{this is not json", content_type="application/json")
    with pytest.raises(SetuProtocolError) as caught:
        make_client(stub_server.base_url).requests.get("REQ-000001")
    assert caught.value.status == 200 and not caught.value.retryable
    assert not isinstance(caught.value, SetuClientError)


def test_an_xml_answer_holding_another_message_raises_a_protocol_error(stub_server, make_client):
    # JSON answers are taken as the server's word (not schema-checked); XML names its root.
    client = make_client(stub_server.base_url, format="xml")
    body = client._encoder.message(client.constraints.kind, constraints())
    stub_server.answer_next(200, body, content_type="application/xml")
    with pytest.raises(SetuProtocolError) as caught:
        client.requests.get("REQ-000001")
    assert "PlanningRequest" in str(caught.value)


def test_a_create_without_location_raises_a_protocol_error(stub_server, make_client):
    stub_server.answer_next(201, b"")
    with pytest.raises(SetuProtocolError) as caught:
        make_client(stub_server.base_url).requests.create(request())
    assert "Location" in str(caught.value)


def test_a_redirect_is_not_followed_but_reported(stub_server, make_client):
    stub_server.answer_next(307, b"", headers={"Location": "http://127.0.0.1:9/elsewhere"})
    with pytest.raises(SetuProtocolError) as caught:
        make_client(stub_server.base_url).requests.create(request())
    assert caught.value.status == 307
    assert len(stub_server.recorded) == 1


def test_a_compressed_answer_the_client_did_not_ask_for_is_refused_not_decompressed(stub_server, make_client):
    stub_server.answer_next(200, gzip.compress(json.dumps(request()).encode()), headers={"Content-Encoding": "gzip"})
    with pytest.raises(SetuProtocolError) as caught:
        make_client(stub_server.base_url).requests.get("REQ-000001")
    assert "Content-Encoding" in str(caught.value)
    sent = {name.title() for name in stub_server.recorded[-1].headers}
    assert "Accept" in sent and "Accept-Encoding" not in sent, sent
