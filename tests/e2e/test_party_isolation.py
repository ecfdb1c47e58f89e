"""Parties over real HTTP: who may call, what each sees, and who the audit trail names.

One ``setu-planning serve --parties FILE`` process; three token parties (otto,
the supplier; acme, its customer; rival, another supplier) and one JWT party.
"""

from __future__ import annotations

import json
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from samples import assignment, constraints, request

from setu_planning.interface.parties import token_hash

pytestmark = pytest.mark.e2e

TOKENS = {name: f"{name}-token-{uuid.uuid4().hex}{uuid.uuid4().hex}" for name in ("otto", "acme", "rival")}
ISSUER = "https://idp.big.example"
AUDIENCE = "setu-planning-test"


def ids(value: str) -> str:
    return (
        f'[{{ value = "{value}", schemeAgencyId = "Customer" }}, {{ value = "{value}", schemeAgencyId = "Supplier" }}]'
    )


@pytest.fixture(scope="module")
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def server(start_server, tmp_path, signing_key):
    jwk = {**jwt.algorithms.RSAAlgorithm.to_jwk(signing_key.public_key(), as_dict=True), "kid": "k1", "use": "sig"}
    (tmp_path / "big-jwks.json").write_text(json.dumps({"keys": [jwk]}))
    parties = tmp_path / "parties.toml"
    parties.write_text(
        "".join(
            f'[parties.{name}]\nidentifiers = {ids(name.upper())}\ntokens = ["{token_hash(token)}"]\n\n'
            for name, token in TOKENS.items()
        )
        + f"[parties.big]\nidentifiers = {ids('BIG')}\n\n"
        f'[parties.big.jwt]\nissuer = "{ISSUER}"\naudience = "{AUDIENCE}"\njwks_file = "big-jwks.json"\n'
    )
    return start_server(args=["--parties", str(parties)])


@pytest.fixture
def http(server):
    return server.http


def headers(party: str | None, **extra: str) -> dict[str, str]:
    found = {"Content-Type": "application/json", "setuVersionId": "2.0", **extra}
    if party is not None:
        found["Authorization"] = f"Bearer {TOKENS.get(party, party)}"
    return found


def naming(message: dict, supplier: str, customer: str) -> dict:
    message = dict(message)
    message["supplier"] = {"id": [{"value": supplier.upper(), "schemeAgencyId": "Customer"}]}
    message["customer"] = {"id": [{"value": customer.upper(), "schemeAgencyId": "Customer"}]}
    return message


def post(http, party, path, message, **extra):
    return http.request("POST", path, json.dumps(message).encode(), headers(party, **extra))


def created(reply) -> str:
    assert reply.status == 201, reply
    return reply.headers["Location"]


def big_token(signing_key, **claims) -> str:
    now = int(time.time())
    payload = {"iss": ISSUER, "aud": AUDIENCE, "sub": "big-client", "iat": now, "exp": now + 300, **claims}
    return jwt.encode(payload, signing_key, algorithm="RS256", headers={"kid": "k1"})


# ------------------------------------------------------------------ 401
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer ", "Basic b3R0bzpzZWNyZXQ=", "Bearer two tokens", "Bearer not-a-known-token-0123456789"],
)
def test_a_request_without_a_valid_credential_is_401_with_a_bearer_challenge(http, authorization):
    sent = {"Authorization": authorization} if authorization is not None else {}
    reply = http.request("GET", f"/planning/requests/{uuid.uuid4()}", headers=sent)
    assert reply.status == 401, reply
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")
    body = reply.json()
    assert body["code"] == "SETU-UNAUTHENTICATED" and body["description"]
    assert "not-a-known-token" not in reply.body.decode()


def test_health_answers_without_credentials(http):
    assert http.request("GET", "/health").status == 200


def test_a_refused_post_stores_nothing(http):
    reply = http.request("POST", "/planning/requests", json.dumps(request()).encode(), headers(None))
    assert reply.status == 401
    assert post(http, "otto", "/planning/requests", naming(request(), "otto", "acme")).status == 201


# ------------------------------------------------------------------ isolation
def test_each_party_sees_the_resources_that_name_it_and_no_others(http):
    shared = created(post(http, "otto", "/planning/requests", naming(request(), "otto", "acme")))
    for party in ("otto", "acme"):
        reply = http.request("GET", shared, headers=headers(party))
        assert reply.status == 200, (party, reply)
    unknown = f"/planning/requests/{uuid.uuid4()}"
    hidden, missing = (http.request("GET", path, headers=headers("rival")) for path in (shared, unknown))
    assert hidden.status == missing.status == 404
    assert hidden.json()["code"] == missing.json()["code"]
    assert hidden.json()["description"].replace(shared.rsplit("/", 1)[1], "ID") == missing.json()[
        "description"
    ].replace(unknown.rsplit("/", 1)[1], "ID")


def test_another_party_cannot_change_cancel_or_read_the_past_of_a_resource_not_naming_it(http):
    shared = created(post(http, "otto", "/planning/requests", naming(request(), "otto", "acme")))
    rival = headers("rival")
    attempts = [
        ("PUT", shared, json.dumps(naming(request(), "otto", "acme")).encode()),
        ("DELETE", shared, None),
        ("GET", f"{shared}/history", None),
        ("GET", f"{shared}?version=1", None),
        ("GET", f"{shared}?asOf=2030-01-01T00:00:00Z", None),
        ("GET", f"{shared}/lines/P1", None),
        ("POST", f"{shared}/single-lines", b"{}"),
        ("DELETE", f"{shared}/lines/P1", None),
        ("GET", f"{shared}/assignments", None),
    ]
    for method, path, body in attempts:
        reply = http.request(method, path, body, rival)
        assert reply.status == 404, (method, path, reply)
    assert http.request("GET", f"{shared}/history", headers=headers("otto")).json()["events"][-1]["version"] == 1


