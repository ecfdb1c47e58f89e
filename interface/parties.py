"""The parties file: who the counterparties are, and how each proves it is itself.

Every counterparty of a networked service is listed in one TOML file (see
``docs/parties.md``): its name (for audit trails and logs), the identifiers
messages use for it, the SHA-256 hashes of the opaque bearer tokens it
presents, optionally how to verify the JWTs its identity provider signs, and
optionally where to send it messages. The file is checked completely when it
is loaded, so a mistake stops the service at start-up rather than refusing (or
admitting) a caller at run time.

:class:`Authenticator` turns an ``Authorization`` header into the domain
:class:`~setu_planning.domain.parties.Party` it proves, or raises
:class:`Unauthenticated`. :func:`create_token` adds a fresh token's hash to the
file without disturbing the rest of it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import stat
import tempfile
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt
import tomlkit
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt import exceptions as jwt_errors
from tomlkit.exceptions import TOMLKitError

from setu_planning.domain.parties import Party, PartyIdentifier

PARTIES_VARIABLE = "SETU_PLANNING_PARTIES"
"""The environment variable naming the parties file when no ``--parties`` is given."""

SUPPORTED_ALGORITHMS = ("RS256", "ES256")
"""Asymmetric only: a verifier holding only public keys can never be tricked into HMAC or ``none``."""

DEFAULT_LEEWAY_SECONDS = 30
MAX_LEEWAY_SECONDS = 300
SETU_VERSIONS = ("1.0", "2.0")
FORMATS = ("json", "xml")
MIN_RSA_KEY_BITS = 2048

_PARTY_KEYS = (
    "identifiers",
    "tokens",
    "jwt",
    "endpoint",
    "endpoint_token_env",
    "setu_version",
    "format",
    "endpoint_concurrency",
    "endpoint_timeout_seconds",
    "endpoint_max_answer_bytes",
)
_LIMIT_KEYS = {
    # key: (default, smallest, largest)
    "endpoint_concurrency": (4, 1, 64),
    "endpoint_timeout_seconds": (20, 1, 300),
    "endpoint_max_answer_bytes": (1024 * 1024, 1024, 64 * 1024 * 1024),
}
_JWT_KEYS = (
    "issuer",
    "audience",
    "jwks_file",
    "public_key_file",
    "algorithms",
    "subject",
    "leeway_seconds",
)
_IDENTIFIER_KEYS = ("value", "schemeAgencyId")
_PRIVATE_JWK_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")

_PARTY_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
_TOKEN_HASH = re.compile(r"sha256:[0-9a-f]{64}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_AUTH_SCHEME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_TOKEN68 = re.compile(r"[A-Za-z0-9._~+/-]+=*")
_JWT_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_MAX_TOKEN_LENGTH = 8192
_TOKEN_BYTES = 32


class PartiesFileError(ValueError):
    """The parties file cannot be used; the message names the file, the party and the mistake."""


class UnknownParty(KeyError):
    """No party of that name in the parties file."""

    def __str__(self) -> str:  # KeyError would show the repr of its argument
        return str(self.args[0])


class EndpointTokenMissing(LookupError):
    """The environment variable that should hold our token for a party's endpoint is unset or unusable."""


# -- configuration values -------------------------------------------------------------


@dataclass(frozen=True)
class VerificationKey:
    """One public key a party's JWTs may be signed with, bound to the one algorithm it verifies."""

    kid: str | None
    algorithm: str
    key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey = field(repr=False)


@dataclass(frozen=True, eq=False)
class JwtSettings:
    """How to verify a party's JWTs; the keys are read once, when the parties file is loaded."""

    issuer: str
    audience: str
    algorithms: tuple[str, ...]
    subject: str | None
    leeway_seconds: int
    key_file: Path
    keys: Mapping[str | None, VerificationKey] = field(repr=False)
    """By ``kid`` for a JWKS file; a PEM file gives one key, under ``None``."""

    def key_for(self, kid: Any) -> VerificationKey | None:
        """The key a token's ``kid`` selects (a PEM file's single key whatever the ``kid``)."""
        if None in self.keys:
            return self.keys[None]
        return self.keys.get(kid) if isinstance(kid, str) else None


