"""``python -m bench.load``: a bounded load test against gunicorn on PostgreSQL (issue 12, *Load*).

Seeds (or reuses) a database of ``--cases`` cases, starts gunicorn with the production settings file
(``deploy/gunicorn.conf.py``) on a free port, and lets ``--users`` virtual users work without think time for
``--seconds``, each over its own HTTP connection and session, as a browser would (CSRF tokens from the pages):

- clerks of the busiest offices: the work queue, a case page from it and, every third round, one of the
  transitions the case page offers (a guard's refusal or a colleague's conflict is an answer, not an error);
- employer users: their home page (``/portal``, where the portal's "Ihre Fälle" link leads) and one of their cases;
- applicants: the public status page, entered once with the case reference and an access code the clerk issued.

It prints per page the number of requests, median and p95, and the errors (5xx, connection failures): the goal is
p95 <= 300 ms and no error. Login limits are raised for the run, since every virtual user comes from 127.0.0.1.
"""
from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import sqlalchemy as sa
from redis import Redis
from redis.exceptions import RedisError

from bench.__main__ import _psycopg_url, say

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
LOAD_DATABASE = "tracker_load"
EMPLOYER_PASSWORD = "last-test-passwort"  # bench-only accounts in the bench's own database
APPLICANTS = 20  #: cases whose applicants get an access code for the status page
GOAL_MS = 300


# --- the pages, read as a browser reads them -------------------------------------------------------------------

@dataclass
class Form:
    action: str
    fields: dict[str, str] = field(default_factory=dict)


class FormReader(HTMLParser):
    """The POST forms of a piece of a page, with each field's current value (first option of a select), which is
    what a user submitting a form unchanged sends."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("method") or "get").lower() == "post":
            self._form = Form(attributes.get("action") or "")
            self.forms.append(self._form)
        elif self._form is not None and tag == "input" and attributes.get("name"):
            kind = (attributes.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in attributes:
                return
            self._form.fields.setdefault(attributes["name"], attributes.get("value") or "")
        elif self._form is not None and tag == "select" and attributes.get("name"):
            self._select = attributes["name"]
        elif self._form is not None and tag == "option" and self._select:
            self._form.fields.setdefault(self._select, attributes.get("value") or "")
        elif self._form is not None and tag == "textarea" and attributes.get("name"):
            self._form.fields.setdefault(attributes["name"], "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


#: The virtual users run on the same cores as the server. Parsing a whole 30–50 kB page in Python costs 3–4 ms, a
#: fifth of what the server spends on it, and would be taken from the server: a browser on the user's own machine
#: costs the server nothing. So only what a user acts on is read: the links by pattern, and the few forms used.
FORM_BLOCK = re.compile(r"(<form\b[^>]*>).*?</form>", re.DOTALL | re.IGNORECASE)


def links(html: str, pattern: str) -> list[str]:
    """The distinct links of a page whose whole href matches ``pattern``, sorted."""
    return sorted(set(re.findall(rf'href="({pattern})"', html)))


def forms_to(html: str, action_part: str) -> list[Form]:
    """The POST forms whose action contains ``action_part``, each read with its fields."""
    reader = FormReader()
    for block in FORM_BLOCK.finditer(html):
        if action_part in block.group(1):  # the opening tag, with the action
            reader.feed(block.group(0))
    return [form for form in reader.forms if action_part in form.action]


# --- one virtual user ------------------------------------------------------------------------------------------

class Recorder:
    """Latencies per page and errors, shared by every virtual user."""

    def __init__(self):
        self.lock = threading.Lock()
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)

    def add(self, page: str, ms: float, error: str | None) -> None:
        with self.lock:
            self.samples[page].append(ms)
            if error:
                self.errors[page].append(error)


class Browser:
    """One user's session: cookies, no redirects followed by hand, every request timed under a page name."""

    def __init__(self, base: str, recorder: Recorder):
        self.base, self.recorder = base, recorder
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def request(self, page: str, path: str, data: dict | None = None, ok=(200,)) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        started = time.perf_counter()
        status, text, error = 0, "", None
        try:
            with self.opener.open(urllib.request.Request(self.base + path, data=body), timeout=30) as response:
                status, text = response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as failure:
            status, text = failure.code, failure.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as failure:
            error = f"{type(failure).__name__}: {failure}"
        elapsed = (time.perf_counter() - started) * 1000
        if error is None and (status >= 500 or status not in ok):
            error = f"HTTP {status} on {path}"
        self.recorder.add(page, elapsed, error)
        return status, text

    def log_in(self, email: str, password: str) -> None:
        _, page = self.request("login page", "/login")
        token = _csrf(page)
        # urllib follows the redirect to the home page; that page is timed as part of the login.
        status, _ = self.request("login", "/login", {"csrf_token": token, "email": email, "password": password})
        if status != 200:
            raise RuntimeError(f"login failed for a load-test user ({status})")


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return found.group(1) if found else ""


