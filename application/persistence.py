"""Choosing the event store by configuration: one URL, no code change.

``memory://`` keeps events in memory (unit tests), ``sqlite:///path/to/file``
is the embedded default, ``postgresql://user:password@host:port/dbname`` is for
shared deployments. The URL becomes the eventsourcing library's own settings
(``PERSISTENCE_MODULE``, ``SQLITE_DBNAME``, ``POSTGRES_*``), so everything the
library documents about them still applies. ``PERSISTENCE_MODULE`` names the
store of the backend (:mod:`.stores`), so a backend's module (and its driver)
is imported only when the URL names it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import unquote, urlsplit

from .encryption import cipher_settings

DATABASE_URL_VARIABLE = "SETU_PLANNING_DB"
DEFAULT_DATABASE_URL = "sqlite:///setu-planning.sqlite3"

_STORES = "setu_planning.application.stores"


LIBRARY_MODULES = {
    "eventsourcing.popo": f"{_STORES}.memory:MemoryStore",
    "eventsourcing.sqlite": f"{_STORES}.sqlite:SQLiteStore",
    "eventsourcing.postgres": f"{_STORES}.postgres:PostgresStore",
}
"""The library's own persistence modules, as settings written for earlier versions name them, and
the setu-planning store of each backend."""


def store_settings(settings: Mapping[str, str]) -> dict[str, str]:
    """``settings`` with a library persistence module replaced by the store of its backend."""
    upgraded = dict(settings)
    module = upgraded.get("PERSISTENCE_MODULE", "")
    upgraded["PERSISTENCE_MODULE"] = LIBRARY_MODULES.get(module, module)
    return upgraded


def database_url(explicit: str | None = None) -> str:
    """The URL to use: the one given, else ``$SETU_PLANNING_DB``, else the SQLite default."""
    return explicit or os.environ.get(DATABASE_URL_VARIABLE) or DEFAULT_DATABASE_URL


def persistence_env(url: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The eventsourcing environment for a database URL (and the cipher, when ``environ`` has a key)."""
    settings = _store_settings(url)
    settings.update(cipher_settings(dict(os.environ if environ is None else environ)))
    return settings


def _store_settings(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "memory":
        return {"PERSISTENCE_MODULE": f"{_STORES}.memory:MemoryStore"}
    if scheme == "sqlite":
        # sqlite:///relative/path, sqlite:////absolute/path, sqlite:///:memory:
        path = unquote(url.split("://", 1)[1])
        path = path[1:] if path.startswith("/") else path
        if not path:
            raise ValueError(f"no database file in {url!r}: write sqlite:///path/to/file")
        if path == ":memory:":
            path = "file::memory:?cache=shared"
        return {
            "PERSISTENCE_MODULE": f"{_STORES}.sqlite:SQLiteStore",
            "SQLITE_DBNAME": path,
            "SQLITE_LOCK_TIMEOUT": "10",
        }
    if scheme in {"postgres", "postgresql"}:
        dbname = parts.path.lstrip("/")
        if not dbname:
            raise ValueError(f"no database name in {url!r}: write postgresql://user@host/dbname")
        return {
            "PERSISTENCE_MODULE": f"{_STORES}.postgres:PostgresStore",
            "POSTGRES_DBNAME": unquote(dbname),
            "POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            # The read models are written by the recorder's own insert path,
            # which the stored-function insert path would bypass.
            "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
        }
    raise ValueError(f"unsupported database URL {url!r}: use memory://, sqlite:///FILE or postgresql://...")
