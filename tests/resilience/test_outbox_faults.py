"""The outbox under faults (issue 12, faults 1 and 3), on PostgreSQL, a private Redis and a real SMTP server
(aiosmtpd) that counts every message it accepted.

Fault 1 — Redis stopped while clerks work: pages answer, changes commit, their e-mails wait in the outbox (the
enqueue after the commit fails, is logged, and fails no request); when Redis is back the pump (the scheduler's
job) enqueues them again and a worker delivers each exactly once.

Fault 3 — worker processes killed with SIGKILL in the middle of a delivery job, 20 times: every message is
delivered later, none twice.

Where the kill lands, and the window it avoids: each killed worker has claimed its row (``sending``) and holds an
open SMTP conversation, stopped by the server at RCPT: it is provably in the middle of the job, and the server has
not accepted the message. A kill *after* the server's ``250`` to DATA and *before* the commit of ``sent`` (one
database round trip) would leave a message delivered but not marked: the pump would send it again when the lease
ends, with the same Message-ID (fixed when the row was written), which lets the receiver drop the copy. That window
is inherent to SMTP (no two-phase commit); this test does not aim a kill into it, and the module docstring of
``tracker.notifications.delivery`` states it. Everything before it (claimed, connected, talking) is covered here.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import create_postgres_database, drop_postgres_database
from tests.factories import PASSWORD, Factory
from tests.notifications.smtp import SmtpServer
from tracker import create_app
from tracker.cases.models import Case
from tracker.extensions import db
from tracker.jobs.mail import pump_outbox
from tracker.jobs.queue import MAIL, get_queue
from tracker.jobs.worker import run_worker
from tracker.notifications.events import Mail
from tracker.notifications.models import OutboxMessage, OutboxStatus
from tracker.notifications.outbox import queue_mail

pytestmark = pytest.mark.resilience

#: Fault 1's outage; the issue asks for 60 s.
OUTAGE_SECONDS = float(os.environ.get("RESILIENCE_REDIS_OUTAGE_SECONDS", "60"))
#: Short leases, so lost jobs are found within seconds instead of minutes.
LEASE_SECONDS = 6
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def database():
    url = create_postgres_database("tracker_outbox")
    yield url
    drop_postgres_database(url)


def build_app(database: str, redis_url: str, smtp: SmtpServer):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database, "WTF_CSRF_ENABLED": False,
                      "REDIS_URL": redis_url, "RATELIMIT_STORAGE_URI": redis_url, "SECRET_KEY": "test-secret",
                      "SERVER_NAME": "tracker.test", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port,
                      "OUTBOX_LEASE_SECONDS": LEASE_SECONDS})
    with app.app_context():
        db.create_all()
    return app


def rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def assert_each_delivered_once(smtp: SmtpServer, expected: int) -> None:
    stored = rows()
    assert len(stored) == expected
    assert {row.status for row in stored} == {OutboxStatus.SENT}, [row.status for row in stored]
    received = smtp.recorder.message_ids()
    assert len(received) == expected, "lost or duplicated messages"
    assert sorted(received) == sorted(row.message_id for row in stored)  # each row once, none twice


def test_redis_stopped_while_clerks_work_loses_and_duplicates_no_mail(database, private_redis, smtp):
    app = build_app(database, private_redis.url, smtp)
    with app.app_context():
        make = Factory()
        office = make.office()
        clerk = make.user(office=office)
        employer = make.employer()
        make.user(role="employer", employer=employer)
        cases = [make.case(office=office, actor=clerk, employer=employer) for _ in range(4)]
        for case in cases:
            make.authorisation(case, actor=clerk)
        case_ids, email = [case.id for case in cases], clerk.email
        db.session.remove()
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302

    private_redis.stop()
    changes = pages = 0
    try:
        started = time.monotonic()
        while time.monotonic() - started < OUTAGE_SECONDS:
            case_id = case_ids[changes % len(case_ids)]
            with app.app_context():
                version = db.session.get(Case, case_id).version
                db.session.remove()
            status = "rejected" if changes % 2 == 0 else "received"  # only a rejection asks the parties
            changed = client.post(f"/cases/{case_id}/documents/diploma", data={
                "version": version, "status": status, "reason": "unleserlich"})
            assert changed.status_code == 302, changed.get_data(as_text=True)[:300]
            changes += 1
            for url in ("/cases", f"/cases/{case_id}"):
                assert client.get(url).status_code == 200
                pages += 1
            time.sleep(0.5)
    finally:
        private_redis.start()
    assert changes >= 10 and pages >= 20

    with app.app_context():
        waiting = rows()
        rejections = (changes + 1) // 2
        assert len(waiting) == rejections * 2  # the employer user and the applicant, per rejection
        assert {row.status for row in waiting} == {OutboxStatus.PENDING}  # all written, none delivered yet
        assert smtp.recorder.received() == []
        time.sleep(LEASE_SECONDS + 1)  # the leases of the jobs that never reached Redis end
        assert pump_outbox() == len(waiting)  # the scheduler's pump, now that Redis answers
        run_worker(app, burst=True)
        assert_each_delivered_once(smtp, len(waiting))
        assert pump_outbox() == 0
        db.session.remove()
        db.engine.dispose()


class Workers:
    """Real RQ worker processes (``run_worker``, what ``flask --app tracker worker`` runs), forked from one process
    that imported the app once (``worker_zygote``): a fork costs milliseconds where a fresh interpreter costs
    seconds on a busy machine."""

    def __init__(self, database: str, redis_url: str, smtp: SmtpServer):
        environment = {**os.environ, "DATABASE_URL": database, "REDIS_URL": redis_url, "MAIL_SERVER": "127.0.0.1",
                       "MAIL_PORT": str(smtp.port), "OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS),
                       "LOG_LEVEL": "WARNING"}
        self.zygote = subprocess.Popen([sys.executable, "-m", "tests.resilience.worker_zygote"], cwd=ROOT,
                                       env=environment, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       stderr=subprocess.DEVNULL, text=True)

    def start(self, burst: bool = False) -> int:
        self.zygote.stdin.write("burst\n" if burst else "spawn\n")
        self.zygote.stdin.flush()
        return int(self.zygote.stdout.readline())

    def close(self) -> None:
        self.zygote.stdin.close()
        self.zygote.wait(timeout=10)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


KILLS = 20
#: Workers waiting at once: starting a Python process costs seconds on a busy machine, so the next ones start
#: while the current one is being killed.
POOL = 4


def owner_of_port(port: int, workers: set[int]) -> int | None:
    """Which of our worker processes holds the local TCP port ``port`` (Linux: /proc/net/tcp, then the processes'
    socket inodes)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            for line in list(lines)[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(fields[9])
    for pid in workers:
        try:
            handles = os.listdir(f"/proc/{pid}/fd")
        except FileNotFoundError:
            continue
        for handle in handles:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{handle}")
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                return pid
    return None


def test_workers_killed_mid_delivery_20_times_lose_and_duplicate_no_mail(database, private_redis, smtp):
    app = build_app(database, private_redis.url, smtp)
    with app.app_context():
        make = Factory()
        office = make.office()
        clerk = make.user(office=office)
        case = make.case(office=office, actor=clerk)
        for number in range(KILLS):
            # One mail each (as the access code's mail is written), put on Redis after its commit.
            queue_mail(Mail(key=f"kill-{number}", kind="access_code", address="anh.nguyen@example.org",
                            language="de", subject=f"Ihr Verfahren {case.reference}", body="Guten Tag,\n",
                            case_id=case.id))
            db.session.commit()
        assert get_queue(MAIL, app).count == KILLS
        db.session.remove()

    recorder = smtp.recorder
    recorder.hold()
    spawner = Workers(database, private_redis.url, smtp)
    workers: set[int] = set()
    killed = seen = 0
    deadline = time.monotonic() + 60
    try:
        while killed < KILLS:
            assert time.monotonic() < deadline, f"only {killed} kills"
            while len(workers) < min(POOL, KILLS - killed):
                workers.add(spawner.start())
            if recorder.arrivals == seen:
                time.sleep(0.02)
                continue
            port = recorder.peers[seen]
            seen += 1
            pid = owner_of_port(port, workers)
            assert pid is not None, "the session at RCPT belongs to one of our workers"
            os.kill(pid, signal.SIGKILL)  # mid-job: claimed, connected, stopped at RCPT
            workers.discard(pid)
            killed += 1
        for pid in workers:
            os.kill(pid, signal.SIGKILL)  # idle ones (no job left), so the next phase starts clean
    finally:
        recorder.release()
    assert recorder.arrivals == KILLS
    assert recorder.received() == []  # nothing was accepted by the server while the workers died

    with app.app_context():
        assert {row.status for row in rows()} == {OutboxStatus.SENDING}  # claimed by jobs that died
        time.sleep(LEASE_SECONDS + 1)
        assert pump_outbox() == KILLS  # found as lost once their leases ended
        db.session.remove()
    survivor = spawner.start(burst=True)
    deadline = time.monotonic() + 60
    while alive(survivor) and time.monotonic() < deadline:
        time.sleep(0.1)
    spawner.close()
    with app.app_context():
        assert_each_delivered_once(smtp, KILLS)
        assert max(row.attempts for row in rows()) == 2  # the killed attempt and the one that sent it
        db.session.remove()
        db.engine.dispose()
