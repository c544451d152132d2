"""The tracker's fixed vocabularies, spelled once. Definitions, models, forms and templates use these enums; a
value written as a string literal anywhere else is a bug waiting to drift.

Pure: no Flask, no database. ``StrEnum`` members compare equal to their values, so they can be stored as strings.
"""
from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """The roles people have in the tracker."""

    IMMIGRATION_CLERK = "immigration_clerk"
    RECOGNITION_CLERK = "recognition_clerk"
    TEAM_LEAD = "team_lead"
    EMPLOYER = "employer"
    ADVISOR = "advisor"
    ADMIN = "admin"
    #: The data-protection officer's role (GDPR): the read log, exports (Art. 15) and erasures (Art. 17). Not staff:
    #: no work queue and no case contents beyond what a request needs (``cases.access.privacy_scope``).
    DATA_PROTECTION = "data_protection"
    #: The deadline sweep acting on its own (legal fictions, breaches): not a person, has no account.
    SYSTEM = "system"

    @property
    def is_staff(self) -> bool:
        """Authority staff: see internal notes, work queues and every case of their office."""
        return self in STAFF_ROLES

    @classmethod
    def people(cls) -> tuple[Role, ...]:
        """The roles a user account can have."""
        return tuple(role for role in cls if role is not cls.SYSTEM)


STAFF_ROLES = frozenset({Role.IMMIGRATION_CLERK, Role.RECOGNITION_CLERK, Role.TEAM_LEAD, Role.ADMIN})


class OfficeKind(StrEnum):
    IMMIGRATION_OFFICE = "immigration_office"  #: Ausländerbehörde
    RECOGNITION_BODY = "recognition_body"  #: zuständige Stelle (§ 8 BQFG, professional law)


class CalendarName(StrEnum):
    """Holiday calendars for the shift of a period's end (§ 31(3) VwVfG, § 193 BGB)."""

    TH = "th"  #: Thuringia (ThürFGtG § 2(1))
    TH_FRONLEICHNAM = "th-fronleichnam"  #: Thuringia plus Corpus Christi (Eichsfeld etc., § 2(2) ThürFGtG)
    NONE = "none"  #: no shift: missions abroad (§ 2(3) no. 3 VwVfG)


#: In a timer definition: count with the calendar of the case's office.
OFFICE_CALENDAR = "office"


class Mode(StrEnum):
    """Which timers apply: recognition cases opened from a § 81a case run accelerated (§ 14a BQFG)."""

    STANDARD = "standard"
    ACCELERATED = "accelerated"

    @classmethod
    def of(cls, accelerated: bool) -> Mode:
        return cls.ACCELERATED if accelerated else cls.STANDARD


class DocumentStatus(StrEnum):
    MISSING = "missing"
    REQUESTED = "requested"
    RECEIVED = "received"
    ACCEPTED = "accepted"
    REJECTED = "rejected"

    @property
    def is_in_hand(self) -> bool:
        """The authority has the document (whether or not it has judged it yet)."""
        return self in (DocumentStatus.RECEIVED, DocumentStatus.ACCEPTED)


class LetterKind(StrEnum):
    """The letters a step owes; a transition declares its own (``letter:``) and the service keeps each as sent."""

    RECEIPT = "receipt"  #: Eingangsbestätigung (§ 6(2) BQFG)
    DOCUMENTS_REQUEST = "documents_request"  #: Nachforderung fehlender Unterlagen mit Frist
    REFUSAL_WARNING = "refusal_warning"  #: schriftlicher Hinweis vor Ablehnung mangels Mitwirkung (§ 15(3) BQFG)
    DECISION = "decision"  #: Bescheid
    PRE_APPROVAL = "pre_approval"  #: Vorabzustimmung (§ 81a(3) no. 6 AufenthG, § 31(3) AufenthV)


class TimerStatus(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"  #: expired without the step being done; stays visible until met
    FIRED = "fired"  #: expired and the legal fiction was applied
    CANCELLED = "cancelled"  #: nothing is owed any more (the case ended, the step became moot)

    @property
    def is_open(self) -> bool:
        return self in OPEN_TIMER_STATUSES


OPEN_TIMER_STATUSES = (TimerStatus.RUNNING, TimerStatus.PAUSED, TimerStatus.BREACHED)


class TimerKind(StrEnum):
    DEADLINE = "deadline"  #: binding ("muss")
    TARGET = "target"  #: "soll", "in der Regel"


class Outcome(StrEnum):
    POSITIVE = "positive"
    PARTIAL = "partial"
    NEGATIVE = "negative"
    WITHDRAWN = "withdrawn"


class AuthorisationKind(StrEnum):
    """What gives an employer access to a case (``cases.models.Authorisation``)."""

    #: The worker's power of attorney for the accelerated procedure (§ 81a(1) s. 1, (2) no. 2 AufenthG).
    POWER_OF_ATTORNEY_81A = "power_of_attorney_81a"
    #: The applicant's authorisation of the employer in a recognition case (§ 14(1) VwVfG, § 1(1) s. 1 ThürVwVfG).
    RECOGNITION_APPLICANT = "recognition_applicant"
