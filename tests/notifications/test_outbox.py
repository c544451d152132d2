"""E-mails through the outbox, counted on a real local SMTP server: one mail per change per recipient, in the
recipient's language, with a link and no personal data beyond the reference and a user's own name; written in the
change's transaction (a refused change writes none); retried after a failure; never sent twice."""
from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select


from tests.cases.test_transitions import open_skilled_worker_case, step
from tests.factories import PASSWORD
from tests.timers import complete_documents
from tracker import clock, create_app
from tracker.audit.models import EventKind
from tracker.audit.service import append_event
from tracker.auth.models import User
from tracker.cases import service
from tracker.cases.models import Case
from tracker.cases.sweep import sweep
from tracker.extensions import db
from tracker.jobs.mail import deliver_message, pump_outbox
from tracker.jobs.queue import MAIL, QUEUES, get_queue
from tracker.jobs.worker import run_worker
from tracker.notifications.delivery import deliver
from tracker.notifications.digest import write_digests
from tracker.notifications.events import Mail
from tracker.notifications.invitations import with_invitation_mail
from tracker.notifications.models import OutboxMessage, OutboxStatus
from tracker.notifications.outbox import queue_mail
from tracker.timers.models import Timer


class Scene:
    """A recognition case with an authorised employer of two users (one reads English) and an applicant."""

    def __init__(self, make, applicant_language="en"):
        self.office = make.office(kind="recognition_body")
        self.clerk = make.user(role="recognition_clerk", office=self.office, name="Clara Clerk")
        self.lead = make.user(role="team_lead", office=self.office, name="Tom Lead")
        self.employer = make.employer()
        self.boss = make.user(role="employer", employer=self.employer, name="Erika Chef")
        self.colleague = make.user(role="employer", employer=self.employer, name="John Staff")
        self.colleague.locale = "en"
        self.outsider = make.user(role="employer", employer=make.employer(), name="Otto Fremd")
        applicant = make.person(given="Anh Thi", family="Nguyen")
        applicant.email, applicant.preferred_language = "anh.nguyen@example.org", applicant_language
        db.session.commit()
        self.case = make.case("recognition-bqfg", office=self.office, actor=self.clerk, employer=self.employer,
                              applicant=applicant, assignee=self.clerk)
        make.authorisation(self.case, actor=self.clerk)


def rows(**where) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).filter_by(**where).order_by(OutboxMessage.id)))


def test_a_state_change_mails_each_party_once_in_their_language_without_personal_data(client, login, make, smtp):
    scene = Scene(make)
    login(scene.clerk)
    response = client.post(f"/cases/{scene.case.id}/transitions/confirm_receipt_incomplete",
                           data={"version": scene.case.version, "documents": "diploma"})
    assert response.status_code == 302

    received = smtp.received()
    assert sorted(message["To"] for message in received) == sorted(
        [scene.boss.email, scene.colleague.email, "anh.nguyen@example.org"])  # once each; not the outsider
    (applicant,) = smtp.to("anh.nguyen@example.org")
    (boss,) = smtp.to(scene.boss.email)
    (colleague,) = smtp.to(scene.colleague.email)
    reference = scene.case.reference
    assert applicant["Subject"] == f"Your case {reference}: new status"
    assert colleague["Subject"] == f"Your case {reference}: new status"
    assert boss["Subject"] == f"Ihr Verfahren {reference}: neuer Stand"
    text = applicant.get_content()
    assert text.startswith("Hello,\r\n") and "Receipt confirmed – documents incomplete" in text
    assert "Evidence of formal qualification" in text and "http://127.0.0.1:5000/status" in text
    assert f"/portal/cases/{scene.case.id}" in boss.get_content() and "Unterlagen unvollständig" in boss.get_content()
    for message in received:
        body = message.get_content()
        # Nothing personal: no applicant's name, no birth date, no nationality, no clerk.
        for personal in ("Anh", "Nguyen", "Thi", "1995", "Vietnam", "Clara", "Clerk"):
            assert not re.search(rf"\b{personal}\b", body + message["Subject"]), (personal, message["To"])
        assert reference in body
    # Users are greeted as an authority writes, with their full name, not the first given name alone.
    assert boss.get_content().startswith("Guten Tag Erika Chef,\r\n")
    assert colleague.get_content().startswith("Hello John Staff,\r\n")
    assert len(set(message["Message-ID"] for message in received)) == 3
    assert {row.status for row in rows()} == {OutboxStatus.SENT}


