"""The measurements: seeding, the clerk's work queue and case page, and the deadline sweep."""
from __future__ import annotations

import math
import os
import random
import statistics
import time
from dataclasses import dataclass
from urllib.parse import urlencode
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import func, select

from tracker import clock
from tracker.auth.models import User
from tracker.cases.models import Case
from tracker.cases.sweep import sweep
from tracker.extensions import db
from tracker.parties.models import Person
from tracker.procedures.vocabulary import TimerStatus
from tracker.seed import EMAIL_DOMAIN, SEED_PASSWORD, seed_cases
from tracker.timers.models import Timer


@dataclass
class Timing:
    """Milliseconds of repeated runs of one thing."""

    samples: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]


def timed_ms(action) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def grow_to(size: int, seed: int, progress=None) -> tuple[int, float]:
    """Seed until the database holds ``size`` cases; returns (cases added, cases per second)."""
    have = db.session.scalar(select(func.count(Case.id)))
    db.session.commit()
    if have >= size:
        return 0, 0.0
    result = seed_cases(size - have, batch_size=2000, seed=seed, progress=progress, workers=os.cpu_count() or 1)
    return result.cases, result.rate


@dataclass
class Counts:
    cases: int
    open_cases: int
    running_timers: int
    office_open_cases: int


def counts(office_id: int) -> Counts:
    row = db.session.execute(select(
        select(func.count(Case.id)).scalar_subquery(),
        select(func.count(Case.id)).where(Case.closed_at.is_(None)).scalar_subquery(),
        select(func.count(Timer.id)).where(Timer.status == TimerStatus.RUNNING).scalar_subquery(),
        select(func.count(Case.id)).where(Case.office_id == office_id, Case.closed_at.is_(None)).scalar_subquery(),
    )).one()
    db.session.commit()
    return Counts(*row)


def busiest_office_clerk() -> User:
    """A seeded clerk of the office with the most open cases: the longest work queue."""
    office_id = db.session.scalar(select(Case.office_id).where(Case.closed_at.is_(None)).group_by(Case.office_id)
                                  .order_by(func.count().desc()).limit(1))
    clerk = db.session.scalar(select(User).where(User.office_id == office_id, User.email.like(f"%.{EMAIL_DOMAIN}"),
                                                 User.role != "team_lead").order_by(User.id).limit(1))
    db.session.commit()
    return clerk


def logged_in_client(app, user: User):
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": SEED_PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"bench login failed for {user.email}: {response.status_code}")
    return client


def page_timing(client, urls: list[str], warmup: int = 5) -> Timing:
    for url in urls[:warmup]:
        client.get(url)
    samples = []
    for url in urls:
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code}")
    return Timing(samples)


def queue_urls(requests: int, rng: random.Random | None = None) -> dict[str, list[str]]:
    """The queue's first page, its "my cases" filter and, given ``rng``, a search by part of a name as clerks type
    it (four letters from inside a family name of the seed; one search in five finds nothing)."""
    urls = {"queue, first page": ["/cases"] * requests,
            "queue, my cases (filter)": ["/cases?assignee=mine"] * requests}
    if rng is not None:
        names = db.session.scalars(select(Person.family_name).where(func.length(Person.family_name) >= 5)
                                   .order_by(Person.id).limit(500)).all()
        db.session.commit()
        searches = []
        for number in range(requests):
            if number % 5 == 4 or not names:
                searches.append("qzxj")  # in no name, reference or employer of the seed
            else:
                name = rng.choice(names)
                start = rng.randrange(len(name) - 3)
                searches.append(name[start:start + 4])
        urls["queue, search by part of a name"] = [f"/cases?{urlencode({'q': text})}" for text in searches]
    return urls


def case_urls(office_id: int, requests: int, rng: random.Random) -> list[str]:
    """Random cases of the clerk's office (open and closed), as a clerk opens them from the queue or a search."""
    low, high = db.session.execute(select(func.min(Case.id), func.max(Case.id))
                                   .where(Case.office_id == office_id)).one()
    ids: list[int] = []
    while len(ids) < requests:
        probe = rng.randint(low, high)
        case_id = db.session.scalar(select(Case.id).where(Case.office_id == office_id, Case.id >= probe)
                                    .order_by(Case.id).limit(1))
        if case_id is not None:
            ids.append(case_id)
    db.session.commit()
    return [f"/cases/{case_id}" for case_id in ids]


