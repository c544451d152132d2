"""The roles people have in the tracker (the ``system`` actor is not a person and has no account)."""
from enum import StrEnum


class Role(StrEnum):
    IMMIGRATION_CLERK = "immigration_clerk"
    RECOGNITION_CLERK = "recognition_clerk"
    TEAM_LEAD = "team_lead"
    EMPLOYER = "employer"
    ADVISOR = "advisor"
    ADMIN = "admin"

    @property
    def is_staff(self) -> bool:
        """Authority staff: see internal notes, work queues and every case of their office."""
        return self in STAFF_ROLES


STAFF_ROLES = frozenset({Role.IMMIGRATION_CLERK, Role.RECOGNITION_CLERK, Role.TEAM_LEAD, Role.ADMIN})

#: The actor recorded for what the deadline sweep does on its own (legal fictions, breaches).
SYSTEM_ROLE = "system"
