"""Loading the parties file: TOML read and checked completely, so a mistake stops the service at start-up.

Every complaint names the file, the party and the mistake; nothing in the
file is half-used.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from setu_planning.application.delivery_share import PARTY_CONCURRENCY
from setu_planning.domain.parties import Party, PartyIdentifier

from .keys import read_jwt_settings
from .model import (
    FORMATS,
    LOSSY_POLICIES,
    SETU_VERSIONS,
    Endpoint,
    FileEntry,
    PartiesFileError,
    PartyConfig,
    PartyDirectory,
)

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
    "lossy",
)
_LIMIT_KEYS = {
    # key: (default, smallest, largest)
    "endpoint_concurrency": (PARTY_CONCURRENCY, 1, 64),
    "endpoint_timeout_seconds": (20, 1, 300),
    "endpoint_max_answer_bytes": (1024 * 1024, 1024, 64 * 1024 * 1024),
}
_IDENTIFIER_KEYS = ("value", "schemeAgencyId")
_PARTY_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
_TOKEN_HASH = re.compile(r"sha256:[0-9a-f]{64}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def load_parties(path: str | os.PathLike[str]) -> PartyDirectory:
    """Read and check the parties file; raise :class:`PartiesFileError` on its first mistake."""
    return parse_parties(Path(path), read_parties_text(Path(path)))


def read_parties_text(path: Path) -> str:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return handle.read()
    except FileNotFoundError:
        raise PartiesFileError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise PartiesFileError(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise PartiesFileError(f"{path}: cannot read: {error.strerror}") from None


def parse_parties(path: Path, text: str) -> PartyDirectory:
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


def _party(path: Path, name: str, table: Any) -> PartyConfig:
    where = FileEntry(path, name)
    if not _PARTY_NAME.fullmatch(name):
        raise where.fail("a party name is 1 to 64 letters, digits, '-', '_' or '.'")
    if not isinstance(table, dict):
        raise where.fail("must be a table ([parties.NAME])")
    where.check_keys(table, _PARTY_KEYS, "")
    return PartyConfig(
        party=Party(name, _identifiers(where, table.get("identifiers"))),
        token_hashes=_token_hashes(where, table.get("tokens", [])),
        jwt=read_jwt_settings(where, table["jwt"]) if "jwt" in table else None,
        endpoint=_endpoint(where, table),
    )


def _identifiers(where: FileEntry, value: Any) -> frozenset[PartyIdentifier]:
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


def _identifier(where: FileEntry, item: Any) -> PartyIdentifier:
    if not isinstance(item, dict):
        raise where.fail('each identifier must be a table { value = "...", schemeAgencyId = "..." }')
    where.check_keys(item, _IDENTIFIER_KEYS, "identifiers.")
    for key in _IDENTIFIER_KEYS:
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise where.fail(f"an identifier lacks {key!r} (a non-empty string)")
    return PartyIdentifier(item["value"], item["schemeAgencyId"])


def _token_hashes(where: FileEntry, value: Any) -> frozenset[str]:
    if not isinstance(value, list):
        raise where.fail("'tokens' must be an array of \"sha256:<64 lowercase hex>\" strings")
    seen: set[str] = set()
    for item in value:
        if not isinstance(item, str) or not _TOKEN_HASH.fullmatch(item):
            raise where.fail(
                f'token #{len(seen) + 1} is not "sha256:" followed by 64 lowercase hex digits '
                "(put the token's hash here, never the token: see 'setu-planning token hash')"
            )
        if item in seen:
            raise where.fail(f"token hash {_short(item)} is listed twice")
        seen.add(item)
    return frozenset(seen)


def _short(token_hash_: str) -> str:
    return token_hash_[:19] + "…"


def _endpoint(where: FileEntry, table: dict[str, Any]) -> Endpoint | None:
    outbound = [key for key in ("endpoint_token_env", "setu_version", "format", "lossy", *_LIMIT_KEYS) if key in table]
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
        lossy=_choice(where, table, "lossy", LOSSY_POLICIES, "warn"),
    )


def _bounded(where: FileEntry, table: dict[str, Any], key: str) -> Any:
    default, smallest, largest = _LIMIT_KEYS[key]
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not smallest <= value <= largest:
        raise where.fail(f"{key!r} must be a number from {smallest} to {largest}")
    return value if key == "endpoint_timeout_seconds" else int(value)


def _endpoint_url(where: FileEntry, value: Any) -> str:
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


def _env_name(where: FileEntry, value: Any) -> str:
    if not isinstance(value, str) or not _ENV_NAME.fullmatch(value):
        raise where.fail("'endpoint_token_env' must be an environment variable name (letters, digits, '_')")
    return value


def _choice(where: FileEntry, table: dict[str, Any], key: str, choices: tuple[str, ...], default: str) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or value not in choices:
        hint = " (quote it: a string)" if isinstance(value, float) else ""
        raise where.fail(f"{key!r} must be one of {', '.join(repr(c) for c in choices)}{hint}")
    return value


def _check_unique(path: Path, configs: list[PartyConfig]) -> None:
    """No identifier, token or JWT issuer/subject may point at two parties: that would be ambiguous."""
    owners: dict[object, str] = {}
    for config in configs:
        claims: list[tuple[object, str]] = [(i, f"identifier {i}") for i in config.party.identifiers]
        claims += [(h, f"token hash {_short(h)}") for h in config.token_hashes]
        for claim, what in claims:
            other = owners.setdefault(claim, config.name)
            if other != config.name:
                raise PartiesFileError(f"{path}: {what} is claimed by both party {other!r} and party {config.name!r}")
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
                f"{path}: parties {names} all accept JWTs from issuer {issuer!r}; give each a distinct 'jwt.subject'"
            )
