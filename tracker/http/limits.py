"""Keys of the rate limits that count per thing typed (a login address, a case reference)."""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app


def typed_key(scope: str, typed: str) -> str:
    """``scope:`` and a keyed digest of ``typed``: the limiter's store (and any line naming a key) holds neither
    the text nor a plain hash of it, which for a guessable text (sequential references, listed addresses) would
    be undone by hashing the candidates."""
    key = current_app.config["SECRET_KEY"].encode()
    return f"{scope}:" + hmac.new(key, typed.encode("utf-8", "replace"), hashlib.sha256).hexdigest()
