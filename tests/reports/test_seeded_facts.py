"""Seeded cases carry the facts the verbs would have kept: what ``flask seed`` writes in bulk is what the rebuild
derives from the seeded events and timers (one rule, ``cases.facts.derive``)."""
from __future__ import annotations

from sqlalchemy import select

from tracker.cases.facts import CaseFacts, StageMonth, StageSpan, histogram_of, rebuild_batch
from tracker.cases.models import Case
from tracker.extensions import db
from tracker.seed import seed_cases


def snapshot():
    facts = {row.case_id: {column.key: getattr(row, column.key) for column in CaseFacts.__table__.columns}
             for row in db.session.scalars(select(CaseFacts))}
    spans = sorted((span.case_id, span.stage, span.entered_on, span.left_on, span.days, span.suspended_days)
                   for span in db.session.scalars(select(StageSpan)))
    histogram = {(row.month, row.office_id, row.procedure_id, row.stage, row.days, row.net_days): row.spans
                 for row in db.session.scalars(select(StageMonth)) if row.spans}
    assert histogram == dict(histogram_of(db.session.scalars(select(StageSpan))))
    return facts, spans, histogram


def test_seeded_facts_are_what_the_rebuild_derives(app):
    seed_cases(60, batch_size=30, seed=11)
    db.session.expire_all()
    seeded = snapshot()
    ids = list(db.session.scalars(select(Case.id)))
    assert len(seeded[0]) == len(ids) > 0
    assert any(row["first_decision_on"] for row in seeded[0].values())
    assert any(span[-1] for span in seeded[1])  # some stays lost days to a suspension
    rebuild_batch(ids)
    db.session.commit()
    db.session.expire_all()
    assert snapshot() == seeded
