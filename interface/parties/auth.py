"""Authentication: an ``Authorization`` header becomes the party it proves, or :class:`Unauthenticated`.

Opaque bearer tokens are compared by hash in constant time; JWTs are routed by
their unverified issuer and subject to one party, then verified fully with
that party's keys only.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

import jwt
from jwt import exceptions as jwt_errors

from setu_planning.domain.parties import Party

from .model import JwtSettings, PartyDirectory, VerificationKey, is_bearer_token

_AUTH_SCHEME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_JWT_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


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
