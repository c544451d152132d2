"""An employer's consent that a ThAFF advisor (Thüringer Agentur für Fachkräftegewinnung) follows its cases.

One row per consent, never deleted: who granted it (an administrator of the employer), when, the consent text shown
and accepted, and its validity (``valid_from`` to ``valid_until`` inclusive, Berlin calendar days). A revocation
ends it at once. Access is derived from it when asked (``cases.access``): the advisor sees what the employer's users
see (cases with a valid authorisation of the employer), on the days both the grant and the authorisation hold."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Text, or_, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker import clock
from tracker.db_types import UTCDateTime
from tracker.extensions import db


class AdvisorGrant(db.Model):
    __tablename__ = "advisor_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    advisor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"))
    #: The employer administrator who consented; None for grants carried over from the former list of accompanied
    #: employers (migration 0014), which had no recorded consent.
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    #: The consent text exactly as shown and accepted, in the language it was shown in.
    consent_text: Mapped[str] = mapped_column(Text, default="")
    valid_from: Mapped[date]
    #: Last day it holds; None: until revoked.
    valid_until: Mapped[date | None]
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    advisor = relationship("User", foreign_keys=[advisor_id], lazy="joined")
    employer = relationship("Employer", lazy="joined")
    granted_by = relationship("User", foreign_keys=[granted_by_id])
    revoked_by = relationship("User", foreign_keys=[revoked_by_id])

    __table_args__ = (Index("ix_advisor_grants_advisor", "advisor_id", "employer_id"),
                      Index("ix_advisor_grants_employer", "employer_id"))

    def holds_on(self, day: date) -> bool:
        """Valid on ``day``: begun, not ended, not revoked."""
        return (self.revoked_at is None and self.valid_from <= day
                and (self.valid_until is None or day <= self.valid_until))

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


def granting_employers(advisor_id: int, day: date) -> frozenset[int]:
    """The employers whose grant to this advisor holds on ``day``."""
    return frozenset(db.session.scalars(select(AdvisorGrant.employer_id).where(
        AdvisorGrant.advisor_id == advisor_id, AdvisorGrant.revoked_at.is_(None), AdvisorGrant.valid_from <= day,
        or_(AdvisorGrant.valid_until.is_(None), AdvisorGrant.valid_until >= day))))
