"""Loading one case for a page or a step: what both read of it comes in the statement that loads the case."""
from __future__ import annotations

from functools import cache

from sqlalchemy.orm import joinedload, with_expression

from tracker.cases.models import Case
from tracker.extensions import db
from tracker.letters.service import letter_kinds_of


@cache
def _case_options() -> tuple:
    """Built once: loader options are immutable and keep their statement cache key once computed. Built anew on
    each call, the key of the letters' subquery was computed again each time, about 1 ms of every case page and
    every step (half the cost of loading the case)."""
    return (joinedload(Case.documents), joinedload(Case.authorisations),
            with_expression(Case.letter_kinds, letter_kinds_of(Case.id)))


def case_by_id(case_id: int) -> Case | None:
    """The case with its checklist, its authorisations (who the outbox tells, who the access rule admits) and the
    kinds of its letters (the next letter's number), in one statement. A case the session already holds is returned
    as it is: what it lacks is loaded when first read."""
    return db.session.get(Case, case_id, options=_case_options())
