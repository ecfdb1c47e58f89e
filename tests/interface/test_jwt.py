"""JWT parties: signed tokens from a counterparty's identity provider, verified with its public keys."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from setu_planning.interface.parties import (
    Authenticator,
    PartiesFileError,
    Unauthenticated,
    load_parties,
    token_hash,
)

BIG_ISSUER = "https://idp.big.example"
SMALL_ISSUER = "https://login.small.example"
AUDIENCE = "setu-planning"


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def other_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def public_jwk(private_key, kid: str) -> dict:
    is_rsa = isinstance(private_key, rsa.RSAPrivateKey)
    algorithm = jwt.algorithms.RSAAlgorithm if is_rsa else jwt.algorithms.ECAlgorithm
    return {**algorithm.to_jwk(private_key.public_key(), as_dict=True), "kid": kid, "use": "sig"}


def public_pem(private_key) -> bytes:
    return private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def private_pem(private_key) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


PARTIES = f"""\
[parties.big-planner]
identifiers = [{{ value = "BIG", schemeAgencyId = "Customer" }}]

[parties.big-planner.jwt]
issuer = "{BIG_ISSUER}"
audience = "{AUDIENCE}"
jwks_file = "keys/big-planner-jwks.json"
algorithms = ["RS256"]

[parties.small-planner]
identifiers = [{{ value = "SMALL", schemeAgencyId = "Supplier" }}]
tokens = ["{token_hash("small-opaque-token-0123456789abcdef0123456789")}"]