def test_a_refused_change_writes_no_mail(client, login, make, smtp):
    scene = Scene(make)
    login(scene.clerk)
    response = client.post(f"/cases/{scene.case.id}/transitions/confirm_receipt_incomplete",
                           data={"version": scene.case.version})  # the documents input is required
    assert response.status_code in (409, 422)
    assert rows() == [] and smtp.received() == []


def test_a_revoked_authorisation_ends_the_mails_at_once(make, smtp):
    scene = Scene(make, applicant_language="de")
    (authorisation,) = scene.case.authorisations
    service.revoke_authorisation(scene.case, authorisation.id, scene.clerk, "Vollmacht widerrufen")
    db.session.commit()
    step(scene.case, "confirm_receipt_incomplete", scene.clerk, documents="diploma")
    assert [message["To"] for message in smtp.received()] == ["anh.nguyen@example.org"]
    assert smtp.received()[0].get_content().startswith("Guten Tag,\r\n")


def test_a_document_request_names_the_document_and_the_date(make, smtp):
    scene = Scene(make)
    complete_documents(scene.case, scene.clerk)
    step(scene.case, "confirm_receipt_complete", scene.clerk)
    before = len(smtp.received())
    service.set_document_status(scene.case, "transcript", "rejected", scene.clerk, reason="unleserlich")
    db.session.commit()
    new = smtp.received()[before:]
    assert len(new) == 3
    (applicant,) = [message for message in new if message["To"] == "anh.nguyen@example.org"]
    assert applicant["Subject"] == f"Your case {scene.case.reference}: documents needed"
    assert "Transcript of subjects and grades" in applicant.get_content()
    assert "unleserlich" not in applicant.get_content()  # the reason is on the page, after login


def test_events_of_the_portal_features_are_mailed_from_the_event_alone(make, smtp):
    """Messages, uploads and access codes come from other features; their events are all the outbox needs."""
    scene = Scene(make)
    case = scene.case
    append_event(case, EventKind.MESSAGE, scene.clerk, subject="1")  # the authority writes: parties hear of it
    db.session.commit()
    assert sorted(message["To"] for message in smtp.received()) == sorted(
        [scene.boss.email, scene.colleague.email, "anh.nguyen@example.org"])
    assert all("new message" in m["Subject"] or "neue Nachricht" in m["Subject"] for m in smtp.received())

    count = len(smtp.received())
    append_event(case, EventKind.MESSAGE, scene.boss, subject="2")  # a party writes: staff read it in the digest
    append_event(case, EventKind.DOCUMENT_UPLOADED, scene.boss, subject="diploma")
    db.session.commit()
    assert len(smtp.received()) == count

    # A new access code: the issuing unit of work queues the mail that carries the code (tracker.applicant.mail);
    # the event alone sends no second one.
    append_event(case, EventKind.ACCESS_CODE_ISSUED, scene.clerk)
    db.session.commit()
    assert len(smtp.received()) == count


def test_the_sweep_tells_the_assigned_clerk_and_for_a_breach_the_team_lead(make, smtp):
    scene = Scene(make)
    complete_documents(scene.case, scene.clerk)
    step(scene.case, "confirm_receipt_complete", scene.clerk)
    smtp.messages.clear()
    decision = db.session.scalar(select(Timer).where(Timer.case_id == scene.case.id, Timer.timer_id == "decision"))
    clock.travel_to(decision.warn_on)
    sweep()
    assert [m["To"] for m in smtp.received()] == [scene.clerk.email]
    clock.travel_to(decision.due_on + timedelta(days=1))
    sweep()
    assert sorted(m["To"] for m in smtp.received()[1:]) == sorted([scene.clerk.email, scene.lead.email])
    assert all("Frist" in m["Subject"] for m in smtp.received())


def test_the_end_of_the_skilled_worker_procedure_reaches_the_open_recognition_s_clerk_at_once(make, smtp):
    worker = open_skilled_worker_case(make)
    step(worker.case, "conclude_agreement", worker.clerk, date="2026-03-02", fee_paid_on="2026-03-02")
    step(worker.case, "start_recognition", worker.clerk, procedure="recognition-bqfg",
         recognition_office=str(worker.body.id))
    (recognition_case,) = worker.case.children
    lead = make.user(role="team_lead", office=worker.body, name="Lena Leitung")
    service.assign(recognition_case, worker.body_clerk, lead)
    db.session.commit()
    smtp.messages.clear()

    step(worker.case, "withdraw", worker.clerk)

    told = [mail for mail in smtp.received() if recognition_case.reference in mail["Subject"]]
    assert [mail["To"] for mail in told] == [worker.body_clerk.email]  # the assigned clerk, not the team lead
    assert told[0]["Subject"] == (f"[{recognition_case.reference}] Fachkräfteverfahren {worker.case.reference} "
                                  "beendet: Verfahren zurückgenommen")
    body = told[0].get_content()
    assert "seit dem 02.03.2026 beendet" in body and f"/cases/{recognition_case.id}" in body