def clerk_round(browser: Browser, rng: random.Random, round_number: int) -> None:
    _, queue = browser.request("clerk: work queue", "/cases")
    cases = links(queue, r"/cases/\d+")
    if not cases:
        return
    case_url = rng.choice(cases)
    _, case_page = browser.request("clerk: case page", case_url)
    if round_number % 3:
        return
    forms = forms_to(case_page, "/transitions/")
    if forms:
        form = rng.choice(forms)
        # A refusal (422, the form re-shown with its message) or a conflict (409) is the app answering well.
        browser.request("clerk: transition", form.action, form.fields, ok=(200, 409, 422))


def applicant_round(browser: Browser, _rng: random.Random, _round: int) -> None:
    browser.request("applicant: status page", "/status")


def employer_round(browser: Browser, rng: random.Random, _round: int) -> None:
    # Through the portal's own link to the home page, as a user working in the portal goes back to it (the bare
    # address ``/`` only redirects there, once, when typed).
    _, home = browser.request("employer: home", "/portal")
    cases = links(home, r"/portal/cases/\d+")
    if cases:
        browser.request("employer: case page", rng.choice(cases))


# --- setting the stage -----------------------------------------------------------------------------------------

def prepare(app, cases: int, seed: int) -> dict:
    """Seed to ``cases``, give the biggest employers a bench user each, authorised for all their cases, and issue
    access codes for open recognition cases of the busiest office (as its clerk does)."""
    from sqlalchemy import func, select
    from werkzeug.security import generate_password_hash

    from bench import measure
    from tracker import clock
    from tracker.applicant.codes import issue_code
    from tracker.auth.models import User
    from tracker.cases.models import Authorisation, Case
    from tracker.extensions import db
    from tracker.procedures.vocabulary import AuthorisationKind, Role

    with app.app_context():
        db.create_all()
        added, rate = measure.grow_to(cases, seed=seed)
        if added:
            say(f"seeded {added:,} cases at {rate:,.0f} cases/s")
        offices = db.session.scalars(select(Case.office_id).where(Case.closed_at.is_(None)).group_by(Case.office_id)
                                     .order_by(func.count().desc()).limit(3)).all()
        clerks = db.session.scalars(select(User.email).where(User.office_id.in_(offices), User.active,
                                                           User.email.like(f"%.{measure.EMAIL_DOMAIN}"))
                                    .order_by(User.id)).all()
        employers = db.session.scalars(select(Case.employer_id).where(Case.employer_id.is_not(None))
                                       .group_by(Case.employer_id).order_by(func.count().desc()).limit(6)).all()
        anyone = db.session.scalar(select(User.id).where(User.role == Role.ADMIN).limit(1)) or \
            db.session.scalar(select(User.id).order_by(User.id).limit(1))
        employer_users = []
        for employer_id in employers:
            email = f"last.{employer_id}@employer.bench.example"
            if db.session.scalar(select(User.id).where(User.email == email)) is None:
                user = User(email=email, name=f"Last {employer_id}", role=Role.EMPLOYER, employer_id=employer_id,
                            password_hash=generate_password_hash(EMPLOYER_PASSWORD))
                db.session.add(user)
                rows = db.session.execute(select(Case.id, Case.received_on).where(Case.employer_id == employer_id))
                db.session.execute(sa.insert(Authorisation), [
                    {"case_id": case_id, "employer_id": employer_id, "kind": AuthorisationKind.POWER_OF_ATTORNEY_81A,
                     "grantor": "Lasttest", "scope": "", "valid_from": received_on, "valid_until": None,
                     "recorded_by_id": anyone, "recorded_at": clock.now()} for case_id, received_on in rows])
            employer_users.append(email)
        db.session.commit()
        applicants = []
        clerk = db.session.scalar(select(User).where(User.office_id == offices[0], User.active,
                                                     User.role != Role.TEAM_LEAD).order_by(User.id).limit(1))
        for case in db.session.scalars(select(Case).where(Case.office_id == offices[0], Case.closed_at.is_(None),
                                                          Case.procedure_id.like("recognition%"))
                                       .order_by(Case.id).limit(APPLICANTS)):
            applicants.append((case.reference, issue_code(case, clerk).code))
            db.session.commit()
        total = db.session.scalar(select(func.count(Case.id)))
        db.session.remove()
        db.engine.dispose()
    return {"cases": total, "clerks": clerks, "employers": employer_users, "applicants": applicants}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def job_redis() -> str | None:
    """The Redis the web workers enqueue their jobs (the outbox's e-mails) on, as in production, so that no request
    delivers mail itself: ``LOAD_REDIS_URL`` (default db 14 of the local Redis), emptied before and after the run.
    None when it does not answer: then the app runs embedded and each request delivers its own mails."""
    url = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/14")
    try:
        Redis.from_url(url, socket_connect_timeout=2).flushdb()
    except (RedisError, OSError):
        return None
    return url


