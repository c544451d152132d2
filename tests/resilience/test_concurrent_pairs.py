"""200 pairs of clerks changing the same case at the same moment, all 400 changes sent at once, through gunicorn with several workers on
PostgreSQL, with CSRF and sessions as in production: in each pair exactly one change applies, the other clerk gets
the conflict message with the form kept (409); nothing is lost or applied twice, and the audit trail verifies."""
from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import select

from tests.conftest import create_postgres_database, drop_postgres_database
from tests.factories import Factory
from tests.operations.conftest import make_app, migrate_to_head
from tests.operations.test_gunicorn import ROOT, free_port
from tracker.audit.models import Event, EventKind
from tracker.cases.models import Case
from tracker.cases.queries import verify_audit_trail
from tracker.extensions import db

pytestmark = pytest.mark.resilience
PAIRS = 200
CONFLICT = "Der Fall wurde inzwischen von jemand anderem geändert."


class Browser:
    """One clerk's browser: cookies, the CSRF token of the session, no redirects followed."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  self._NoRedirect())

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def token(self, page: str) -> str:
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    def login(self, email: str) -> None:
        _, page = self.request("/login")
        status, _ = self.request("/login", {"csrf_token": self.token(page), "email": email,
                                            "password": "correct horse battery"})
        assert status == 302


@pytest.fixture
def server(tmp_path):
    url = create_postgres_database("tracker_pairs")
    app = make_app(url)
    migrate_to_head(app)
    with app.app_context():
        make = Factory()
        office = make.office()
        clerks = [make.user(office=office), make.user(office=office)]
        cases = [make.case(office=office, actor=clerks[0]).id for _ in range(PAIRS)]
        emails = [clerk.email for clerk in clerks]
        db.session.remove()
        db.engine.dispose()
    port = free_port()
    environment = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "test-secret", "WEB_CONCURRENCY": "4",
                   "GUNICORN_BIND": f"127.0.0.1:{port}", "REDIS_URL": "", "TRACKER_ENV": "development"}
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
                                "tracker:create_app()"], cwd=ROOT, env=environment, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if Browser(base).request("/healthz")[0] == 200:
                break
        except OSError:
            pass
        assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()
        time.sleep(0.2)
    yield base, app, cases, emails
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=40)
    log.close()
    with app.app_context():
        db.engine.dispose()
    drop_postgres_database(url)


def test_conflicting_pairs_through_several_workers_lose_nothing(server):
    base, app, cases, emails = server
    browsers = [Browser(base), Browser(base)]
    for browser, email in zip(browsers, emails):
        browser.login(email)
    steps = [("confirm_receipt_incomplete", {"documents": "diploma"}), ("withdraw", {"reason": "Schreiben vom Antragsteller"})]
    forms = {}
    for case_id in cases:
        for index, browser in enumerate(browsers):  # both clerks open the case and see the same version
            _, page = browser.request(f"/cases/{case_id}")
            version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
            forms[case_id, index] = {"csrf_token": browser.token(page), "version": version}
    # Then every change of every pair at once: 400 requests in flight against the workers.
    start = threading.Barrier(2 * len(cases))
    results = {}

    def send(case_id: int, index: int) -> None:
        transition, inputs = steps[index]
        start.wait()
        results[case_id, index] = browsers[index].request(f"/cases/{case_id}/transitions/{transition}",
                                                           {**forms[case_id, index], **inputs})

    threads = [threading.Thread(target=send, args=(case_id, index)) for case_id in cases for index in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcomes = [(case_id, [results[case_id, 0], results[case_id, 1]]) for case_id in cases]

    for case_id, results in outcomes:
        statuses = sorted(status for status, _ in results)
        assert statuses == [302, 409], (case_id, statuses)
        loser = next(body for status, body in results if status == 409)
        assert CONFLICT in loser
    with app.app_context():
        for case_id, results in outcomes:
            winner = 0 if results[0][0] == 302 else 1
            case = db.session.get(Case, case_id)
            assert case.state == ("incomplete", "withdrawn")[winner]
            applied = db.session.scalars(select(Event.subject).where(Event.case_id == case_id,
                                                                     Event.kind == EventKind.TRANSITION)).all()
            assert applied == [steps[winner][0]]  # the winner's step, once; the loser's never
        assert list(verify_audit_trail()) == []
        db.session.remove()