def test_the_daily_digest_lists_the_office_s_day_once_per_clerk(make, smtp):
    scene = Scene(make)
    clock.travel_to(date(2026, 3, 3))
    append_event(scene.case, EventKind.DOCUMENT_UPLOADED, scene.boss, subject="diploma")
    append_event(scene.case, EventKind.MESSAGE, scene.boss, subject="1")
    db.session.commit()
    smtp.messages.clear()
    clock.travel_to(date(2026, 3, 4))  # noon: after 06:00
    assert write_digests() == 2  # the clerk and the team lead of the office
    assert write_digests() == 0  # once per clerk and day
    digests = smtp.received()
    assert sorted(m["To"] for m in digests) == sorted([scene.clerk.email, scene.lead.email])
    body = digests[0].get_content()
    assert "Neue Unterlagen (1)" in body and "Neue Nachrichten (1)" in body and scene.case.reference in body
    assert "03.03.2026" in digests[0]["Subject"]


def one_mail(scene, case_id: int | None = None) -> Mail:
    """One e-mail written straight into the outbox (as a feature with its own mail does, e.g. the access code)."""
    return Mail(key=f"test:{uuid.uuid4().hex}", kind="access_code", address="anh.nguyen@example.org",
                language="en", subject="Your case: access to the status page", body="Hello,\n",
                case_id=case_id or scene.case.id)


def test_a_failed_delivery_is_retried_with_backoff_and_sent_once(make, smtp, app):
    app.config.update(OUTBOX_RETRY_SECONDS=60)
    smtp.fail_next = 2
    scene = Scene(make)
    queue_mail(one_mail(scene))
    db.session.commit()  # the first attempt right after the commit: refused (451)
    (row,) = rows()
    assert (row.status, row.attempts, smtp.refused) == (OutboxStatus.PENDING, 1, 1)
    assert row.next_attempt_at == clock.now() + timedelta(seconds=60) and row.last_error == "SMTPDataError 451"
    assert pump_outbox() == 0  # not due yet
    clock.advance(seconds=61)
    assert pump_outbox() == 1  # second attempt: refused again, backoff doubles
    (row,) = rows()
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 2)
    assert row.next_attempt_at == clock.now() + timedelta(seconds=120)
    clock.advance(seconds=121)
    assert pump_outbox() == 1
    (row,) = rows()
    assert (row.status, row.attempts, smtp.refused) == (OutboxStatus.SENT, 3, 2)
    assert smtp.message_ids() == [row.message_id]  # the Message-ID fixed at writing, on the one delivery
    assert deliver(row.id) == "skipped" and len(smtp.received()) == 1


def test_a_message_is_given_up_after_the_last_attempt(make, smtp, app):
    app.config.update(OUTBOX_MAX_ATTEMPTS=2, OUTBOX_RETRY_SECONDS=1)
    smtp.fail_next = 5
    scene = Scene(make)
    queue_mail(one_mail(scene))
    db.session.commit()
    clock.advance(seconds=2)
    pump_outbox()
    (row,) = rows()
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 2)
    clock.advance(days=1)
    assert pump_outbox() == 0 and smtp.received() == []
    app.config.update(OUTBOX_MAX_ATTEMPTS=8, OUTBOX_RETRY_SECONDS=60)


