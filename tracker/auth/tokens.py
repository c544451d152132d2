"""Personal API tokens: a partner system acts through the API as the user who created the token, never as more.

The token is shown once, at creation; the database keeps only its SHA-256. A plain (unsalted, fast) hash is
enough here, unlike for passwords: the token is 256 random bits from ``secrets``, so nobody can guess it or test
candidates against a stolen hash, and a fast, deterministic hash lets a request find its token by an indexed
equality lookup. A token carries scopes (``read``: GET; ``write``: changes) and an expiry; revoking it ends it at
once. Verbs flush; the caller commits."""
from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from flask import current_app
from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker import clock
from tracker.auth.models import User
from tracker.db_types import UTCDateTime
from tracker.extensions import db
from tracker.procedures.definition import LocalText

log = logging.getLogger(__name__)

#: Every token starts with this, so a leaked one is recognisable (secret scanners, logs).
PREFIX = "trk_"
#: Days a token is valid unless its creator asks otherwise, and the most they may ask for.
DEFAULT_DAYS, MAX_DAYS = 90, 365


class Scope(StrEnum):
    READ = "read"  #: every GET of the API
    WRITE = "write"  #: changes (transitions)


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The holder's own name for it ("Landesportal Thüringen"), to tell tokens apart when revoking.
    name: Mapped[str] = mapped_column(String(100))
    #: SHA-256 (hex) of the token; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: Comma-separated ``Scope`` values, e.g. "read,write".
    scopes: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Updated at most once a minute (``touch``), so reading through the API does not write on every request.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The one-time key of the creation form that made it: the same form sent twice, even at the same moment from
    #: two tabs, makes one token (``issue``).
    form_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    user = relationship("User", lazy="joined", innerjoin=True)

    @property
    def scope_set(self) -> frozenset[Scope]:
        return frozenset(Scope(value) for value in self.scopes.split(",") if value)

    def allows(self, scope: Scope) -> bool:
        return scope in self.scope_set

    def usable_at(self, moment: datetime) -> bool:
        return self.revoked_at is None and moment < self.expires_at and self.user.active


class TokenError(Exception):
    def __init__(self, message: LocalText):
        super().__init__(message.de)
        self.message = message


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_scopes(values) -> frozenset[Scope]:
    """``read,write`` or an iterable of names; unknown names are an error, not ignored."""
    if isinstance(values, str):
        values = values.split(",")
    names = {value.strip().lower() for value in values if value and value.strip()}
    unknown = names - {scope.value for scope in Scope}
    if unknown or not names:
        raise TokenError(LocalText("Bitte wählen Sie Lese- und/oder Schreibrecht (read, write).",
                                   "Please choose read and/or write (read, write)."))
    return frozenset(Scope(name) for name in names)


class AlreadyIssued(TokenError):
    """The creation form with this key made its token already (shown once then, never again)."""


def issue(user: User, *, name: str, scopes, days: int = DEFAULT_DAYS,
          form_key: str | None = None) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns (row, token). The token is shown once and never again. ``form_key``: the
    creation form's one-time key; a second token for it is refused (``AlreadyIssued``)."""
    name = (name or "").strip()
    if not name:
        raise TokenError(LocalText("Bitte geben Sie dem Zugang einen Namen.", "Please give the token a name."))
    if not 1 <= days <= MAX_DAYS:
        raise TokenError(LocalText(f"Die Gültigkeit beträgt 1 bis {MAX_DAYS} Tage.",
                                   f"A token is valid for 1 to {MAX_DAYS} days."))
    if not user.active:
        raise TokenError(LocalText("Das Konto ist deaktiviert.", "The account is deactivated."))
    chosen = parse_scopes(scopes)
    now = clock.now()
    _require_room(user, now)  # locks the user's row: a second request with the same form waits here, then sees it
    if form_key and db.session.scalar(select(ApiToken.id).where(ApiToken.form_key == form_key)) is not None:
        raise AlreadyIssued(LocalText("Dieser Zugang wurde bereits erstellt.", "This token was already created."))
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user=user, name=name[:100], token_hash=digest(token),
                   scopes=",".join(sorted(scope.value for scope in chosen)), created_at=now,
                   expires_at=now + timedelta(days=days), form_key=form_key or None)
    db.session.add(row)
    db.session.flush()
    # Ids only (never the token): the case-bound audit trail has no place for account events.
    log.info("api token %s issued to user %s, scopes %s, until %s", row.id, user.id, row.scopes,
             row.expires_at.date().isoformat())
    return row, token


def _require_room(user: User, now: datetime) -> None:
    """At most ``API_TOKENS_PER_USER`` usable tokens per user. The user's row is locked first, so two requests at
    once cannot both take the last place (PostgreSQL; SQLite writes one at a time anyway)."""
    limit = current_app.config["API_TOKENS_PER_USER"]
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    usable = db.session.scalar(select(func.count(ApiToken.id)).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > now))
    if usable >= limit:
        raise TokenError(LocalText(
            f"Sie haben bereits {limit} gültige Zugänge, die Höchstzahl. Bitte widerrufen Sie zuerst einen, den Sie "
            "nicht mehr brauchen.",
            f"You already have {limit} valid tokens, the most allowed. Please revoke one you no longer need first."))


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())))


def revoke(user: User, token_id: int) -> ApiToken:
    """End one of ``user``'s own tokens now. Someone else's token is refused like one that does not exist."""
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise TokenError(LocalText("Diesen Zugang gibt es nicht.", "There is no such token."))
    if row.revoked_at is None:
        row.revoked_at = clock.now()
        db.session.flush()
        log.info("api token %s of user %s revoked", row.id, user.id)
    return row


def revoke_all(user: User) -> int:
    """End every usable token of ``user`` now: a password reset or a second factor removed is recovery from a
    stolen account, and a token made with it would otherwise act on for up to a year. Returns how many ended."""
    now = clock.now()
    ended = [row for row in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                                       ApiToken.revoked_at.is_(None)))]
    for row in ended:
        row.revoked_at = now
    db.session.flush()
    if ended:
        log.info("%d api token(s) of user %s revoked with the account's recovery", len(ended), user.id)
    return len(ended)


def authenticate(token: str) -> ApiToken | None:
    """The usable token ``token`` names (not revoked, not expired, its user active), else None."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
    if row is None or not row.usable_at(clock.now()):
        return None
    return row


def touch(row: ApiToken) -> None:
    """Note the use, at most once a minute (the holder sees when a token was last used before revoking it)."""
    now = clock.now()
    if row.last_used_at is None or now - row.last_used_at >= timedelta(minutes=1):
        row.last_used_at = now