def test_a_party_may_create_only_messages_naming_it(http):
    reply = post(http, "rival", "/planning/requests", naming(request(), "otto", "acme"))
    assert reply.status == 403, reply
    assert reply.json()["code"] == "SETU-FORBIDDEN"
    assert post(http, "rival", "/planning/requests", naming(request(), "rival", "acme")).status == 201


def test_a_put_that_would_unname_the_acting_party_is_403_and_changes_nothing(http):
    shared = created(post(http, "otto", "/planning/requests", naming(request(), "otto", "acme")))
    reply = http.request("PUT", shared, json.dumps(naming(request(), "rival", "acme")).encode(), headers("otto"))
    assert reply.status == 403, reply
    assert http.request("GET", shared, headers=headers("otto")).headers["ETag"] == '"1"'


def test_lists_hold_only_what_the_caller_may_see(http):
    mine = constraints(supplier={"id": [{"value": "OTTO", "schemeAgencyId": "Supplier"}]})
    theirs = constraints(
        documentId={"value": "CON-RIVAL", "schemeAgencyId": "Supplier"},
        supplier={"id": [{"value": "RIVAL", "schemeAgencyId": "Supplier"}]},
    )
    created(post(http, "otto", "/planning/constraints", mine))
    created(post(http, "rival", "/planning/constraints", theirs))
    for party, document in (("otto", "CON-1"), ("rival", "CON-RIVAL")):
        for path in ("/planning/constraints?hrId=W-1", "/planning/constraints/W-1"):
            listed = http.request("GET", path, headers=headers(party)).json()
            assert [m["documentId"]["value"] for m in listed] == [document], (party, path)

    request_path = created(post(http, "otto", "/planning/requests", naming(request(), "otto", "acme")))
    created(post(http, "otto", "/planning/assignments", naming(assignment(), "otto", "acme")))
    created(
        post(
            http,
            "rival",
            "/planning/assignments",
            naming(assignment(documentId={"value": "ASG-R", "schemeAgencyId": "Customer"}), "rival", "acme"),
        )
    )
    for party, expected in (("otto", ["ASG-1"]), ("acme", ["ASG-1", "ASG-R"])):
        listed = http.request("GET", f"{request_path}/assignments", headers=headers(party)).json()
        assert [m["documentId"]["value"] for m in listed] == expected, party


def test_document_ids_are_per_party_never_colliding_nor_revealing(http):
    first = created(post(http, "otto", "/planning/requests", naming(request(), "otto", "acme")))
    assert post(http, "otto", "/planning/requests", naming(request(), "otto", "acme")).headers["Location"] == first
    # acme sends the same documentId (same issuer, same content): its own resource, no 409.
    second = post(http, "acme", "/planning/requests", naming(request(), "otto", "acme"))
    assert second.status == 201 and second.headers["Location"] != first
    # ...and with other content: still its own, still no conflict with otto's.
    changed = naming(request(), "rival", "acme")
    assert post(http, "rival", "/planning/requests", changed).status == 201
    conflict = dict(naming(request(), "otto", "acme"), requestComments=["other content"])
    assert post(http, "otto", "/planning/requests", conflict).status == 409


# ------------------------------------------------------------------ audit
def test_history_names_the_authenticated_party_and_whom_it_acted_for(http):
    path = created(
        post(http, "otto", "/planning/requests", naming(request(), "otto", "acme"), **{"X-SETU-Actor": "j.jansen"})
    )
    http.request("DELETE", path, headers=headers("acme", **{"X-SETU-Actor": "planner-7"}))
    events = http.request("GET", f"{path}/history", headers=headers("otto")).json()["events"]
    assert [(e["actor"], e["party"], e["onBehalfOf"]) for e in events] == [
        ("otto", "otto", "j.jansen"),
        ("acme", "acme", "planner-7"),
    ]


# ------------------------------------------------------------------ JWT
def test_a_valid_jwt_acts_as_its_party(http, signing_key):
    token = big_token(signing_key)
    path = created(post(http, token, "/planning/requests", naming(request(), "big", "acme")))
    events = http.request("GET", f"{path}/history", headers=headers(token)).json()["events"]
    assert events[0]["party"] == "big"


@pytest.mark.parametrize(
    "claims",
    [
        {"iss": "https://idp.evil.example"},
        {"aud": "someone-else"},
        {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200},
    ],
    ids=["issuer", "audience", "expired"],
)
def test_a_jwt_is_refused_for_issuer_audience_and_expiry(http, signing_key, claims):
    reply = http.request("GET", "/planning/constraints?hrId=W-1", headers=headers(big_token(signing_key, **claims)))
    assert reply.status == 401, reply
    assert 'error="invalid_token"' in reply.headers["WWW-Authenticate"]


def test_a_jwt_signed_by_another_key_is_refused(http):
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    reply = http.request("GET", "/planning/constraints?hrId=W-1", headers=headers(big_token(forger)))
    assert reply.status == 401, reply


def test_without_parties_the_service_announces_open_mode_and_serves_loopback(start_server):
    open_server = start_server()
    assert "OPEN DEVELOPMENT MODE" in open_server.stderr()
    reply = open_server.http.request(
        "POST", "/planning/requests", json.dumps(request()).encode(), headers(None, **{"X-SETU-Actor": "dev"})
    )
    assert reply.status == 201, reply
