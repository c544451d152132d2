from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.db_types import UTCDateTime
from tracker.extensions import db
from tracker.procedures.vocabulary import CalendarName


class Office(db.Model):
    __tablename__ = "offices"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short code used in references and filters, e.g. "ABH-EF" (Erfurt).
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    #: Holiday calendar for this office's deadlines: "th", "th-fronleichnam" (Eichsfeld etc.) or "none".
    calendar: Mapped[str] = mapped_column(String(32), default=CalendarName.TH)
    city: Mapped[str] = mapped_column(String(100), default="")
    #: Postal address and contact for the sender block of letters.
    street: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(20), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str] = mapped_column(String(254), default="")


class Employer(db.Model):
    __tablename__ = "employers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    #: Postal address: letters of § 81a cases go to the employer as the skilled worker's representative.
    street: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(20), default="")


class Person(db.Model):
    """The skilled worker / applicant. Personal data: never logged, never put into job arguments."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_name: Mapped[str] = mapped_column(String(200))
    given_names: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date | None]
    #: Nationality as free text as stated in the passport ("Vietnam", "Indien").
    nationality: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    preferred_language: Mapped[str] = mapped_column(String(5), default="de")
    #: Postal address for letters (abroad as the country writes it).
    street: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(20), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(100), default="")
    #: When the person was pseudonymised (``tracker.privacy.erasure``): name, birth date, contacts and address gone;
    #: nationality and country of residence kept for the statistics.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.family_name}".strip()