@pytest.fixture
def redis_app(app, redis_url):
    """A second app on the same database with REDIS_URL: the web process and the worker of production."""
    queued = create_app({"TESTING": True, "REDIS_URL": redis_url, "WTF_CSRF_ENABLED": False,
                         **{key: app.config[key] for key in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "SERVER_NAME",
                                                             "MAIL_SERVER", "MAIL_PORT", "MAIL_OUTBOX_DIR")}})
    with queued.app_context():
        for name in QUEUES:
            get_queue(name, queued).empty()
    yield queued
    with queued.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_same_job_enqueued_twice_sends_one_mail(app, make, smtp, redis_app):
    """Fault 4 of issue 12: a duplicated job (enqueued twice on purpose, as a retry or a second pump would)."""
    scene = Scene(make)
    case_id = scene.case.id
    with redis_app.app_context():
        queue_mail(one_mail(scene, case_id))
        db.session.commit()  # written in the transaction; this app's dispatcher puts the job on Redis
        (row,) = rows()
        queue = get_queue(MAIL, redis_app)
        queue.enqueue(deliver_message, row.id)  # and once more, on purpose
        assert queue.count == 2
        run_worker(redis_app, burst=True)
    assert smtp.message_ids() == [row.message_id]
    assert rows()[0].status == OutboxStatus.SENT


def test_redis_down_at_commit_fails_no_request_and_the_pump_delivers_later(client, login, make, smtp, app):
    """The change commits and the page answers; the row waits, leased, until the pump finds it."""
    scene = Scene(make)
    smtp.messages.clear()
    login(scene.clerk)
    app.config.update(REDIS_URL="redis://127.0.0.1:1/0")  # nobody listens there
    try:
        response = client.post(f"/cases/{scene.case.id}/transitions/confirm_receipt_incomplete",
                               data={"version": scene.case.version, "documents": "diploma"})
    finally:
        app.config.update(REDIS_URL=None)
    assert response.status_code == 302
    assert {row.status for row in rows(kind="transition")} == {OutboxStatus.PENDING}
    assert pump_outbox() == 0  # the lease of the lost job has not ended yet
    clock.advance(seconds=app.config["OUTBOX_LEASE_SECONDS"] + 1)
    assert pump_outbox() == 3  # without Redis the pump's jobs run at once
    assert len(smtp.received()) == 3 and {row.status for row in rows()} == {OutboxStatus.SENT}


def test_an_invitation_link_leaves_the_database_once_sent(make, smtp):
    worker = open_skilled_worker_case(make)
    step(worker.case, "conclude_agreement", worker.clerk, date=date(2026, 3, 2), fee_paid_on=date(2026, 3, 2))
    with_invitation_mail(service.invite_employer_contact, worker.case, worker.clerk, name="Petra Personal",
                         email="personal@pflege.example")
    db.session.commit()
    (mail,) = smtp.to("personal@pflege.example")
    assert "/invitation/" in mail.get_content()
    (row,) = rows(kind="invitation")
    assert row.status == OutboxStatus.SENT and row.body == ""


def _mail(key: str) -> Mail:
    return Mail(key=key, kind="digest", address=f"{key}@example.org", language="de", subject="Tagesübersicht",
                body="Text")


def test_a_mail_queued_in_a_savepoint_that_rolls_back_is_not_sent(smtp):
    queue_mail(_mail("kept-before"))
    with pytest.raises(RuntimeError):
        with db.session.begin_nested():
            queue_mail(_mail("dropped"))
            with db.session.begin_nested():
                queue_mail(_mail("dropped-inner"))
            raise RuntimeError("the step inside the savepoint failed")
    with db.session.begin_nested():
        queue_mail(_mail("kept-savepoint"))
    db.session.commit()
    assert [row.dedupe_key for row in rows()] == ["kept-before", "kept-savepoint"]
    assert sorted(message["To"] for message in smtp.received()) == [
        "kept-before@example.org", "kept-savepoint@example.org"]


def test_many_mails_of_one_commit_are_written_and_sent_each_once(smtp):
    keys = [f"many-{number}" for number in range(120)]
    for key in keys:
        queue_mail(_mail(key))
    db.session.commit()
    written = rows()
    assert sorted(row.dedupe_key for row in written) == sorted(keys)
    assert all(row.status == OutboxStatus.SENT and row.attempts == 1 for row in written)
    assert len({row.message_id for row in written}) == 120
    assert sorted(message["To"] for message in smtp.received()) == sorted(f"{key}@example.org" for key in keys)


