"""``flask --app tracker worker --processes 2``, the RQ worker pool, as systemd runs it: a real master process and
its forked workers, on PostgreSQL, a private Redis and a real SMTP server.

A worker killed with SIGKILL in the middle of a delivery is replaced by the master within seconds, without a
restart of the unit, and the delivery it dropped reaches the receiver later, once; SIGTERM to the master stops the
pool cleanly."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.factories import Factory
from tests.resilience.test_outbox_faults import (LEASE_SECONDS, ROOT, assert_each_delivered_once, build_app,
                                                 database, owner_of_port, smtp)  # noqa: F401 (fixtures)
from tracker.extensions import db
from tracker.jobs.mail import pump_outbox
from tracker.notifications.events import Mail
from tracker.notifications.outbox import queue_mail

pytestmark = pytest.mark.resilience

PROCESSES = 2


def children_of(pid: int) -> set[int]:
    """The live child processes of ``pid`` (Linux: the parent id in /proc/<pid>/stat)."""
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(entry))
    return found


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s: {what}")


def write_mail(case, number: int) -> None:
    queue_mail(Mail(key=f"pool-{number}", kind="access_code", address="anh.nguyen@example.org", language="de",
                    subject=f"Ihr Verfahren {case.reference}", body="Guten Tag,\n", case_id=case.id))
    db.session.commit()  # put on Redis after the commit, for the pool


def test_the_pool_replaces_a_killed_worker_and_its_dropped_delivery_arrives_once(database, private_redis, smtp):
    app = build_app(database, private_redis.url, smtp)
    environment = {**os.environ, "DATABASE_URL": database, "REDIS_URL": private_redis.url,
                   "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp.port),
                   "OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS), "LOG_LEVEL": "WARNING"}
    master = subprocess.Popen([sys.executable, "-m", "flask", "--app", "tracker", "worker", "--processes",
                               str(PROCESSES)], cwd=ROOT, env=environment, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        first = wait_for(lambda: len(children_of(master.pid)) == PROCESSES and children_of(master.pid), 60,
                         f"{PROCESSES} workers started")
        recorder = smtp.recorder
        recorder.hold()
        with app.app_context():
            make = Factory()
            office = make.office()
            case = make.case(office=office, actor=make.user(office=office))
            write_mail(case, 0)
            port = wait_for(lambda: recorder.peers[:1], 30, "a worker talking to the mail server")[0]
            victim = owner_of_port(port, first)
            assert victim is not None, "the session at RCPT belongs to one of the pool's workers"
            os.kill(victim, signal.SIGKILL)  # mid-delivery: claimed, connected, stopped at RCPT
            recorder.release()
            replaced = wait_for(lambda: len(children_of(master.pid) - {victim}) == PROCESSES
                                and children_of(master.pid), 15, "the killed worker replaced")
            assert victim not in replaced and master.poll() is None  # the master lives on, no restart
            for number in range(1, 6):  # the pool keeps working meanwhile
                write_mail(case, number)
            time.sleep(LEASE_SECONDS + 1)  # the dropped delivery's lease ends ...
            assert pump_outbox() == 1  # ... and the scheduler's pump hands it to the pool again
            wait_for(lambda: len(recorder.message_ids()) >= 6, 60, "every message delivered")
            assert_each_delivered_once(smtp, 6)
            db.session.remove()
            db.engine.dispose()

        master.send_signal(signal.SIGTERM)  # systemctl stop (KillMode=mixed: the master alone)
        assert master.wait(timeout=30) == 0
        assert all(not os.path.exists(f"/proc/{pid}") for pid in replaced), "a worker outlived its master"
    finally:
        if master.poll() is None:
            master.kill()
            master.wait()
