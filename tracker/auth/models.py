from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from tracker import clock
from tracker.auth import second_factor, secret_box
from tracker.db_types import UTCDateTime
from tracker.extensions import db
from tracker.procedures.vocabulary import Role


class User(UserMixin, db.Model):
    __tablename__ = "users"
    #: One account per address whatever its capitals: logins and invitations look addresses up lower-cased.
    #: PostgreSQL only: SQLite (development) cannot reflect an index on an expression for the schema comparison,
    #: and it writes one transaction at a time, so the invitation's look-up before the insert suffices there.
    __table_args__ = (Index("uq_users_email_folded", func.lower(text("email")), unique=True)
                      .ddl_if(dialect="postgresql"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(32))
    #: Clerks and team leads work for one office; their queue and access follow it.
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"))
    #: Employer users act for exactly one employer organisation.
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employers.id"))
    #: An employer user who may invite and remove colleagues of the same organisation.
    employer_admin: Mapped[bool] = mapped_column(default=False, server_default="0")
    #: Preferred UI language ("de"/"en"); None means "as the browser asks".
    locale: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(default=True)
    #: Part of every session's login id: raising it ends all sessions of this user at once (logout, password
    #: change, deactivation), although the session itself lives in a signed cookie the server cannot delete.
    session_generation: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    #: TOTP secret, encrypted (``auth.secret_box``, key ``TOTP_KEY``); read and set ``totp_secret``. Set at
    #: enrolment, effective only once ``totp_confirmed_at`` is set. Never logged, never shown again after
    #: enrolment; an admin clears it with ``reset-totp``.
    totp_secret_encrypted: Mapped[str | None] = mapped_column("totp_secret", String(255))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Time step of the last accepted code: each code works once.
    totp_last_step: Mapped[int | None]

    office = relationship("Office")
    employer = relationship("Employer")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def is_staff(self) -> bool:
        return self.role_enum.is_staff

    def get_id(self) -> str:
        """The login id kept in the session: user id and session generation (see ``end_sessions``)."""
        return f"{self.id}:{self.session_generation or 1}"

    def end_sessions(self) -> None:
        """Every session of this user, on every device, ends with its next request."""
        self.session_generation = (self.session_generation or 1) + 1

    @validates("active", "password_hash")
    def _end_sessions_on_change(self, key, value):
        # A new password or a deactivation ends every open session; the first password of a new user ends none.
        if self.id is not None and (key == "password_hash" or value is False):
            self.end_sessions()
        return value

    @property
    def totp_secret(self) -> str | None:
        """The TOTP secret (base32), decrypted."""
        token = self.totp_secret_encrypted
        return secret_box.decrypt(token) if token is not None else None

    @totp_secret.setter
    def totp_secret(self, plain: str | None) -> None:
        self.totp_secret_encrypted = secret_box.encrypt(plain) if plain is not None else None

    @property
    def totp_active(self) -> bool:
        return self.totp_secret_encrypted is not None and self.totp_confirmed_at is not None

    def needs_second_factor(self, required_for_staff: bool) -> bool:
        return self.totp_active or (required_for_staff and self.is_staff)

    def start_totp_enrolment(self) -> str:
        """A new, not yet effective secret (replacing an unconfirmed one); returned to be shown once."""
        if self.totp_active:
            raise ValueError("second factor already active; an admin resets it")
        self.totp_secret = second_factor.new_secret()
        self.totp_last_step = None
        return self.totp_secret

    def check_totp(self, code: str) -> bool:
        """Whether ``code`` is valid now for this user's secret (active or being enrolled); uses the code up."""
        if self.totp_secret is None:
            return False
        step = second_factor.accepted_step(self.totp_secret, code, self.totp_last_step)
        if step is None:
            return False
        self.totp_last_step = step
        return True

    def confirm_totp(self, code: str) -> bool:
        """The enrolment takes effect once the user typed a valid code from their app."""
        if self.totp_active or not self.check_totp(code):
            return False
        self.totp_confirmed_at = clock.now()
        return True

    def reset_totp(self) -> None:
        """Recovery (admin): no second factor until the user enrols again; every session of the user ends."""
        self.totp_secret = self.totp_confirmed_at = self.totp_last_step = None
        self.end_sessions()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"
