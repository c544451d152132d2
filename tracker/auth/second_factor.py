"""The second factor: time-based one-time codes (TOTP, RFC 6238) from an authenticator app.

Pure arithmetic over a secret and the wall-clock time (not the app's clock: the user's phone knows only the real
time). A code is accepted for its 30-second step and one step either side (clock drift), and only once: the step
of the last accepted code is kept, so a code seen over somebody's shoulder cannot be used again."""
from __future__ import annotations

import hmac
from datetime import datetime, timedelta, timezone

import pyotp

ISSUER = "Fallverfolgung Thüringen"
#: Steps of 30 seconds accepted either side of now.
DRIFT_STEPS = 1


def new_secret() -> str:
    """A fresh random secret (160 bits, base32, as authenticator apps expect)."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, account: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads (also as a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[index:index + 4] for index in range(0, len(secret), 4))


def accepted_step(secret: str, code: str, last_step: int | None, at: datetime | None = None) -> int | None:
    """The time step ``code`` belongs to, if it is valid now and newer than ``last_step``; otherwise None."""
    code = "".join((code or "").split())
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    at = at or datetime.now(timezone.utc)
    for drift in range(-DRIFT_STEPS, DRIFT_STEPS + 1):
        moment = at + timedelta(seconds=totp.interval * drift)
        if hmac.compare_digest(totp.at(moment), code):
            step = totp.timecode(moment)
            return step if last_step is None or step > last_step else None
    return None
