"""Who did something: a logged-in user, or the system itself (deadline sweep, legal fictions)."""
from __future__ import annotations

from dataclasses import dataclass

from tracker.procedures.vocabulary import Role


@dataclass(frozen=True)
class SystemActor:
    id: None = None
    role: str = Role.SYSTEM
    name: str = "System"
    is_staff: bool = False


SYSTEM = SystemActor()


#: The role recorded for what the applicant does (they have no account and no ``Role`` of a user).
APPLICANT_ROLE = "applicant"


@dataclass(frozen=True)
class ApplicantActor:
    """The applicant, who has no account. The door that let them in (the status page: reference and access code)
    names the one case they act in; the case verbs admit them for that case only."""

    case_id: int
    id: None = None
    role: str = APPLICANT_ROLE
    name: str = "Antragsteller/in"
    is_staff: bool = False
