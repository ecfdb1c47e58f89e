"""Writing the parties file: a fresh token's hash added, and nothing else changed.

The file is edited with tomlkit so comments, order and layout stay as they
were, checked before and after, and replaced atomically.
"""

from __future__ import annotations

import os
import secrets
import stat
import tempfile
import tomllib
from contextlib import suppress
from pathlib import Path

import tomlkit
from tomlkit.exceptions import TOMLKitError

from .file import parse_parties, read_parties_text
from .model import PartiesFileError, token_hash

_TOKEN_BYTES = 32


def create_token(path: str | os.PathLike[str], party_name: str) -> str:
    """Add a fresh token's hash to the party's ``tokens`` and return the token, which is stored nowhere.

    The file is edited with tomlkit so comments, order and layout stay as they
    were, checked before and after, and replaced atomically.
    """
    target = Path(os.path.realpath(path))  # replace the file a symlink points at, not the link
    text = read_parties_text(target)
    directory = parse_parties(Path(path), text)
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
