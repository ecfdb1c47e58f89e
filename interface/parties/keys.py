"""The keys a party's JWTs are verified with: read once, from its JWKS or PEM file, and each bound to one algorithm.

Only public RSA (2048 bits or more) and EC P-256 keys; a file holding private
or secret key material is refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt import exceptions as jwt_errors

from .model import (
    DEFAULT_LEEWAY_SECONDS,
    MAX_LEEWAY_SECONDS,
    MIN_RSA_KEY_BITS,
    SUPPORTED_ALGORITHMS,
    FileEntry,
    JwtSettings,
    VerificationKey,
)

_JWT_KEYS = (
    "issuer",
    "audience",
    "jwks_file",
    "public_key_file",
    "algorithms",
    "subject",
    "leeway_seconds",
)
_PRIVATE_JWK_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")


def read_jwt_settings(where: FileEntry, table: Any) -> JwtSettings:
    if not isinstance(table, dict):
        raise where.fail("'jwt' must be a table ([parties.NAME.jwt])")
    where.check_keys(table, _JWT_KEYS, "jwt.")
    issuer, audience = _text(where, table, "issuer"), _text(where, table, "audience")
    subject = _text(where, table, "subject") if "subject" in table else None
    algorithms = _algorithms(where, table.get("algorithms", list(SUPPORTED_ALGORITHMS)))
    leeway = _leeway(where, table.get("leeway_seconds", DEFAULT_LEEWAY_SECONDS))
    key_file = _key_file(where, table)
    read_keys = _jwks_keys if "jwks_file" in table else _pem_keys
    return JwtSettings(
        issuer=issuer,
        audience=audience,
        algorithms=algorithms,
        subject=subject,
        leeway_seconds=leeway,
        key_file=key_file,
        keys=read_keys(where, key_file, algorithms),
    )


def _text(where: FileEntry, table: dict[str, Any], key: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise where.fail(f"'jwt.{key}' must be a non-empty string")
    return value


def _algorithms(where: FileEntry, value: Any) -> tuple[str, ...]:
    if (
        not isinstance(value, list)
        or not value
        or any(item not in SUPPORTED_ALGORITHMS for item in value)
        or len(set(value)) != len(value)
    ):
        raise where.fail(f"'jwt.algorithms' must list some of {', '.join(SUPPORTED_ALGORITHMS)}, each once")
    return tuple(value)


def _leeway(where: FileEntry, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_LEEWAY_SECONDS:
        raise where.fail(f"'jwt.leeway_seconds' must be a whole number from 0 to {MAX_LEEWAY_SECONDS}")
    return value


def _key_file(where: FileEntry, table: dict[str, Any]) -> Path:
    given = [key for key in ("jwks_file", "public_key_file") if key in table]
    if len(given) != 1:
        raise where.fail("'jwt' needs exactly one of 'jwks_file' and 'public_key_file'")
    value = table[given[0]]
    if not isinstance(value, str) or not value:
        raise where.fail(f"'jwt.{given[0]}' must be a file name")
    return where.path.parent / value


def _read_key_file(where: FileEntry, path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise where.fail(f"cannot read key file {path}: {error.strerror}") from None


def _pem_keys(where: FileEntry, path: Path, algorithms: tuple[str, ...]) -> dict[str | None, VerificationKey]:
    data = _read_key_file(where, path)
    if b"PRIVATE KEY" in data:
        raise where.fail(f"{path} holds a private key; give the party's public key only")
    if b"CERTIFICATE" in data:
        raise where.fail(f"{path} is a certificate; extract its key with: openssl x509 -pubkey -noout")
    try:
        public_key = serialization.load_pem_public_key(data)
    except ValueError:
        raise where.fail(f"{path} is not a PEM public key") from None
    return {None: _verification_key(where, str(path), None, public_key, algorithms)}


def _verification_key(
    where: FileEntry, origin: str, kid: str | None, public_key: Any, algorithms: tuple[str, ...]
) -> VerificationKey:
    """Bind a key to the one algorithm it can verify, so a token's ``alg`` cannot reinterpret it."""
    if isinstance(public_key, rsa.RSAPublicKey):
        if public_key.key_size < MIN_RSA_KEY_BITS:
            bits = public_key.key_size
            raise where.fail(f"{origin}: RSA key of {bits} bits; at least {MIN_RSA_KEY_BITS} needed")
        algorithm = "RS256"
    elif isinstance(public_key, ec.EllipticCurvePublicKey) and isinstance(public_key.curve, ec.SECP256R1):
        algorithm = "ES256"
    else:
        raise where.fail(f"{origin}: only RSA and EC P-256 public keys are accepted")
    if algorithm not in algorithms:
        allowed = ", ".join(algorithms)
        raise where.fail(f"{origin}: a {algorithm} key, but 'jwt.algorithms' allows only {allowed}")
    return VerificationKey(kid, algorithm, public_key)


def _jwks_keys(where: FileEntry, path: Path, algorithms: tuple[str, ...]) -> dict[str | None, VerificationKey]:
    data = _read_key_file(where, path)
    try:
        document = json.loads(data)
    except ValueError:
        raise where.fail(f"{path} is not JSON") from None
    members = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(members, list) or not members:
        raise where.fail(f'{path} is not a JWKS: no non-empty "keys" array')
    keys: dict[str | None, VerificationKey] = {}
    for number, member in enumerate(members, 1):
        key = _jwk(where, f"{path} key #{number}", member, algorithms)
        if key is None:
            continue
        if key.kid in keys:
            raise where.fail(f"{path}: kid {key.kid!r} is used by two keys")
        keys[key.kid] = key
    if not keys:
        raise where.fail(f"{path}: none of its keys is a signing key for {', '.join(algorithms)}")
    return keys


def _jwk(where: FileEntry, origin: str, member: Any, algorithms: tuple[str, ...]) -> VerificationKey | None:
    """The member as a verification key, or None when it serves something else (encryption, other algs)."""
    if not isinstance(member, dict):
        raise where.fail(f"{origin} is not a JSON object")
    if member.get("kty") == "oct" or any(name in member for name in _PRIVATE_JWK_MEMBERS):
        raise where.fail(f"{origin} holds secret or private key material; a JWKS file has public keys only")
    algorithm = _jwk_algorithm(member)
    if algorithm not in algorithms or member.get("use", "sig") != "sig":
        return None
    kid = member.get("kid")
    if not isinstance(kid, str) or not kid:
        raise where.fail(f"{origin} has no 'kid'; tokens select their key by kid")
    try:
        public_key = jwt.PyJWK(member, algorithm).key
    except jwt_errors.PyJWTError as error:
        raise where.fail(f"{origin} (kid {kid!r}) is not a valid key: {error}") from None
    return _verification_key(where, f"{origin} (kid {kid!r})", kid, public_key, algorithms)


def _jwk_algorithm(member: dict[str, Any]) -> str | None:
    """RS256 for an RSA key, ES256 for a P-256 key, unless the key says it is for another algorithm."""
    kty, crv = member.get("kty"), member.get("crv")
    algorithm = "RS256" if kty == "RSA" else "ES256" if kty == "EC" and crv == "P-256" else None
    return algorithm if member.get("alg", algorithm) == algorithm else None
