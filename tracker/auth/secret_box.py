"""Secrets at rest: the TOTP secret is stored encrypted (Fernet: AES-128-CBC with HMAC-SHA256), under a key from
the configuration (``TOTP_KEY``), never from the database. Earlier keys (``TOTP_OLD_KEYS``) still decrypt, so a
key can be rotated: set the new key, list the old one, run ``flask totp rotate-key``, then drop the old one."""
from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

#: Every Fernet token starts with its version byte 0x80, base64url "gAAAAA…": a plain base32 secret never does.
TOKEN_PREFIX = "gAAAAA"


class SecretUnreadable(RuntimeError):
    """The stored secret was encrypted under a key the configuration no longer holds."""


def _fernet(secret: str) -> Fernet:
    # Any configured string becomes a Fernet key (32 bytes, base64url): operators set a random string, as for
    # SECRET_KEY and AUDIT_KEY.
    digest = hashlib.sha256(b"tracker-totp-key\x00" + secret.encode("utf-8")).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _box(config: Mapping | None = None) -> MultiFernet:
    config = config if config is not None else current_app.config
    return MultiFernet([_fernet(config["TOTP_KEY"]), *(_fernet(key) for key in config.get("TOTP_OLD_KEYS") or ())])


def encrypt(plain: str, config: Mapping | None = None) -> str:
    return _box(config).encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt(token: str, config: Mapping | None = None) -> str:
    try:
        return _box(config).decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as error:
        raise SecretUnreadable("the TOTP secret does not decrypt with TOTP_KEY or TOTP_OLD_KEYS") from error


def rotate(token: str, config: Mapping | None = None) -> str:
    """The same secret, encrypted under the current key."""
    try:
        return _box(config).rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as error:
        raise SecretUnreadable("the TOTP secret does not decrypt with TOTP_KEY or TOTP_OLD_KEYS") from error
