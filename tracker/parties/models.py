from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import DDL, Index, String, event, func, text
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


#: The queue's search finds a name by any part of it (``LIKE '%text%'`` on the lower-cased names, as
#: ``tracker.cases.queries.filtered`` writes it). No B-tree serves that: without this index PostgreSQL read every
#: person of every office for each search (45 of the 55 ms of a search that found nothing, at 100,000 cases).
#: Trigrams (pg_trgm) serve a pattern of three or more characters. PostgreSQL only; SQLite searches as before.
NAME_SEARCH_INDEX = Index(
    "ix_persons_name_search",
    func.lower(Person.family_name).label("family_name_lower"),
    func.lower(Person.given_names).label("given_names_lower"),
    # Written as PostgreSQL reads ``a || ' ' || b`` and writes it back when the schema is compared (SQLAlchemy
    # leaves out the parentheses); the same expression as the search's, so the planner uses the index for it.
    func.lower(text("(given_names || ' ') || family_name")).label("full_name_lower"),
    postgresql_using="gin",
    postgresql_ops={"family_name_lower": "gin_trgm_ops", "given_names_lower": "gin_trgm_ops",
                    "full_name_lower": "gin_trgm_ops"},
).ddl_if(dialect="postgresql")
# pg_trgm is a trusted extension: the database owner may create it (deploy/postgres-roles.sql creates it first).
event.listen(Person.__table__, "before_create",
             DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))