def idle_ticks(ticks: int = 50) -> Timing:
    """The sweep when nothing is due: the seed replayed every effect up to today."""
    sweep()  # warm-up (and proof that nothing is due: see the assertion below)
    samples = []
    for _ in range(ticks):
        started = time.perf_counter()
        result = sweep()
        samples.append((time.perf_counter() - started) * 1000)
        if result.total:
            raise RuntimeError(f"idle tick found {result.total} due timer(s)")
    db.session.commit()
    return Timing(samples)


@dataclass
class DueSweep:
    timers: int
    ms: float

    @property
    def per_second(self) -> float:
        return self.timers / (self.ms / 1000) if self.ms else 0.0


def due_sweep(count: int, rng: random.Random, used: set[int]) -> DueSweep:
    """``count`` documents deadlines that expired yesterday, on open recognition cases not used before, among all the
    open timers; one sweep breaches them (a warning and breach event each, the queue summary refreshed)."""
    today = clock.today()
    candidates = list(db.session.scalars(
        select(Case.id).where(Case.closed_at.is_(None), Case.procedure_id.in_(
            ("recognition-bqfg", "recognition-thuerbqfg")))))
    case_ids = rng.sample([case_id for case_id in candidates if case_id not in used], count)
    used.update(case_ids)
    office_calendars = dict(db.session.execute(sa.text("SELECT c.id, o.calendar FROM cases c JOIN offices o "
                                                       "ON o.id = c.office_id WHERE c.id = ANY(:ids)"),
                                               {"ids": case_ids}).all())
    db.session.execute(sa.insert(Timer), [{
        "case_id": case_id, "timer_id": "documents_deadline", "status": TimerStatus.RUNNING,
        "started_on": today - timedelta(days=22), "started_by": "request_missing_documents",
        "fixed_due_on": today - timedelta(days=1), "calendar": office_calendars[case_id], "extension": None,
        "extension_reason": "", "due_on": today - timedelta(days=1), "warn_on": None, "finished_on": None,
        "created_at": clock.now() - timedelta(days=22)} for case_id in case_ids])
    db.session.commit()
    db.session.execute(sa.text("ANALYZE timers"))
    db.session.commit()
    started = time.perf_counter()
    result = sweep()
    ms = (time.perf_counter() - started) * 1000
    if result.breaches != count:
        raise RuntimeError(f"expected {count} breaches, the sweep did {result.breaches} (+{result.fictions} "
                           f"fictions, {result.warnings} warnings)")
    return DueSweep(count, ms)


