"""The parties file's content: who the counterparties are, and how each is reached and proves itself.

One :class:`PartyConfig` per ``[parties.NAME]`` table, checked when the file is
loaded (``file.py``, ``keys.py``), kept in a :class:`PartyDirectory`.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, rsa

from setu_planning.application.delivery_share import PARTY_CONCURRENCY
from setu_planning.domain.parties import Party

PARTIES_VARIABLE = "SETU_PLANNING_PARTIES"
"""The environment variable naming the parties file when no ``--parties`` is given."""

SUPPORTED_ALGORITHMS = ("RS256", "ES256")
"""Asymmetric only: a verifier holding only public keys can never be tricked into HMAC or ``none``."""

DEFAULT_LEEWAY_SECONDS = 30
MAX_LEEWAY_SECONDS = 300
SETU_VERSIONS = ("1.0", "2.0")
FORMATS = ("json", "xml")
LOSSY_POLICIES = ("warn", "refuse")
MIN_RSA_KEY_BITS = 2048

_TOKEN68 = re.compile(r"[A-Za-z0-9._~+/-]+=*")
_MAX_TOKEN_LENGTH = 8192


class PartiesFileError(ValueError):
    """The parties file cannot be used; the message names the file, the party and the mistake."""


class UnknownParty(KeyError):
    """No party of that name in the parties file."""

    def __str__(self) -> str:  # KeyError would show the repr of its argument
        return str(self.args[0])


class EndpointTokenMissing(LookupError):
    """The environment variable that should hold our token for a party's endpoint is unset or unusable."""


class FileEntry:
    """One party's table in the parties file: names the file and party in every complaint about it."""

    def __init__(self, path: Path, party: str) -> None:
        self.path = path
        self.party = party

    def fail(self, what: str) -> PartiesFileError:
        return PartiesFileError(f"{self.path}: party {self.party!r}: {what}")

    def check_keys(self, table: dict[str, Any], known: tuple[str, ...], prefix: str) -> None:
        """Refuse a key the file format does not have (a typo would otherwise be silently ignored)."""
        for key in table:
            if key not in known:
                raise self.fail(f"unknown key {prefix + key!r} (known: {', '.join(known)})")


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
    concurrency: int = PARTY_CONCURRENCY
    """Deliveries to this party under way at once, at most (a share of the sender threads)."""
    timeout_seconds: float = 20.0
    """A whole exchange with it (connect, send, headers, body) within this, or it is retried."""
    max_answer_bytes: int = 1024 * 1024
    """The longest answer body read from it; a longer one is abandoned."""
    lossy: str = "warn"
    """A change its rendering (``setu_version``, ``format``) cannot carry whole: sent with a warning
    (``"warn"``), or not sent, a failed delivery (``"refuse"``)."""


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


def token_hash(token: str) -> str:
    """The form a token takes in the parties file: ``sha256:`` + hex SHA-256 of its UTF-8 bytes."""
    return "sha256:" + hashlib.sha256(token.encode("utf-8")).hexdigest()


def is_bearer_token(value: str) -> bool:
    """Whether ``value`` can travel as the credential of ``Authorization: Bearer`` (one token68)."""
    return 0 < len(value) <= _MAX_TOKEN_LENGTH and _TOKEN68.fullmatch(value) is not None
