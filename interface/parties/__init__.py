"""The parties file: who the counterparties are, and how each proves it is itself.

Every counterparty of a networked service is listed in one TOML file (see
``docs/parties.md``): its name (for audit trails and logs), the identifiers
messages use for it, the SHA-256 hashes of the opaque bearer tokens it
presents, optionally how to verify the JWTs its identity provider signs, and
optionally where to send it messages.

``model`` holds what the file says, ``file`` loads and checks it (``keys`` the
JWT verification keys), ``auth`` turns an ``Authorization`` header into the
domain :class:`~setu_planning.domain.parties.Party` it proves, ``tokens`` adds
a fresh token's hash to the file without disturbing the rest of it.
"""

from .auth import Authenticator, Unauthenticated, bearer_token
from .file import load_parties
from .model import (
    DEFAULT_LEEWAY_SECONDS,
    FORMATS,
    MAX_LEEWAY_SECONDS,
    MIN_RSA_KEY_BITS,
    PARTIES_VARIABLE,
    SETU_VERSIONS,
    SUPPORTED_ALGORITHMS,
    Endpoint,
    EndpointTokenMissing,
    JwtSettings,
    PartiesFileError,
    PartyConfig,
    PartyDirectory,
    UnknownParty,
    VerificationKey,
    is_bearer_token,
    token_hash,
)
from .tokens import create_token

__all__ = [
    "DEFAULT_LEEWAY_SECONDS",
    "FORMATS",
    "MAX_LEEWAY_SECONDS",
    "MIN_RSA_KEY_BITS",
    "PARTIES_VARIABLE",
    "SETU_VERSIONS",
    "SUPPORTED_ALGORITHMS",
    "Authenticator",
    "Endpoint",
    "EndpointTokenMissing",
    "JwtSettings",
    "PartiesFileError",
    "PartyConfig",
    "PartyDirectory",
    "Unauthenticated",
    "UnknownParty",
    "VerificationKey",
    "bearer_token",
    "create_token",
    "is_bearer_token",
    "load_parties",
    "token_hash",
]
