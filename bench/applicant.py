"""The applicant's status page and the expected-date estimate behind it (issue 9).

Codes for the sampled cases are written straight into ``access_codes`` with one precomputed hash (issuing through
the verb would add an audit event per case, which the bench does not measure); each sampled applicant enters with
reference and code (not timed), then ``GET /status`` is timed, as an applicant reloading their page."""
from __future__ import annotations

import random
import time

import sqlalchemy as sa
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from bench.measure import Timing
from tracker import clock
from tracker.applicant import estimate
from tracker.applicant.models import AccessCode
from tracker.auth.models import User
from tracker.cases.models import Case
from tracker.extensions import db

BENCH_CODE = "ACDEFGHJKM"
RECOGNITION = ("recognition-bqfg", "recognition-thuerbqfg")


def sample_cases(count: int, rng: random.Random) -> list[Case]:
    """Random open recognition cases (the ones whose applicants look for an expected date), spread over offices."""
    low, high = db.session.execute(select(func.min(Case.id), func.max(Case.id))).one()
    picked: dict[int, Case] = {}
    while len(picked) < count:
        probe = rng.randint(low, high)
        case = db.session.scalar(select(Case).where(Case.id >= probe, Case.closed_at.is_(None),
                                                    Case.procedure_id.in_(RECOGNITION)).order_by(Case.id).limit(1))
        if case is not None:
            picked[case.id] = case
    return list(picked.values())


def give_codes(cases: list[Case]) -> None:
    issuer = db.session.scalar(select(User.id).order_by(User.id).limit(1))
    code_hash = generate_password_hash(BENCH_CODE)
    have = set(db.session.scalars(select(AccessCode.case_id).where(AccessCode.case_id.in_([c.id for c in cases]))))
    db.session.execute(sa.insert(AccessCode), [
        {"case_id": case.id, "code_hash": code_hash, "generation": 1, "issued_at": clock.now(), "issued_by_id": issuer}
        for case in cases if case.id not in have])
    db.session.commit()


def status_page_timing(app, requests: int, rng: random.Random, warmup: int = 5) -> Timing:
    cases = sample_cases(requests + warmup, rng)
    give_codes(cases)
    references = [case.reference for case in cases]
    db.session.commit()
    client = app.test_client()
    samples = []
    for number, reference in enumerate(references):
        entered = client.post("/status", data={"reference": reference, "code": BENCH_CODE})
        if entered.status_code != 302:
            raise RuntimeError(f"status page entry for a bench case: {entered.status_code}")
        started = time.perf_counter()
        response = client.get("/status")
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200 or b"state-heading" not in response.data:
            raise RuntimeError(f"GET /status: {response.status_code}")
        if number >= warmup:
            samples.append(elapsed)
    return Timing(samples)


def estimate_timing(requests: int, rng: random.Random) -> tuple[Timing, int]:
    """The estimate's query alone, for the (procedure, office, mode) of random open recognition cases; returns the
    timing and how many of them had the 10 past cases a figure needs."""
    cases = sample_cases(requests, rng)
    keys = [(case.procedure_id, case.office_id, case.accelerated) for case in cases]
    db.session.commit()
    samples, supported = [], 0
    for procedure_id, office_id, accelerated in keys:
        ids = estimate.decision_timer_ids(procedure_id)
        started = time.perf_counter()
        days = estimate.durations(procedure_id, office_id, accelerated, ids)
        samples.append((time.perf_counter() - started) * 1000)
        supported += estimate.summarise(days).supported
    db.session.commit()
    return Timing(samples), supported


def explain_estimate(rng: random.Random) -> str:
    """EXPLAIN ANALYZE of the estimate's query for one random open recognition case (with ``--explain``)."""
    from sqlalchemy.dialects import postgresql

    from tracker.applicant.models import DECIDED_OUTCOMES
    from tracker.procedures.vocabulary import TimerStatus
    from tracker.timers.models import Timer

    case = sample_cases(1, rng)[0]
    newest = (select(Case.id).where(
        Case.office_id == case.office_id, Case.procedure_id == case.procedure_id,
        Case.accelerated == case.accelerated, Case.outcome.in_([str(outcome) for outcome in DECIDED_OUTCOMES]))
        .order_by(Case.closed_at.desc()).limit(estimate.SAMPLE).subquery())
    statement = (select(Timer.case_id, Timer.started_on, Timer.finished_on).join(newest, newest.c.id == Timer.case_id)
                 .where(Timer.timer_id.in_(estimate.decision_timer_ids(case.procedure_id)),
                        Timer.status == TimerStatus.MET, Timer.finished_on.is_not(None))
                 .order_by(Timer.case_id, Timer.id.desc()))
    sql = str(statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    plan = db.session.execute(sa.text("EXPLAIN (ANALYZE, BUFFERS) " + sql)).scalars().all()
    db.session.commit()
    return sql + "\n" + "\n".join(plan)
