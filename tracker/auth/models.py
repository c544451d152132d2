from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from tracker import clock
from tracker.db_types import UTCDateTime
from tracker.extensions import db
from tracker.procedures.vocabulary import Role


class User(UserMixin, db.Model):
    __tablename__ = "users"

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

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"