@dataclass(frozen=True)
class Endpoint:
    """Where and how to send a party messages (outbound exchange)."""

    url: str
    """Base URL without trailing slash; the client appends ``/planning/...``."""
    token_env: str
    setu_version: str = "2.0"
    format: str = "json"
    concurrency: int = 4
    """Deliveries to this party under way at once, at most (a share of the sender threads)."""
    timeout_seconds: float = 20.0
    """A whole exchange with it (connect, send, headers, body) within this, or it is retried."""
    max_answer_bytes: int = 1024 * 1024
    """The longest answer body read from it; a longer one is abandoned."""


@dataclass(frozen=True, eq=False)
class PartyConfig:
    """One ``[parties.NAME]`` table of the parties file, checked."""

    party: Party
    token_hashes: frozenset[str] = frozenset()
    """``"sha256:<hex>"`` of each opaque token the party may present."""
    jwt: JwtSettings | None = None
    endpoint: Endpoint | None = None

    @property
    def name(self) -> str:
        return self.party.name

    @property
    def can_authenticate(self) -> bool:
        """Whether any credential is configured; a party without is only an outbound target."""
        return bool(self.token_hashes) or self.jwt is not None

    def endpoint_token(self, environ: Mapping[str, str] | None = None) -> str:
        """The bearer token we present at the party's endpoint, read now so a rotation needs no reload."""
        if self.endpoint is None:
            raise EndpointTokenMissing(f"party {self.name!r} has no endpoint")
        variable = self.endpoint.token_env
        token = (os.environ if environ is None else environ).get(variable, "")
        if not token:
            raise EndpointTokenMissing(
                f"party {self.name!r}: environment variable {variable} is not set or empty; "
                f"it must hold the bearer token for {self.endpoint.url}"
            )
        if not is_bearer_token(token):
            raise EndpointTokenMissing(
                f"party {self.name!r}: environment variable {variable} does not hold a valid bearer token"
            )
        return token


class PartyDirectory:
    """The checked parties file: one :class:`PartyConfig` per party, in file order."""

    def __init__(self, configs: list[PartyConfig], source: str = "<parties>") -> None:
        self.source = source
        self._configs = {config.name: config for config in configs}

    def __getitem__(self, name: str) -> PartyConfig:
        try:
            return self._configs[name]
        except KeyError:
            raise UnknownParty(f"{self.source}: no party {name!r}") from None

    def get(self, name: str) -> PartyConfig | None:
        return self._configs.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._configs

    def __iter__(self) -> Iterator[PartyConfig]:
        return iter(self._configs.values())

    def __len__(self) -> int:
        return len(self._configs)

    def names(self) -> list[str]:
        return list(self._configs)

    def parties_with_endpoint(self) -> list[PartyConfig]:
        """The outbound targets."""
        return [config for config in self if config.endpoint is not None]


# -- loading ------------------------------------------------------------------------------


def load_parties(path: str | os.PathLike[str]) -> PartyDirectory:
    """Read and check the parties file; raise :class:`PartiesFileError` on its first mistake."""
    return _directory(Path(path), _read_text(Path(path)))


def token_hash(token: str) -> str:
    """The form a token takes in the parties file: ``sha256:`` + hex SHA-256 of its UTF-8 bytes."""
    return "sha256:" + hashlib.sha256(token.encode("utf-8")).hexdigest()


def is_bearer_token(value: str) -> bool:
    """Whether ``value`` can travel as the credential of ``Authorization: Bearer`` (one token68)."""
    return 0 < len(value) <= _MAX_TOKEN_LENGTH and _TOKEN68.fullmatch(value) is not None


