"""The message thread of a case: parties write to the office, clerks answer; unread messages show in the clerk's
queue (filter and marker) until any clerk of the office has read them; the audit trail names the message, never
its text; parties never see internal notes or clerks' names, in the thread or in the timeline."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tracker.audit.models import Event, EventKind
from tracker.cases import service
from tracker.extensions import db
from tracker.messages.models import Message
from tracker.messages.service import post_message


@pytest.fixture
def world(make):
    office = make.office()
    clerk = make.user(office=office, name="Clara Clerk")
    colleague = make.user(office=office, name="Konrad Kollege")
    employer = make.employer(name="Unsere GmbH")
    case = make.case(office=office, actor=clerk, employer=employer, received_on=date(2026, 2, 2), assignee=clerk)
    make.authorisation(case, actor=clerk)
    advisor = make.user(role="advisor", name="Ada Advisor")
    make.grant(employer, advisor=advisor)
    return case, clerk, colleague, make.user(role="employer", employer=employer, name="Erika Employer"), advisor


def test_an_employer_s_message_waits_in_the_queue_until_a_clerk_of_the_office_reads_it(client, login, world):
    case, clerk, colleague, employer_user, _advisor = world
    login(employer_user)
    response = client.post(f"/portal/cases/{case.id}/messages", data={"body": "Wann kommt der Bescheid?\nDanke"})
    assert response.status_code == 302 and response.location.endswith("#messages")
    client.post("/logout")

    message = db.session.scalar(select(Message))
    assert (message.body, message.author_id, message.from_office, message.read_at) == (
        "Wann kommt der Bescheid?\nDanke", employer_user.id, False, None)
    event = db.session.scalar(select(Event).where(Event.kind == EventKind.MESSAGE))
    assert event.data["message_id"] == message.id and len(event.data["sha256"]) == 64
    assert "Bescheid" not in str(event.data) + event.reason  # the audit trail names the message, not its text

    login(clerk)
    queue = client.get("/cases?unread=1").get_data(as_text=True)
    assert case.reference in queue and "1 ungelesene Nachricht" in queue
    assert "1 ungelesene Nachricht" in client.get("/cases").get_data(as_text=True)  # the marker, without filter
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Wann kommt der Bescheid?" in page and "Erika Employer" in page and "ungelesen" in page
    client.post("/logout")

    login(colleague)  # the office reads as one: whoever reads, reads for the team
    assert client.post(f"/cases/{case.id}/messages/read").status_code == 302
    assert case.reference not in client.get("/cases?unread=1").get_data(as_text=True)
    assert "gelesen von Konrad Kollege" in client.get(f"/cases/{case.id}").get_data(as_text=True)
    client.post("/logout")
    login(clerk)
    assert case.reference not in client.get("/cases?unread=1").get_data(as_text=True)


def test_a_clerk_s_answer_reads_the_thread_and_reaches_the_employer_as_the_authority(client, login, world):
    case, clerk, _colleague, employer_user, _advisor = world
    post_message(case, "Bitte senden Sie das Zeugnis.", author_user=employer_user)
    db.session.commit()
    login(clerk)

    response = client.post(f"/cases/{case.id}/messages", data={"body": "Der Bescheid folgt nächste Woche."})

    assert response.status_code == 302
    assert case.reference not in client.get("/cases?unread=1").get_data(as_text=True)  # who answers has read
    client.post("/logout")
    login(employer_user)
    page = client.get(f"/portal/cases/{case.id}").get_data(as_text=True)
    thread = page.split('id="messages-heading"', 1)[1].split("</section>", 1)[0]
    assert "Der Bescheid folgt nächste Woche." in thread and "Behörde" in thread
    assert "Clara Clerk" not in page


def test_an_advisor_writes_in_the_thread_and_sees_no_internal_event_and_no_clerk_s_name(client, login, world):
    case, clerk, _colleague, _employer_user, advisor = world
    service.add_note(case, clerk, "Arbeitgeber wirkt unzuverlässig")
    service.set_document_status(case, "diploma", "requested", clerk)
    db.session.commit()
    login(advisor)

    assert client.post(f"/portal/cases/{case.id}/messages", data={"body": "Frage der ThAFF"}).status_code == 302
    assert client.get(f"/cases/{case.id}").location.endswith(f"/portal/cases/{case.id}")  # the advisor's door
    page = client.get(f"/portal/cases/{case.id}").get_data(as_text=True)

    assert "Frage der ThAFF" in page and "Beratung (ThAFF)" in page
    assert "Interne Notiz" not in page and "unzuverlässig" not in page
    assert "Clara Clerk" not in page  # neither in the timeline nor as the case's clerk
    assert "Behörde" in page.split('id="timeline-heading"', 1)[1]


def test_the_employer_s_timeline_leaves_out_internal_events_and_clerks_names(client, login, world, make):
    case, clerk, colleague, employer_user, _advisor = world
    service.add_note(case, clerk, "Rückfrage intern klären")
    service.assign(case, colleague, clerk)
    service.set_document_status(case, "diploma", "requested", clerk)
    db.session.commit()
    login(employer_user)

    page = client.get(f"/portal/cases/{case.id}").get_data(as_text=True)
    timeline = page.split('id="timeline-heading"', 1)[1]

    assert "Interne Notiz" not in page and "Rückfrage" not in page
    assert "Zuständigkeit" not in timeline
    assert "Clara Clerk" not in page and "Konrad Kollege" not in page
    assert "Behörde" in timeline and "angefordert" in timeline


@pytest.mark.parametrize("body, message", [("   ", "Bitte prüfen Sie Ihre Nachricht."),
                                           ("x" * 5001, "5000"),
                                           ("Hallo\x00", "Steuerzeichen"),
                                           ("Rechnung \u202efdp.exe", "Steuerzeichen")])
def test_an_empty_or_overlong_message_is_refused_keeping_nothing(client, login, world, body, message):
    case, _clerk, _colleague, employer_user, _advisor = world
    login(employer_user)

    response = client.post(f"/portal/cases/{case.id}/messages", data={"body": body})

    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(Message)) is None


def test_the_applicant_writes_through_the_same_verb(world):
    case, *_ = world

    message = post_message(case, "Ich habe eine Frage.", from_applicant=True)
    db.session.commit()

    assert message.author_role == "applicant" and message.author_id is None and message.read_at is None
    event = db.session.scalar(select(Event).where(Event.kind == EventKind.MESSAGE))
    assert event.actor_role == "applicant" and not event.is_system


def test_another_office_s_clerk_is_not_part_of_the_thread(make, world):
    case, clerk, *_ = world
    with pytest.raises(service.AccessDenied):
        post_message(case, "Hallo", author_user=make.user(office=make.office()))
    with pytest.raises(ValueError):
        post_message(case, "Hallo", author_user=clerk, from_applicant=True)


def test_a_party_writes_at_most_the_daily_number_of_messages_on_a_case(app, client, login, world):
    """The thread is the office's inbox: a party's flood is refused with a message saying why, the applicant counts
    as one author, and the office answers without limit."""
    case, clerk, _colleague, employer_user, advisor = world
    app.config["MESSAGES_PER_DAY"] = 2
    try:
        login(employer_user)
        for number in (1, 2):
            assert client.post(f"/portal/cases/{case.id}/messages", data={"body": f"Frage {number}"}).status_code == 302
        refused = client.post(f"/portal/cases/{case.id}/messages", data={"body": "Frage 3"})
        assert refused.status_code == 422
        page = refused.get_data(as_text=True)
        assert "schon 2 Nachrichten" in page and "Frage 3" in page  # the typed text is kept
        client.post("/logout")

        login(advisor)  # another author: a count of their own
        assert client.post(f"/portal/cases/{case.id}/messages", data={"body": "Beratung"}).status_code == 302
        client.post("/logout")

        for number in (1, 2):
            post_message(case, f"Antragstellerin {number}", from_applicant=True)
        with pytest.raises(service.CaseError, match="schon 2 Nachrichten"):
            post_message(case, "Antragstellerin 3", from_applicant=True)
        for number in range(3):
            post_message(case, f"Antwort {number}", author_user=clerk)
        db.session.commit()
    finally:
        app.config["MESSAGES_PER_DAY"] = 30

    bodies = [message.body for message in db.session.scalars(select(Message))]
    assert "Frage 3" not in bodies and "Antragstellerin 3" not in bodies and "Antwort 2" in bodies
