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