[parties.small-planner.jwt]
issuer = "{SMALL_ISSUER}"
audience = "{AUDIENCE}"
public_key_file = "small-planner.pem"
subject = "client-123"
leeway_seconds = 30
"""


@pytest.fixture
def parties_file(tmp_path, rsa_key, ec_key) -> Path:
    (tmp_path / "keys").mkdir()
    jwks = {"keys": [public_jwk(rsa_key, "rsa-1"), public_jwk(ec_key, "ec-for-encryption") | {"use": "enc"}]}
    (tmp_path / "keys" / "big-planner-jwks.json").write_text(json.dumps(jwks))
    (tmp_path / "small-planner.pem").write_bytes(public_pem(ec_key))
    path = tmp_path / "parties.toml"
    path.write_text(PARTIES)
    return path


@pytest.fixture
def authenticator(parties_file) -> Authenticator:
    return Authenticator(load_parties(parties_file))


def claims(issuer: str = BIG_ISSUER, **changes) -> dict:
    now = int(time.time())
    base = {"iss": issuer, "aud": AUDIENCE, "sub": "client-123", "iat": now, "exp": now + 300}
    return {key: value for key, value in (base | changes).items() if value is not None}


def big_token(rsa_key, kid: str = "rsa-1", **changes) -> str:
    return jwt.encode(claims(**changes), rsa_key, algorithm="RS256", headers={"kid": kid})


def small_token(ec_key, **changes) -> str:
    return jwt.encode(claims(SMALL_ISSUER, **changes), ec_key, algorithm="ES256")


def refusal(authenticator: Authenticator, token: str) -> Unauthenticated:
    with pytest.raises(Unauthenticated) as raised:
        authenticator.authenticate(f"Bearer {token}")
    assert raised.value.error == "invalid_token"
    assert token not in raised.value.reason and token not in raised.value.challenge()
    return raised.value


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# -- accepted ------------------------------------------------------------------------------


def test_an_rs256_jwt_whose_kid_is_in_the_partys_jwks_authenticates_as_that_party(authenticator, rsa_key):
    assert authenticator.authenticate(f"Bearer {big_token(rsa_key)}").name == "big-planner"


def test_an_es256_jwt_verified_with_the_partys_pem_key_authenticates_as_that_party(authenticator, ec_key):
    assert authenticator.authenticate(f"Bearer {small_token(ec_key)}").name == "small-planner"


def test_a_party_may_use_opaque_tokens_and_jwts_side_by_side(authenticator):
    opaque = "Bearer small-opaque-token-0123456789abcdef0123456789"
    assert authenticator.authenticate(opaque).name == "small-planner"


def test_an_audience_list_containing_this_service_is_accepted(authenticator, rsa_key):
    token = big_token(rsa_key, aud=["other-service", AUDIENCE])
    assert authenticator.authenticate(f"Bearer {token}").name == "big-planner"


def test_expiry_within_the_leeway_is_tolerated_for_clock_skew(authenticator, rsa_key):
    token = big_token(rsa_key, exp=int(time.time()) - 5)
    assert authenticator.authenticate(f"Bearer {token}").name == "big-planner"


def test_keys_are_read_once_when_the_parties_file_is_loaded(parties_file, rsa_key):
    authenticator = Authenticator(load_parties(parties_file))
    (parties_file.parent / "keys" / "big-planner-jwks.json").unlink()
    assert authenticator.authenticate(f"Bearer {big_token(rsa_key)}").name == "big-planner"


def test_key_files_resolve_against_the_parties_files_folder(parties_file, tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert load_parties(parties_file)["big-planner"].jwt.keys["rsa-1"].algorithm == "RS256"


def test_jwt_settings_default_to_both_algorithms_and_a_30_second_leeway(tmp_path, ec_key):
    (tmp_path / "k.pem").write_bytes(public_pem(ec_key))
    (tmp_path / "p.toml").write_text(
        '[parties.p]\nidentifiers = [{ value = "P", schemeAgencyId = "C" }]\n'
        '[parties.p.jwt]\nissuer = "i"\naudience = "a"\npublic_key_file = "k.pem"\n'
    )
    settings = load_parties(tmp_path / "p.toml")["p"].jwt
    assert (settings.algorithms, settings.leeway_seconds, settings.subject) == (("RS256", "ES256"), 30, None)


# -- refused -------------------------------------------------------------------------------


def test_a_jwt_from_an_unknown_issuer_matches_no_party(authenticator, rsa_key):
    assert "match no party" in refusal(authenticator, big_token(rsa_key, iss="https://evil.example")).reason


def test_a_jwt_for_another_subject_than_the_partys_matches_no_party(authenticator, ec_key):
    assert "match no party" in refusal(authenticator, small_token(ec_key, sub="client-456")).reason


def test_a_jwt_for_another_audience_is_refused(authenticator, rsa_key):
    assert "audience" in refusal(authenticator, big_token(rsa_key, aud="another-service")).reason


def test_a_jwt_without_audience_is_refused(authenticator, rsa_key):
    assert "'aud' claim" in refusal(authenticator, big_token(rsa_key, aud=None)).reason


def test_an_expired_jwt_is_refused(authenticator, rsa_key):
    assert "expired" in refusal(authenticator, big_token(rsa_key, exp=int(time.time()) - 120)).reason


def test_a_jwt_without_expiry_is_refused(authenticator, rsa_key):
    assert "'exp' claim" in refusal(authenticator, big_token(rsa_key, exp=None)).reason


@pytest.mark.parametrize("claim", ["nbf", "iat"])
def test_a_jwt_not_yet_valid_beyond_the_leeway_is_refused(authenticator, rsa_key, claim):
    token = big_token(rsa_key, **{claim: int(time.time()) + 120})
    assert "not yet valid" in refusal(authenticator, token).reason


def test_a_jwt_signed_by_another_key_under_a_known_kid_is_refused(authenticator, other_rsa_key):
    assert "signature" in refusal(authenticator, big_token(other_rsa_key)).reason


def test_a_jwt_with_a_tampered_payload_is_refused(authenticator, rsa_key):
    header, _, signature = big_token(rsa_key).split(".")
    forged = b64url(json.dumps(claims(sub="admin")).encode())
    assert "signature" in refusal(authenticator, f"{header}.{forged}.{signature}").reason


def test_a_jwt_with_an_unknown_kid_is_refused(authenticator, rsa_key):
    assert "unknown key" in refusal(authenticator, big_token(rsa_key, kid="rsa-2")).reason


def test_a_jwt_without_kid_is_refused_by_a_jwks_party(authenticator, rsa_key):
    token = jwt.encode(claims(), rsa_key, algorithm="RS256")
    assert "unknown key" in refusal(authenticator, token).reason


def test_a_jwt_whose_kid_names_a_key_not_for_signing_is_refused(tmp_path, rsa_key, ec_key):
    keys = [public_jwk(rsa_key, "sig"), public_jwk(ec_key, "enc") | {"use": "enc"}]
    (tmp_path / "k.json").write_text(json.dumps({"keys": keys}))
    authenticator = Authenticator(load_parties(jwt_party(tmp_path, 'jwks_file = "k.json"')))
    token = jwt.encode(claims("i", aud="a"), ec_key, algorithm="ES256", headers={"kid": "enc"})
    assert "unknown key" in refusal(authenticator, token).reason
    token = jwt.encode(claims("i", aud="a"), rsa_key, algorithm="RS256", headers={"kid": "sig"})
    assert authenticator.authenticate(f"Bearer {token}").name == "p"


def test_an_unsigned_jwt_alg_none_is_refused(authenticator):
    token = jwt.encode(claims(), None, algorithm="none", headers={"kid": "rsa-1"})
    assert "algorithm not accepted" in refusal(authenticator, token).reason


def test_an_hs256_jwt_keyed_with_the_public_key_is_refused(authenticator, rsa_key, ec_key):
    """Algorithm confusion: the attacker knows the public key and uses it as an HMAC secret."""
    for issuer, public_key, kid in ((BIG_ISSUER, rsa_key, "rsa-1"), (SMALL_ISSUER, ec_key, None)):
        header = {"alg": "HS256", "typ": "JWT"} | ({"kid": kid} if kid else {})
        signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims(issuer)).encode())}"
        signature = hmac.new(public_pem(public_key), signing_input.encode(), hashlib.sha256).digest()
        forged = f"{signing_input}.{b64url(signature)}"
        assert "algorithm not accepted" in refusal(authenticator, forged).reason


def test_a_jwt_whose_algorithm_does_not_fit_the_partys_key_is_refused(authenticator, rsa_key):
    token = jwt.encode(claims(SMALL_ISSUER), rsa_key, algorithm="RS256")
    assert "algorithm does not match its key" in refusal(authenticator, token).reason


def test_a_jwt_in_an_algorithm_the_party_does_not_allow_is_refused(authenticator, ec_key):
    token = jwt.encode(claims(), ec_key, algorithm="ES256", headers={"kid": "rsa-1"})
    assert "algorithm not accepted" in refusal(authenticator, token).reason


def test_a_malformed_jwt_is_refused(authenticator):
    assert "malformed JWT" in refusal(authenticator, "eyJhbGciOi.eyJpc3Mi.c2ln").reason


def test_no_party_with_jwt_settings_means_every_jwt_matches_no_party(tmp_path, rsa_key):
    path = tmp_path / "p.toml"
    path.write_text(
        f'[parties.p]\nidentifiers = [{{ value = "P", schemeAgencyId = "C" }}]\ntokens = ["{token_hash("x")}"]\n'
    )
    assert "match no party" in refusal(Authenticator(load_parties(path)), big_token(rsa_key)).reason


# -- key files refused at load ---------------------------------------------------------------


def jwt_party(folder: Path, key_line: str, extra: str = "") -> Path:
    path = folder / "parties.toml"
    path.write_text(
        '[parties.p]\nidentifiers = [{ value = "P", schemeAgencyId = "C" }]\n'
        f'[parties.p.jwt]\nissuer = "i"\naudience = "a"\n{key_line}\n{extra}'
    )
    return path


def load_error(path: Path) -> str:
    with pytest.raises(PartiesFileError) as raised:
        load_parties(path)
    assert str(raised.value).startswith(f"{path}: party 'p': ")
    return str(raised.value)


def test_a_jwks_with_private_key_material_is_refused(tmp_path, rsa_key):
    private = jwt.algorithms.RSAAlgorithm.to_jwk(rsa_key, as_dict=True) | {"kid": "k"}
    (tmp_path / "k.json").write_text(json.dumps({"keys": [private]}))
    assert "private key material" in load_error(jwt_party(tmp_path, 'jwks_file = "k.json"'))


def test_a_jwks_with_a_symmetric_key_is_refused(tmp_path):
    (tmp_path / "k.json").write_text(json.dumps({"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "k"}]}))
    assert "secret or private key material" in load_error(jwt_party(tmp_path, 'jwks_file = "k.json"'))


def test_a_jwks_signing_key_without_kid_is_refused(tmp_path, rsa_key):
    key = public_jwk(rsa_key, "k")
    del key["kid"]
    (tmp_path / "k.json").write_text(json.dumps({"keys": [key]}))
    assert "has no 'kid'" in load_error(jwt_party(tmp_path, 'jwks_file = "k.json"'))


def test_a_jwks_with_one_kid_twice_is_refused(tmp_path, rsa_key, other_rsa_key):
    keys = [public_jwk(rsa_key, "k"), public_jwk(other_rsa_key, "k")]
    (tmp_path / "k.json").write_text(json.dumps({"keys": keys}))
    assert "kid 'k' is used by two keys" in load_error(jwt_party(tmp_path, 'jwks_file = "k.json"'))


def test_a_jwks_without_a_usable_signing_key_is_refused(tmp_path, ec_key):
    (tmp_path / "k.json").write_text(json.dumps({"keys": [public_jwk(ec_key, "k")]}))
    message = load_error(jwt_party(tmp_path, 'jwks_file = "k.json"', 'algorithms = ["RS256"]'))
    assert "none of its keys is a signing key for RS256" in message


@pytest.mark.parametrize("content", ["not json", '{"keys": []}', '["a"]'])
def test_a_file_that_is_not_a_jwks_is_refused(tmp_path, content):
    (tmp_path / "k.json").write_text(content)
    assert "k.json is not" in load_error(jwt_party(tmp_path, 'jwks_file = "k.json"'))


def test_a_pem_file_holding_a_private_key_is_refused(tmp_path, ec_key):
    (tmp_path / "k.pem").write_bytes(private_pem(ec_key))
    assert "holds a private key" in load_error(jwt_party(tmp_path, 'public_key_file = "k.pem"'))


def test_a_pem_file_that_is_no_key_is_refused(tmp_path):
    (tmp_path / "k.pem").write_text("-----BEGIN PUBLIC KEY-----\nnonsense\n-----END PUBLIC KEY-----\n")
    assert "is not a PEM public key" in load_error(jwt_party(tmp_path, 'public_key_file = "k.pem"'))


def test_a_weak_rsa_key_is_refused(tmp_path):
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    (tmp_path / "k.pem").write_bytes(public_pem(weak))
    assert "RSA key of 1024 bits" in load_error(jwt_party(tmp_path, 'public_key_file = "k.pem"'))


def test_an_ec_key_on_another_curve_than_p256_is_refused(tmp_path):
    (tmp_path / "k.pem").write_bytes(public_pem(ec.generate_private_key(ec.SECP384R1())))
    assert "only RSA and EC P-256" in load_error(jwt_party(tmp_path, 'public_key_file = "k.pem"'))


def test_a_pem_key_of_an_algorithm_the_party_does_not_allow_is_refused(tmp_path, ec_key):
    (tmp_path / "k.pem").write_bytes(public_pem(ec_key))
    message = load_error(jwt_party(tmp_path, 'public_key_file = "k.pem"', 'algorithms = ["RS256"]'))
    assert "a ES256 key, but 'jwt.algorithms' allows only RS256" in message


def test_two_parties_trusting_one_issuer_must_each_name_a_distinct_subject(tmp_path, ec_key):
    (tmp_path / "k.pem").write_bytes(public_pem(ec_key))
    party = '[parties.{0}]\nidentifiers = [{{ value = "{0}", schemeAgencyId = "C" }}]\n[parties.{0}.jwt]\n'
    jwt_table = 'issuer = "i"\naudience = "a"\npublic_key_file = "k.pem"\n'
    path = tmp_path / "parties.toml"
    path.write_text(party.format("a") + jwt_table + 'subject = "s"\n' + party.format("b") + jwt_table)
    with pytest.raises(PartiesFileError, match="parties 'a' and 'b' all accept JWTs from issuer 'i'"):
        load_parties(path)
    party_a = f'{party.format("a")}{jwt_table}subject = "s"\n'
    path.write_text(f'{party_a}{party.format("b")}{jwt_table}subject = "t"\n')
    assert load_parties(path)["b"].jwt.subject == "t"
