from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import DDL, Index, String, event, func, text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.db_types import FOLD_FUNCTION_SQL, UTCDateTime
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


#: The queue's search finds a name by any part of it, typed with or without diacritics: ``tracker_fold(given names
#: family name) LIKE '%text%'``, as ``tracker.cases.queries.filtered`` writes it. No B-tree serves that: without
#: this index PostgreSQL read every person of every office for each search (45 of the 55 ms of a search that found
#: nothing, at 100,000 cases). Trigrams (pg_trgm) serve a pattern of three or more characters. PostgreSQL only.
NAME_SEARCH_INDEX = Index(
    "ix_persons_name_search",
    # "given names family name", written as PostgreSQL reads ``a || ' ' || b`` and writes it back when the schema
    # is compared (SQLAlchemy leaves out the parentheses): the expression the search uses.
    func.tracker_fold(text("(given_names || ' ') || family_name")).label("full_name_folded"),
    postgresql_using="gin",
    postgresql_ops={"full_name_folded": "gin_trgm_ops"},
).ddl_if(dialect="postgresql")


class Person(db.Model):
    """The skilled worker / applicant. Personal data: never logged, never put into job arguments."""

    __tablename__ = "persons"
    __table_args__ = (NAME_SEARCH_INDEX,)

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


# pg_trgm and unaccent are trusted extensions: the database owner may create them (deploy/postgres-roles.sql
# creates them first); the folding function must exist before the index.
for statement in ("CREATE EXTENSION IF NOT EXISTS pg_trgm", "CREATE EXTENSION IF NOT EXISTS unaccent",
                  FOLD_FUNCTION_SQL):
    event.listen(Person.__table__, "before_create", DDL(statement).execute_if(dialect="postgresql"))