def start_gunicorn(url: str, port: int, workers: int, redis_url: str | None) -> subprocess.Popen:
    environment = dict(os.environ, DATABASE_URL=url, SECRET_KEY="load-test-secret", WEB_CONCURRENCY=str(workers),
                       GUNICORN_BIND=f"127.0.0.1:{port}", LOGIN_LIMIT_PER_ADDRESS="100000 per minute",
                       LOGIN_LIMIT_PER_ACCOUNT="100000 per minute", SWEEP_IN_PROCESS="0", LOG_LEVEL="warning")
    environment.pop("REDIS_URL", None)
    if redis_url:
        environment["REDIS_URL"] = redis_url
    server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
                               "tracker:create_app()"], cwd=ROOT, env=environment,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            # A fixed http:// URL of the gunicorn this script started on loopback
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):  # nosec B310
                return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


def server_cpu_seconds(group: int) -> float | None:
    """CPU seconds (user + system) used so far by gunicorn's process group: the master, its live workers and the
    workers it has replaced. Read from /proc (Linux); None elsewhere."""
    ticks, total = os.sysconf("SC_CLK_TCK"), 0
    try:
        entries = [entry for entry in os.listdir("/proc") if entry.isdigit()]
    except OSError:
        return None
    for entry in entries:
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended meanwhile
        if int(fields[2]) == group:  # field 5 of stat, the process group
            # utime and stime, and cutime and cstime: the master's include the workers it has already replaced
            # (``max_requests``), whose own entries are gone.
            total += sum(int(value) for value in fields[11:15])
    return total / ticks


