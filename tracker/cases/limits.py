"""How much a party may send on one case in a day: one rule for every kind of thing sent (messages, uploads).

A party is every employer user and advisor on their own, and the applicant as one (whoever holds the access code);
the window is the last 24 hours, rolling. The office is never counted: its staff answer without limit. The verbs
count after they have locked the case's row, so two requests at once cannot both take the last place (PostgreSQL).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from tracker import clock
from tracker.cases.models import Case
from tracker.cases.service import CaseError
from tracker.extensions import db
from tracker.procedures.definition import LocalText

#: The window a limit counts in: the last 24 hours, not the calendar day (no burst just before and after midnight).
WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class DailyLimit:
    """At most ``config[setting]`` rows of ``model`` (a table with ``case_id``) per party and case in ``WINDOW``."""

    setting: str  #: the configuration key holding the number ("MESSAGES_PER_DAY")
    model: type
    sent_at: object  #: the column of when a row was sent
    sent_by_user: object  #: the column of the sending user's id
    sent_by_applicant: object  #: the condition that a row was sent by the applicant (who has no account)
    refusal: Callable[[int], LocalText]  #: why, naming the limit, in both languages
    error: type[CaseError] = CaseError

    def require_room(self, case: Case, actor) -> None:
        """Raise ``error`` when ``actor`` (a party's user, or ``ApplicantActor``) has sent ``limit`` rows on
        ``case`` in the window. Call it with the case's row locked."""
        limit = current_app.config[self.setting]
        sender = self.sent_by_applicant if actor.id is None else self.sent_by_user == actor.id
        recent = db.session.scalar(select(func.count()).select_from(self.model).where(
            self.model.case_id == case.id, sender, self.sent_at > clock.now() - WINDOW))
        if recent >= limit:
            raise self.error([self.refusal(limit)])
