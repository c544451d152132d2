"""Invitations: a one-time link that lets a new user set their first password.

The token travels only in the e-mail; the database keeps its SHA-256, so a copy of the database opens no account.
A token works once and until it expires. Verbs flush; the request commits (and sends the mail only after that)."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import generate_password_hash

from tracker import clock
from tracker.auth.models import User
from tracker.auth.passwords import password_problems
from tracker.db_types import UTCDateTime
from tracker.extensions import db
from tracker.procedures.definition import LocalText
from tracker.procedures.vocabulary import Role

#: How long an invitation link works.
VALID_FOR = timedelta(days=7)


class Invitation(db.Model):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: SHA-256 (hex) of the token sent in the link; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user = relationship("User", foreign_keys=[user_id])


class InvitationError(Exception):
    def __init__(self, messages: list[LocalText]):
        super().__init__("; ".join(message.de for message in messages))
        self.messages = messages

    def text(self, lang: str) -> str:
        return " ".join(message.get(lang) for message in self.messages)


class AddressTaken(InvitationError):
    """The address already has an account (``account``). Staff are told so; whether an employer administrator
    may be told depends on whose account it is (``notifications.invitations.invite_colleague_quietly``)."""

    def __init__(self, account: User):
        super().__init__([ADDRESS_TAKEN])
        self.account = account


INVALID_LINK = LocalText("Dieser Link ist ungültig, abgelaufen oder wurde schon benutzt. Bitte lassen Sie sich neu "
                         "einladen.", "This link is invalid, has expired or was used already. Please ask for a new "
                         "invitation.")
ADDRESS_TAKEN = LocalText("Für diese E-Mail-Adresse gibt es schon ein Konto.",
                          "There is already an account for this e-mail address.")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_employer_user(employer, *, email: str, name: str, actor, admin: bool) -> tuple[User, str]:
    """A new employer user without a usable password, and the one-time token for the link that sets it.

    Returns (user, token); the caller mails the link after the commit."""
    email = email.strip()
    _serialise_address(email)
    taken = db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))
    if taken is not None:
        # The password hash a new account costs, spent here too: the time of the answer does not tell either.
        generate_password_hash(secrets.token_urlsafe(32))
        raise AddressTaken(taken)
    user = User(email=email, name=name.strip(), role=Role.EMPLOYER, employer=employer, employer_admin=admin,
                active=True)
    # A password nobody knows, hashed like any other: the account cannot log in before the link sets one, and a
    # login attempt costs the one scrypt check every login answer costs (no timing tells invited accounts apart).
    user.set_password(secrets.token_urlsafe(32))
    db.session.add(user)
    db.session.flush()
    return user, _issue(user, actor)


def _serialise_address(email: str) -> None:
    """Two invitations of one address at once (a double click, two administrators): the second waits for the
    first one's commit and then finds the account, instead of failing on the unique address (a 500) or, for the
    same address in other capitals, making a second account. A transaction-level lock on the address, PostgreSQL
    only (SQLite writes one transaction at a time)."""
    if db.session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(email.lower().encode()).digest()[:8], "big", signed=True)
        db.session.execute(select(func.pg_advisory_xact_lock(key)))


def _issue(user: User, actor) -> str:
    token = secrets.token_urlsafe(32)
    now = clock.now()
    db.session.add(Invitation(user_id=user.id, token_hash=_digest(token), created_at=now, created_by_id=actor.id,
                              expires_at=now + VALID_FOR))
    db.session.flush()
    return token


def open_invitation(token: str) -> Invitation | None:
    """The invitation this token opens, if it is unused, unexpired and its user still active."""
    if not token or len(token) > 128:
        return None
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == _digest(token)))
    if invitation is None or invitation.used_at is not None or not invitation.user.active:
        return None
    expires = invitation.expires_at
    if expires.tzinfo is None:  # SQLite hands back naive UTC datetimes
        expires = expires.replace(tzinfo=timezone.utc)
    return invitation if clock.now() < expires else None


def accept_invitation(token: str, password: str) -> User:
    """Set the first password through the password policy; the link is spent."""
    invitation = open_invitation(token)
    if invitation is None:
        raise InvitationError([INVALID_LINK])
    user = invitation.user
    problems = password_problems(password, email=user.email, name=user.name)
    if problems:
        raise InvitationError(problems)
    user.set_password(password)
    invitation.used_at = clock.now()
    db.session.flush()
    return user


def invite_colleague(admin: User, *, email: str, name: str) -> tuple[User, str]:
    """An employer administrator invites a colleague of the same organisation."""
    _require_employer_admin(admin)
    _require_room_for_an_invitation(admin)
    return invite_employer_user(admin.employer, email=email, name=name, actor=admin, admin=False)


def _require_room_for_an_invitation(admin: User) -> None:
    """At most ``INVITATIONS_PER_DAY`` invitations by one administrator in 24 hours: each mails an address they
    typed, so the tracker must not become a way to mail anyone without end. Checked before the address is looked
    at, so the answer does not depend on whether it has an account. The administrator's row is locked first: two
    requests at once cannot both take the last place (PostgreSQL)."""
    limit = current_app.config["INVITATIONS_PER_DAY"]
    db.session.execute(select(User.id).where(User.id == admin.id).with_for_update())
    recent = db.session.scalar(select(func.count(Invitation.id)).where(
        Invitation.created_by_id == admin.id, Invitation.created_at > clock.now() - timedelta(days=1)))
    if recent >= limit:
        raise InvitationError([LocalText(
            f"Sie haben in den letzten 24 Stunden schon {limit} Einladungen verschickt, die Höchstzahl. Bitte "
            "versuchen Sie es morgen erneut.",
            f"You have sent {limit} invitations in the last 24 hours, the most allowed. Please try again tomorrow.")])


def remove_colleague(admin: User, colleague_id: int) -> User:
    """Deactivate a colleague of the same organisation: their sessions end at once (``User.active``)."""
    _require_employer_admin(admin)
    colleague = db.session.get(User, colleague_id)
    if colleague is None or not is_colleague(admin, colleague):
        raise InvitationError([LocalText("Unbekannte Person.", "Unknown person.")])
    if colleague.id == admin.id:
        raise InvitationError([LocalText("Sie können sich nicht selbst entfernen.", "You cannot remove yourself.")])
    colleague.active = False
    for invitation in db.session.scalars(select(Invitation).where(Invitation.user_id == colleague.id,
                                                                  Invitation.used_at.is_(None))):
        invitation.used_at = clock.now()  # an open link of a removed colleague is spent too
    db.session.flush()
    return colleague


def is_colleague(user: User, other: User) -> bool:
    """``other`` is an employer user of ``user``'s organisation."""
    return other.role == Role.EMPLOYER and other.employer_id == user.employer_id


def colleagues(user: User) -> list[tuple[User, bool]]:
    """The organisation's active users, each with whether they have not yet set their password (invited)."""
    people = list(db.session.scalars(select(User).where(User.employer_id == user.employer_id,
                                                        User.role == Role.EMPLOYER, User.active).order_by(User.name)))
    waiting = not_yet_set_up([person.id for person in people])
    return [(person, person.id in waiting) for person in people]


def not_yet_set_up(user_ids, session=None) -> set[int]:
    """Of these users, those who were invited and have not yet followed the link to set their password. Accounts an
    administrator created (``flask create-user``) were never invited and are set up. ``session``: the one to ask
    (the notifications read within the committing session); the app's by default."""
    ids = list(user_ids)
    if not ids:
        return set()
    return set((session or db.session).scalars(select(Invitation.user_id).where(Invitation.user_id.in_(ids))
                                  .group_by(Invitation.user_id).having(func.count(Invitation.used_at) == 0)))


def _require_employer_admin(user: User) -> None:
    if user.role != Role.EMPLOYER or not user.employer_admin or user.employer_id is None:
        raise InvitationError([LocalText("Nur die Verwaltung Ihres Unternehmens darf das.",
                                         "Only your organisation's administrators may do this.")])
