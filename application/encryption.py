"""Personal data at rest: the events encrypted with the eventsourcing library's own cipher.

Planning messages carry personal data: a worker's name, id, availability and
absence. With ``SETU_PLANNING_CIPHER_KEY`` set (a base64 AES key of 16, 24 or
32 bytes; ``setu-planning key create`` makes one), every stored event,
snapshot and current-state row is encrypted with AES-GCM by the library's
:class:`eventsourcing.cryptography.AESCipher`, and look-up keys are stored as
keyed digests (see :mod:`.readmodels`), so the database holds no worker name
or id in clear.

Key rotation without downtime: set the new key as ``SETU_PLANNING_CIPHER_KEY``
and the previous ones in ``SETU_PLANNING_CIPHER_OLD_KEYS`` (comma-separated).
New writes use the new key; everything written before still decrypts. Then
``setu-planning rekey`` re-encrypts what is stored under the new key, after
which the old keys can be dropped (see docs/security.md).
"""

from __future__ import annotations

import base64
import os

from eventsourcing.cryptography import AESCipher
from eventsourcing.persistence import Cipher
from eventsourcing.utils import Environment

KEY_VARIABLE = "SETU_PLANNING_CIPHER_KEY"
OLD_KEYS_VARIABLE = "SETU_PLANNING_CIPHER_OLD_KEYS"


class RotatingAESCipher(Cipher):
    """AES-GCM under the current key (``CIPHER_KEY``); the old keys (``CIPHER_OLD_KEYS``) still decrypt."""

    def __init__(self, environment: Environment):
        current = environment.get("CIPHER_KEY") or ""
        old = [k.strip() for k in (environment.get("CIPHER_OLD_KEYS") or "").split(",") if k.strip()]
        self._current = _aes(current)
        self._all = [self._current, *(_aes(key) for key in old)]

    def encrypt(self, plaintext: bytes) -> bytes:
        return self._current.encrypt(plaintext)

    def decrypt(self, ciphertext: bytes) -> bytes:
        for cipher in self._all:
            try:
                return cipher.decrypt(ciphertext)
            except ValueError:
                continue
        raise ValueError("cannot decrypt: damaged, or encrypted under a key that is not configured")

    def is_current(self, ciphertext: bytes) -> bool:
        """Whether ``ciphertext`` decrypts under the current key (rekeying skips what does)."""
        try:
            self._current.decrypt(ciphertext)
        except ValueError:
            return False
        return True


def plain(cipher: Cipher, value: bytes) -> bytes:
    """Decrypted under any configured key, or as stored before encryption was switched on.

    Stored state is JSON and the index secret 32 bytes; anything else that no
    configured key decrypts was written under a key that is not configured, and
    is refused rather than encrypted twice.
    """
    try:
        return cipher.decrypt(value)
    except ValueError:
        if value[:1] == b"{" or len(value) == 32:
            return value
        raise ValueError(
            "a stored value decrypts under none of the configured keys: add the key it was written "
            "under to SETU_PLANNING_CIPHER_OLD_KEYS"
        ) from None


def _aes(key: str) -> AESCipher:
    try:
        return AESCipher(Environment(env={"CIPHER_KEY": key}))
    except (ValueError, OSError) as error:
        raise ValueError(f"a cipher key must be 16, 24 or 32 bytes in base64: {error}") from None


def create_key(num_bytes: int = 32) -> str:
    """A new random AES key, base64-encoded, for ``SETU_PLANNING_CIPHER_KEY``."""
    return base64.b64encode(os.urandom(num_bytes)).decode()


def cipher_settings(environ: dict[str, str]) -> dict[str, str]:
    """The eventsourcing settings that switch encryption on, when a key is configured."""
    key = environ.get(KEY_VARIABLE)
    if not key:
        return {}
    return {
        "CIPHER_TOPIC": f"{__name__}:RotatingAESCipher",
        "CIPHER_KEY": key,
        "CIPHER_OLD_KEYS": environ.get(OLD_KEYS_VARIABLE, ""),
    }