def run_users(base: str, stage: dict, users: int, seconds: int, seed: int) -> Recorder:
    recorder = Recorder()
    rng = random.Random(seed)
    # A realistic mix: half clerks, three in ten employer users, two in ten applicants on their status page.
    mix = ("clerk", "employer", "clerk", "applicant", "clerk", "employer", "clerk", "applicant", "clerk", "employer")
    roles = [mix[number % len(mix)] for number in range(users)]
    if not stage["employers"]:
        roles = ["clerk" if role == "employer" else role for role in roles]
    if not stage["applicants"]:
        roles = ["clerk" if role == "applicant" else role for role in roles]
    deadline = time.monotonic() + seconds
    failures: list[BaseException] = []

    def work(number: int, role: str) -> None:
        local = random.Random(rng.random())
        browser = Browser(base, recorder)
        try:
            if role == "clerk":
                browser.log_in(stage["clerks"][number % len(stage["clerks"])], _seed_password())
                step = clerk_round
            elif role == "applicant":
                reference, code = stage["applicants"][number % len(stage["applicants"])]
                _, entry = browser.request("applicant: entry form", "/status")
                browser.request("applicant: entry", "/status",
                                {"csrf_token": _csrf(entry), "reference": reference, "code": code})
                step = applicant_round
            else:
                browser.log_in(stage["employers"][number % len(stage["employers"])], EMPLOYER_PASSWORD)
                step = employer_round
            round_number = 0
            while time.monotonic() < deadline:
                step(browser, local, round_number)
                round_number += 1
        except BaseException as failure:  # reported after the run
            failures.append(failure)

    threads = [threading.Thread(target=work, args=(number, role)) for number, role in enumerate(roles)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        say(f"{len(failures)} virtual user(s) stopped early: {failures[0]!r}")
    return recorder


def _seed_password() -> str:
    from tracker.seed import SEED_PASSWORD
    return SEED_PASSWORD


def report(recorder: Recorder, seconds: int) -> bool:
    say(f"\n{'page':28} {'requests':>9} {'per s':>7} {'median':>9} {'p95':>9}  errors")
    worst, errors = 0.0, 0
    for page in sorted(recorder.samples):
        samples = sorted(recorder.samples[page])
        median = samples[len(samples) // 2]
        p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
        failed = len(recorder.errors[page])
        errors += failed
        if not page.startswith(("login", "applicant: entry")):  # once per user, a password-strength hash
            worst = max(worst, p95)
        say(f"{page:28} {len(samples):>9,} {len(samples) / seconds:>7.1f} {median:>7.1f}ms {p95:>7.1f}ms  {failed}")
    for page, found in recorder.errors.items():
        for error in sorted(set(found))[:3]:
            say(f"  {page}: {error}")
    ok = worst <= GOAL_MS and errors == 0
    say(f"\nslowest page p95 {worst:.1f} ms (goal <= {GOAL_MS} ms), {errors} errors (goal 0)  "
        f"{'PASS' if ok else 'MISS'}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1,
                        help="gunicorn workers (default as deploy/gunicorn.conf.py: cores + 1)")
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--keep", action="store_true", help="keep the tracker_load database for another run")
    args = parser.parse_args(argv)

    given = os.environ.get("BENCH_DATABASE_URL")
    server_engine = sa.create_engine(DEFAULT_SERVER, isolation_level="AUTOCOMMIT")
    if given:
        url = _psycopg_url(given)
    else:
        url = sa.engine.make_url(DEFAULT_SERVER).set(database=LOAD_DATABASE).render_as_string(hide_password=False)
        with server_engine.connect() as connection:
            if not connection.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                      {"name": LOAD_DATABASE}).scalar():
                connection.execute(sa.text(f'CREATE DATABASE "{LOAD_DATABASE}"'))

    from tracker import create_app
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "REDIS_URL": None})
    stage = prepare(app, args.cases, args.seed)
    say(f"load test: {stage['cases']:,} cases, {args.users} users ({len(stage['clerks'])} clerk accounts, "
        f"{len(stage['employers'])} employer accounts, {len(stage['applicants'])} access codes), {args.seconds} s, gunicorn with {args.workers} workers; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    redis_url = job_redis()
    say(f"jobs: {'queued in Redis ' + redis_url + ' (no worker runs: the mails wait there)' if redis_url else 'no Redis: each request delivers its own mails (embedded mode)'}")
    port = free_port()
    server = start_gunicorn(url, port, args.workers, redis_url)
    try:
        server_before, own_before = server_cpu_seconds(server.pid), time.process_time()
        recorder = run_users(f"http://127.0.0.1:{port}", stage, args.users, args.seconds, args.seed)
        server_after, own_after = server_cpu_seconds(server.pid), time.process_time()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
        if redis_url:
            Redis.from_url(redis_url).flushdb()
        if not given and not args.keep:
            with server_engine.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{LOAD_DATABASE}" WITH (FORCE)'))
        server_engine.dispose()
    report(recorder, args.seconds)
    if server_before is not None and server_after is not None:
        # Both sides share this machine's cores: what the virtual users take is lost to the server.
        say(f"CPU during the run: gunicorn {server_after - server_before:.0f} s, the virtual users "
            f"{own_after - own_before:.0f} s, of {args.seconds * (os.cpu_count() or 1)} s on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