def test_the_development_outbox_page_lists_the_mails_and_is_absent_in_production(client, login, make, app, tmp_path,
                                                                                  monkeypatch):
    # A folder of its own: the session's is shared with other tests (the demo's mails), and the page lists 200 files.
    monkeypatch.setitem(app.config, "MAIL_OUTBOX_DIR", str(tmp_path))
    scene = Scene(make)
    step(scene.case, "confirm_receipt_incomplete", scene.clerk, documents="diploma")
    employer_client = app.test_client()
    assert employer_client.post("/login", data={"email": scene.boss.email, "password": PASSWORD}).status_code == 302
    assert employer_client.get("/dev/outbox").status_code == 403  # admins only
    login(scene.clerk)
    # A clerk would read every office's access codes and invitation links there (security review).
    assert client.get("/dev/outbox").status_code == 403
    client.post("/logout")
    login(make.user(role="admin"))
    page = client.get("/dev/outbox").get_data(as_text=True)
    assert scene.case.reference in page and ".eml" in page
    name = re.search(r'href="/dev/outbox/([^"]+\.eml)"', page).group(1)
    assert scene.case.reference in client.get(f"/dev/outbox/{name}").get_data(as_text=True)
    assert client.get("/dev/outbox/..%2Fsecret_key").status_code == 404
    for bad in ("a" * 300 + ".eml", "a" * 5000 + ".eml", "..%2F..%2Fetc%2Fpasswd.eml", ".eml", "%2E%2E.eml"):
        assert client.get(f"/dev/outbox/{bad}").status_code == 404, bad  # a too long name was a 500 (OSError)
    assert client.get("/dev/outbox/%00.eml").status_code == 400  # control characters: refused at the edge
    production = create_app({"TESTING": True, "TRACKER_ENV": "production",
                             "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    assert not any(rule.rule.startswith("/dev") for rule in production.url_map.iter_rules())


def test_a_deadline_the_applicant_owes_is_announced_and_reminded_before_it_ends(make, smtp):
    scene = Scene(make)
    step(scene.case, "confirm_receipt_incomplete", scene.clerk, documents="diploma")
    smtp.messages.clear()
    step(scene.case, "request_missing_documents", scene.clerk, due_date="2026-03-16", documents="diploma")
    (request,) = smtp.to("anh.nguyen@example.org")
    assert "We still need: Evidence of formal qualification" in request.get_content()
    assert "by 16 Mar 2026" in request.get_content()
    (boss,) = smtp.to(scene.boss.email)
    assert "bis zum 16.03.2026" in boss.get_content()

    smtp.messages.clear()
    clock.travel_to(date(2026, 3, 13))  # three days before (warn_before: P3D)
    sweep()
    reminders = smtp.received()
    assert sorted(m["To"] for m in reminders) == sorted(
        [scene.boss.email, scene.colleague.email, "anh.nguyen@example.org"])
    (reminder,) = smtp.to("anh.nguyen@example.org")
    assert reminder["Subject"] == f"Reminder: deadline in case {scene.case.reference}"
    assert "16 Mar 2026" in reminder.get_content()
    sweep()
    assert len(smtp.received()) == 3  # a second sweep owes nothing more


def test_users_are_greeted_with_their_whole_name_without_an_organisation_in_brackets():
    from tracker.notifications.events import salutation_name

    assert salutation_name("Petra Neumann (Stadtwerke Erfurt)") == "Petra Neumann"
    assert salutation_name("  Lena Hoffmann (ThAFF) ") == "Lena Hoffmann"
    assert salutation_name("Thị Mai Nguyễn") == "Thị Mai Nguyễn"  # never cut to the first given name
    assert salutation_name("Anna (Anni) Schmidt") == "Anna (Anni) Schmidt"  # only a trailing addition goes
    assert salutation_name(None) == "" and salutation_name("") == ""


def test_a_request_mail_states_the_working_day_a_deadline_on_a_saturday_ends(make, smtp):
    """Entered Sat 14 Mar 2026, the deadline ends on Mon 16 Mar (§ 31(3) s. 1 VwVfG): the mail says the day the
    letter says; a day the letter names with reference to s. 2 stands."""
    scene = Scene(make)
    step(scene.case, "confirm_receipt_incomplete", scene.clerk, documents="diploma")
    smtp.messages.clear()
    step(scene.case, "request_missing_documents", scene.clerk, due_date="2026-03-14", documents="diploma")
    (request,) = smtp.to("anh.nguyen@example.org")
    assert "by 16 Mar 2026" in request.get_content() and "14 Mar" not in request.get_content()
    (boss,) = smtp.to(scene.boss.email)
    assert "bis zum 16.03.2026" in boss.get_content()

    step(scene.case, "record_documents_received", scene.clerk)
    smtp.messages.clear()
    step(scene.case, "request_missing_documents", scene.clerk, due_date="2026-03-14", end_day_named="yes",
         documents="diploma")
    (boss,) = smtp.to(scene.boss.email)
    assert "bis zum 14.03.2026" in boss.get_content()