def explain_queue(user: User) -> str:
    """EXPLAIN ANALYZE of the work queue's count and first page for ``user`` (with ``--explain``)."""
    from sqlalchemy.dialects import postgresql

    from tracker.cases.queries import COUNT_LIMIT, QueueFilters, filtered

    conditions = filtered(user, QueueFilters())
    statements = [
        select(func.count()).select_from(select(Case.id).where(*conditions).limit(COUNT_LIMIT + 1).subquery()),
        select(Case.id).where(*conditions).order_by(Case.breached.desc(), Case.next_due_on.asc().nulls_last(),
                                                    Case.id).limit(51),
    ]
    out = []
    for statement in statements:
        sql = str(statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
        plan = db.session.execute(sa.text("EXPLAIN (ANALYZE, BUFFERS) " + sql)).scalars().all()
        out.append(sql + "\n" + "\n".join(plan))
    db.session.commit()
    return "\n\n".join(out)


# --- the portal: the employer's home and the ThAFF advisor's overview -------------------------------------------

#: How many employers (those with the most cases) granted the bench's advisor access.
ADVISOR_EMPLOYERS = 3


@dataclass
class PortalUsers:
    employer_user: User
    employer_cases: int  #: cases the employer's users see (valid authorisations)
    advisor: User
    advisor_cases: int  #: cases the advisor sees through its grants


def portal_users() -> PortalUsers:
    """A ThAFF advisor whom the ``ADVISOR_EMPLOYERS`` largest employers (at the first size) granted access, and a
    user of the largest of them; every seeded case with an employer gets that employer's authorisation (the seed
    records none: a clerk records them), the worst case for both pages. Idempotent: at the second size the same
    accounts and grants are used and only the new cases' authorisations are added."""
    from werkzeug.security import generate_password_hash

    from tracker.auth.grants import AdvisorGrant
    from tracker.cases.access import view_scope

    recorder = db.session.scalar(select(User.id).where(User.office_id.is_not(None)).order_by(User.id).limit(1))
    db.session.execute(sa.text(
        "INSERT INTO authorisations (case_id, employer_id, kind, grantor, scope, valid_from, valid_until, "
        "recorded_by_id, recorded_at, revocation_reason) "
        "SELECT c.id, c.employer_id, CASE WHEN c.procedure_id = 'skilled-worker-81a' THEN 'power_of_attorney_81a' "
        "ELSE 'recognition_applicant' END, 'Fachkraft (Bench)', '', c.received_on, NULL, :recorder, :now, '' "
        "FROM cases c WHERE c.employer_id IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM authorisations a WHERE a.case_id = c.id)"),
        {"recorder": recorder, "now": clock.now()})
    db.session.commit()
    db.session.execute(sa.text("ANALYZE authorisations"))
    db.session.commit()
    password_hash = generate_password_hash(SEED_PASSWORD)

    def account(email: str, **fields) -> User:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(email=email, password_hash=password_hash, active=True, **fields)
            db.session.add(user)
            db.session.flush()
        return user

    # The employers are chosen at the first size and kept: at the second, the same employers hold more cases.
    advisor = account(f"bench-beratung@{EMAIL_DOMAIN}", name="Bench Beratung (ThAFF)", role="advisor")
    granted = list(db.session.scalars(select(AdvisorGrant.employer_id).where(AdvisorGrant.advisor_id == advisor.id)
                                      .order_by(AdvisorGrant.id)))
    if not granted:
        granted = list(db.session.scalars(select(Case.employer_id).where(Case.employer_id.is_not(None))
                                          .group_by(Case.employer_id).order_by(func.count().desc(), Case.employer_id)
                                          .limit(ADVISOR_EMPLOYERS)))
        db.session.add_all([AdvisorGrant(advisor_id=advisor.id, employer_id=employer_id, granted_by_id=None,
                                         granted_at=clock.now(), consent_text="Bench", valid_from=clock.today())
                            for employer_id in granted])
    employer_user = account(f"bench-arbeitgeber@{EMAIL_DOMAIN}", name="Bench Arbeitgeber", role="employer",
                            employer_id=granted[0], employer_admin=True)
    db.session.commit()
    counts = [db.session.scalar(select(func.count(Case.id)).where(view_scope(user).condition()))
              for user in (employer_user, advisor)]
    db.session.commit()
    return PortalUsers(employer_user, counts[0], advisor, counts[1])


def portal_urls(requests: int) -> dict[str, list[str]]:
    return {"employer home": ["/portal"] * requests,
            "advisor overview": ["/portal/overview"] * requests}
# --- reports (issue 11) ---------------------------------------------------------------------------------------

#: The breakdowns a reader chooses on the report page; the timed requests cycle through them.
REPORT_BREAKDOWNS = ("office", "month", "outcome", "occupation", "country", "nationality", "procedure")


def ministry_user() -> User:
    """An administrator (the ministry's view: every office), created once with the seed password."""
    from werkzeug.security import generate_password_hash

    email = f"ministry@bench.{EMAIL_DOMAIN}"
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name="Ministerium (bench)", role="admin", office=None,
                    password_hash=generate_password_hash(SEED_PASSWORD))
        db.session.add(user)
    db.session.commit()
    return user


def office_lead(office_id: int) -> User | None:
    lead = db.session.scalar(select(User).where(User.office_id == office_id, User.role == "team_lead")
                             .order_by(User.id).limit(1))
    db.session.commit()
    return lead


def report_urls(requests: int) -> list[str]:
    """The last twelve months, each request with the next breakdown."""
    today = clock.today()
    start = today - timedelta(days=364)
    return [f"/reports?start={start.isoformat()}&end={today.isoformat()}&by={REPORT_BREAKDOWNS[i % 7]}"
            for i in range(requests)]