def _read_text(path: Path) -> str:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return handle.read()
    except FileNotFoundError:
        raise PartiesFileError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise PartiesFileError(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise PartiesFileError(f"{path}: cannot read: {error.strerror}") from None


def _directory(path: Path, text: str) -> PartyDirectory:
    data = _parse_toml(path, text)
    tables = data.get("parties")
    unknown = sorted(set(data) - {"parties"})
    if unknown:
        raise PartiesFileError(f"{path}: unknown top-level key {unknown[0]!r} (only [parties.NAME] tables)")
    if not isinstance(tables, dict) or not tables:
        raise PartiesFileError(f"{path}: no [parties.NAME] table")
    configs = [_party(path, name, table) for name, table in tables.items()]
    _check_unique(path, configs)
    return PartyDirectory(configs, str(path))


def _parse_toml(path: Path, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PartiesFileError(f"{path}: not valid TOML: {error}") from None


class _Where:
    """Names the file and party in every complaint about it."""

    def __init__(self, path: Path, party: str) -> None:
        self.path = path
        self.party = party

    def fail(self, what: str) -> PartiesFileError:
        return PartiesFileError(f"{self.path}: party {self.party!r}: {what}")


def _party(path: Path, name: str, table: Any) -> PartyConfig:
    where = _Where(path, name)
    if not _PARTY_NAME.fullmatch(name):
        raise where.fail("a party name is 1 to 64 letters, digits, '-', '_' or '.'")
    if not isinstance(table, dict):
        raise where.fail("must be a table ([parties.NAME])")
    _known_keys(where, table, _PARTY_KEYS, "")
    return PartyConfig(
        party=Party(name, _identifiers(where, table.get("identifiers"))),
        token_hashes=_token_hashes(where, table.get("tokens", [])),
        jwt=_jwt(where, table["jwt"]) if "jwt" in table else None,
        endpoint=_endpoint(where, table),
    )


def _known_keys(where: _Where, table: dict[str, Any], known: tuple[str, ...], prefix: str) -> None:
    for key in table:
        if key not in known:
            raise where.fail(f"unknown key {prefix + key!r} (known: {', '.join(known)})")


def _identifiers(where: _Where, value: Any) -> frozenset[PartyIdentifier]:
    if value is None:
        raise where.fail("'identifiers' is missing: list the ids messages use for this party")
    if not isinstance(value, list) or not value:
        raise where.fail("'identifiers' must be a non-empty array of { value, schemeAgencyId } tables")
    found: list[PartyIdentifier] = []
    for item in value:
        identifier = _identifier(where, item)
        if identifier in found:
            raise where.fail(f"identifier {identifier} is listed twice")
        found.append(identifier)
    return frozenset(found)


def _identifier(where: _Where, item: Any) -> PartyIdentifier:
    if not isinstance(item, dict):
        raise where.fail("each identifier must be a table { value = \"...\", schemeAgencyId = \"...\" }")
    _known_keys(where, item, _IDENTIFIER_KEYS, "identifiers.")
    for key in _IDENTIFIER_KEYS:
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise where.fail(f"an identifier lacks {key!r} (a non-empty string)")
    return PartyIdentifier(item["value"], item["schemeAgencyId"])


def _token_hashes(where: _Where, value: Any) -> frozenset[str]:
    if not isinstance(value, list):
        raise where.fail("'tokens' must be an array of \"sha256:<64 lowercase hex>\" strings")
    seen: set[str] = set()
    for item in value:
        if not isinstance(item, str) or not _TOKEN_HASH.fullmatch(item):
            raise where.fail(
                f"token #{len(seen) + 1} is not \"sha256:\" followed by 64 lowercase hex digits "
                "(put the token's hash here, never the token: see 'setu-planning token hash')"
            )
        if item in seen:
            raise where.fail(f"token hash {_short(item)} is listed twice")
        seen.add(item)
    return frozenset(seen)


def _short(token_hash_: str) -> str:
    return token_hash_[:19] + "…"


def _endpoint(where: _Where, table: dict[str, Any]) -> Endpoint | None:
    outbound = [key for key in ("endpoint_token_env", "setu_version", "format", *_LIMIT_KEYS) if key in table]
    if "endpoint" not in table:
        if outbound:
            raise where.fail(f"{outbound[0]!r} is given but 'endpoint' is not")
        return None
    if "endpoint_token_env" not in table:
        raise where.fail("'endpoint' needs 'endpoint_token_env', the variable holding our token for it")
    return Endpoint(
        url=_endpoint_url(where, table["endpoint"]),
        token_env=_env_name(where, table["endpoint_token_env"]),
        setu_version=_choice(where, table, "setu_version", SETU_VERSIONS, "2.0"),
        format=_choice(where, table, "format", FORMATS, "json"),
        concurrency=_bounded(where, table, "endpoint_concurrency"),
        timeout_seconds=float(_bounded(where, table, "endpoint_timeout_seconds")),
        max_answer_bytes=_bounded(where, table, "endpoint_max_answer_bytes"),
    )


def _bounded(where: _Where, table: dict[str, Any], key: str) -> Any:
    default, smallest, largest = _LIMIT_KEYS[key]
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not smallest <= value <= largest:
        raise where.fail(f"{key!r} must be a number from {smallest} to {largest}")
    return value if key == "endpoint_timeout_seconds" else int(value)


def _endpoint_url(where: _Where, value: Any) -> str:
    if not isinstance(value, str):
        raise where.fail("'endpoint' must be a string (an http or https URL)")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise where.fail("'endpoint' is not a valid URL") from None
    if parts.username is not None or parts.password is not None:
        raise where.fail("'endpoint' must not carry credentials; use endpoint_token_env")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise where.fail(f"'endpoint' {value!r} is not an http(s) URL with a host")
    if parts.query or parts.fragment or re.search(r"\s", value):
        raise where.fail(f"'endpoint' {value!r} must be a base URL, without query, fragment or spaces")
    return value.rstrip("/")


def _env_name(where: _Where, value: Any) -> str:
    if not isinstance(value, str) or not _ENV_NAME.fullmatch(value):
        raise where.fail("'endpoint_token_env' must be an environment variable name (letters, digits, '_')")
    return value


def _choice(where: _Where, table: dict[str, Any], key: str, choices: tuple[str, ...], default: str) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or value not in choices:
        hint = " (quote it: a string)" if isinstance(value, float) else ""
        raise where.fail(f"{key!r} must be one of {', '.join(repr(c) for c in choices)}{hint}")
    return value


# -- JWT settings and keys ----------------------------------------------------------------


def _jwt(where: _Where, table: Any) -> JwtSettings:
    if not isinstance(table, dict):
        raise where.fail("'jwt' must be a table ([parties.NAME.jwt])")
    _known_keys(where, table, _JWT_KEYS, "jwt.")
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


def _text(where: _Where, table: dict[str, Any], key: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise where.fail(f"'jwt.{key}' must be a non-empty string")
    return value


def _algorithms(where: _Where, value: Any) -> tuple[str, ...]:
    if (
        not isinstance(value, list)
        or not value
        or any(item not in SUPPORTED_ALGORITHMS for item in value)
        or len(set(value)) != len(value)
    ):
        raise where.fail(f"'jwt.algorithms' must list some of {', '.join(SUPPORTED_ALGORITHMS)}, each once")
    return tuple(value)


def _leeway(where: _Where, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_LEEWAY_SECONDS:
        raise where.fail(f"'jwt.leeway_seconds' must be a whole number from 0 to {MAX_LEEWAY_SECONDS}")
    return value


def _key_file(where: _Where, table: dict[str, Any]) -> Path:
    given = [key for key in ("jwks_file", "public_key_file") if key in table]
    if len(given) != 1:
        raise where.fail("'jwt' needs exactly one of 'jwks_file' and 'public_key_file'")
    value = table[given[0]]
    if not isinstance(value, str) or not value:
        raise where.fail(f"'jwt.{given[0]}' must be a file name")
    return where.path.parent / value


def _read_key_file(where: _Where, path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise where.fail(f"cannot read key file {path}: {error.strerror}") from None


def _pem_keys(where: _Where, path: Path, algorithms: tuple[str, ...]) -> dict[str | None, VerificationKey]:
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
    where: _Where, origin: str, kid: str | None, public_key: Any, algorithms: tuple[str, ...]
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


def _jwks_keys(where: _Where, path: Path, algorithms: tuple[str, ...]) -> dict[str | None, VerificationKey]:
    data = _read_key_file(where, path)
    try:
        document = json.loads(data)
    except ValueError:
        raise where.fail(f"{path} is not JSON") from None
    members = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(members, list) or not members:
        raise where.fail(f"{path} is not a JWKS: no non-empty \"keys\" array")
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


def _jwk(where: _Where, origin: str, member: Any, algorithms: tuple[str, ...]) -> VerificationKey | None:
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


def _check_unique(path: Path, configs: list[PartyConfig]) -> None:
    """No identifier, token or JWT issuer/subject may point at two parties: that would be ambiguous."""
    owners: dict[object, str] = {}
    for config in configs:
        claims: list[tuple[object, str]] = [(i, f"identifier {i}") for i in config.party.identifiers]
        claims += [(h, f"token hash {_short(h)}") for h in config.token_hashes]
        for claim, what in claims:
            other = owners.setdefault(claim, config.name)
            if other != config.name:
                raise PartiesFileError(
                    f"{path}: {what} is claimed by both party {other!r} and party {config.name!r}"
                )
    _check_jwt_routes(path, configs)


def _check_jwt_routes(path: Path, configs: list[PartyConfig]) -> None:
    by_issuer: dict[str, list[PartyConfig]] = {}
    for config in configs:
        if config.jwt is not None:
            by_issuer.setdefault(config.jwt.issuer, []).append(config)
    for issuer, sharing in by_issuer.items():
        subjects = [config.jwt.subject for config in sharing if config.jwt is not None]
        if len(sharing) > 1 and (None in subjects or len(set(subjects)) != len(subjects)):
            names = " and ".join(repr(config.name) for config in sharing)
            raise PartiesFileError(
                f"{path}: parties {names} all accept JWTs from issuer {issuer!r}; "
                "give each a distinct 'jwt.subject'"
            )


# -- authentication -----------------------------------------------------------------------


class Unauthenticated(Exception):
    """The request does not prove a party. ``reason`` is safe to log and to return: it never holds the token.

    ``error`` is the RFC 6750 error code; ``presented`` is False when no Bearer
    credentials were sent at all, in which case RFC 6750 §3.1 says the challenge
    carries no error code.
    """

    def __init__(self, reason: str, error: str = "invalid_token", *, presented: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.error = error
        self.presented = presented

    @property
    def status(self) -> int:
        """400 for a malformed request, else 401 (RFC 6750 §3.1)."""
        return 400 if self.presented and self.error == "invalid_request" else 401

    def challenge(self, realm: str = "setu-planning") -> str:
        """The ``WWW-Authenticate`` header value for this refusal."""
        if not self.presented:
            return f'Bearer realm="{realm}"'
        description = re.sub(r'[^\x20-\x7e]|["\\]', "", self.reason)
        return f'Bearer realm="{realm}", error="{self.error}", error_description="{description}"'


class Authenticator:
    """Maps an ``Authorization`` header to the party it proves."""

    def __init__(self, directory: PartyDirectory) -> None:
        self._digests = [
            (bytes.fromhex(hash_.removeprefix("sha256:")), config.party)
            for config in directory
            for hash_ in sorted(config.token_hashes)
        ]
        self._by_issuer: dict[str, list[tuple[Party, JwtSettings]]] = {}
        for config in directory:
            if config.jwt is not None:
                self._by_issuer.setdefault(config.jwt.issuer, []).append((config.party, config.jwt))

    def authenticate(self, authorization: str | None) -> Party:
        """The party whose opaque token or JWT the header carries; else raise :class:`Unauthenticated`."""
        token = bearer_token(authorization)
        party = self._opaque(token)
        if party is not None:
            return party
        if _JWT_SHAPE.fullmatch(token):
            return self._jwt(token)
        raise Unauthenticated("unknown token")

    def _opaque(self, token: str) -> Party | None:
        """Compare with every configured hash in constant time: timing tells nothing about which matched."""
        presented = hashlib.sha256(token.encode("utf-8")).digest()
        found = None
        for digest, party in self._digests:
            if hmac.compare_digest(digest, presented):
                found = party
        return found

    def _jwt(self, token: str) -> Party:
        """Route by the unverified ``iss``/``sub``, then verify fully with that party's keys only."""
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt_errors.PyJWTError:
            raise Unauthenticated("malformed JWT") from None
        party, settings = self._route(claims)
        if header.get("alg") not in settings.algorithms:
            raise Unauthenticated("JWT algorithm not accepted")
        key = settings.key_for(header.get("kid"))
        if key is None:
            raise Unauthenticated("JWT signed with an unknown key (kid)")
        if key.algorithm != header["alg"]:
            raise Unauthenticated("JWT algorithm does not match its key")
        _verify(token, key, settings)
        return party

    def _route(self, claims: dict[str, Any]) -> tuple[Party, JwtSettings]:
        """Only chooses whose keys to verify with; nothing unverified is trusted beyond that."""
        issuer, subject = claims.get("iss"), claims.get("sub")
        for party, settings in self._by_issuer.get(issuer, []) if isinstance(issuer, str) else []:
            if settings.subject is None or settings.subject == subject:
                return party, settings
        raise Unauthenticated("JWT issuer and subject match no party")


_JWT_REFUSALS: tuple[tuple[type[jwt_errors.PyJWTError], str], ...] = (
    (jwt_errors.ExpiredSignatureError, "JWT has expired"),
    (jwt_errors.ImmatureSignatureError, "JWT is not yet valid"),
    (jwt_errors.InvalidSignatureError, "JWT signature does not verify"),
    (jwt_errors.InvalidAudienceError, "JWT audience is not this service"),
    (jwt_errors.InvalidIssuerError, "JWT issuer does not match"),
    (jwt_errors.InvalidSubjectError, "JWT subject does not match"),
    (jwt_errors.InvalidAlgorithmError, "JWT algorithm not accepted"),
)


def _verify(token: str, key: VerificationKey, settings: JwtSettings) -> None:
    try:
        jwt.decode(
            token,
            key.key,
            algorithms=[key.algorithm],
            audience=settings.audience,
            issuer=settings.issuer,
            subject=settings.subject,
            leeway=settings.leeway_seconds,
            options={"require": ["exp", "iss", "aud"]},
        )
    except jwt_errors.MissingRequiredClaimError as error:
        raise Unauthenticated(f"JWT lacks the {error.claim!r} claim") from None
    except jwt_errors.PyJWTError as error:
        reason = next((text for kind, text in _JWT_REFUSALS if isinstance(error, kind)), "invalid JWT")
        raise Unauthenticated(reason) from None


def bearer_token(authorization: str | None) -> str:
    """The credential of an ``Authorization: Bearer <token>`` header (RFC 6750 §2.1), or raise."""
    if authorization is None:
        raise Unauthenticated("no Authorization header", "invalid_request", presented=False)
    value = authorization.strip(" \t")
    scheme, _, credential = value.partition(" ")
    if not _AUTH_SCHEME.fullmatch(scheme):
        raise Unauthenticated("malformed Authorization header", "invalid_request")
    if scheme.lower() != "bearer":
        raise Unauthenticated("Authorization scheme is not Bearer", "invalid_request", presented=False)
    credential = credential.lstrip(" ")
    if not credential:
        raise Unauthenticated("no token after Bearer", "invalid_request")
    if not is_bearer_token(credential):
        raise Unauthenticated("Bearer credential is not a single token68 value", "invalid_request")
    return credential


# -- creating tokens -----------------------------------------------------------------------


def create_token(path: str | os.PathLike[str], party_name: str) -> str:
    """Add a fresh token's hash to the party's ``tokens`` and return the token, which is stored nowhere.

    The file is edited with tomlkit so comments, order and layout stay as they
    were, checked before and after, and replaced atomically.
    """
    target = Path(os.path.realpath(path))  # replace the file a symlink points at, not the link
    text = _read_text(target)
    directory = _directory(Path(path), text)
    directory[party_name]  # noqa: B018 - raises UnknownParty
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    try:
        new_text = _with_token_hash(text, party_name, token_hash(token))
    except (TOMLKitError, LookupError, TypeError, ValueError, AttributeError):
        new_text = ""  # refused just below, like any edit that would change more than the hash
    _check_only_hash_added(Path(path), text, new_text, party_name, token_hash(token))
    _replace_atomically(target, new_text)
    return token


def _with_token_hash(text: str, party_name: str, hash_: str) -> str:
    document = tomlkit.parse(text)
    table = document["parties"][party_name]
    if "tokens" in table:
        table["tokens"].append(hash_)
    else:
        table["tokens"] = [hash_]
    return tomlkit.dumps(document)


def _check_only_hash_added(path: Path, old: str, new: str, party_name: str, hash_: str) -> None:
    """Refuse to write unless the edit means exactly: one more hash for that party."""
    expected = tomllib.loads(old)
    party = expected["parties"][party_name]
    party["tokens"] = [*party.get("tokens", []), hash_]
    try:
        edited = tomllib.loads(new)
    except tomllib.TOMLDecodeError:
        edited = None
    if edited != expected:
        raise PartiesFileError(
            f"{path}: cannot add a token to party {party_name!r} without changing more of the file; "
            "add it by hand (see 'setu-planning token hash')"
        )


def _replace_atomically(path: Path, text: str) -> None:
    """Write beside the file and rename over it, so readers see the old file or the new, never half."""
    mode = stat.S_IMODE(path.stat().st_mode)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename durable (where the platform allows opening a folder)."""
    with suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
