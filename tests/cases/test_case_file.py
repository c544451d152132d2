"""The case file page: header, the actions allowed now, refusals and conflicts, timeline and internal notes."""
from __future__ import annotations

import re
from datetime import date

import pytest

from tracker.audit.service import case_events
from tracker.cases import service
from tracker.cases.models import Case, Note
from tracker.cases.sweep import sweep
from tracker.extensions import db


def step(case, transition_id, actor, **inputs):
    service.apply_transition(case, transition_id, actor, inputs)
    db.session.commit()


def offered_actions(page: str) -> list[str]:
    return re.findall(r'action="/cases/\d+/transitions/(\w+)"', page)


def listed_steps(page: str) -> list[str]:
    return re.findall(r'<details class="action"[^>]*id="action-(\w+)">', page)


def action_form(page: str, transition_id: str) -> str:
    return re.search(rf'<details class="action"[^>]*id="action-{transition_id}">.*?</details>', page, re.S).group(0)


def version_in(form_html: str) -> str:
    return re.search(r'name="version" type="hidden" value="(\d+)"', form_html).group(1)


def fresh(case) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case.id)


@pytest.fixture
def case(make, office, clerk):
    employer = make.employer(name="Pflege Erfurt GmbH")
    case = make.case(office=office, actor=clerk, employer=employer, received_on=date(2026, 2, 27),
                     applicant=make.person(given="Thi Anh", family="Tran"))
    make.authorisation(case, actor=clerk)  # the applicant authorised the employer: its users see the case
    return case


def test_header_shows_reference_procedure_state_parties_and_clerk(client, login, case, clerk):
    service.assign(case, clerk, clerk)
    db.session.commit()
    login(clerk)

    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    header = page[page.index('<div class="case-header">'):page.index('id="deadlines"')]

    assert case.reference in header
    assert "Anerkennung eines ausländischen Berufsabschlusses (BQFG" in header
    assert "Version 1" in header
    assert "Antrag eingegangen" in header  # the state in words, not "received"
    assert "Thi Anh Tran" in header and "Vietnam" in header
    assert "Pflege Erfurt GmbH" in header
    assert "Anerkennungsstelle Erfurt" in header
    assert "Clara Clerk" in header
    assert "27.02.2026" in header


def recognition_started(make, office):
    """A § 81a case whose immigration office started the recognition at ``office``; with its clerk."""
    immigration = make.office(kind="immigration_office", name="Ausländerbehörde Erfurt")
    immigration_clerk = make.user(role="immigration_clerk", office=immigration)
    parent = make.case("skilled-worker-81a", office=immigration, actor=immigration_clerk, employer=make.employer())
    step(parent, "conclude_agreement", immigration_clerk, date="2026-03-02", fee_paid_on="2026-03-02")
    step(parent, "start_recognition", immigration_clerk, procedure="recognition-bqfg",
         recognition_office=str(office.id))
    return parent, immigration_clerk


def test_header_names_the_linked_case_with_its_state(client, login, make, office):
    parent, immigration_clerk = recognition_started(make, office)
    child = parent.children[0]
    login(immigration_clerk)

    page = client.get(f"/cases/{parent.id}").get_data(as_text=True)

    assert f'<a href="/cases/{child.id}">{child.reference}</a>' in page
    assert "Antrag eingegangen" in page.split(child.reference, 1)[1].split("</dd>")[0]
    child_page = client.get(f"/cases/{child.id}").get_data(as_text=True)
    assert parent.reference in child_page
    assert "beschleunigt nach § 14a BQFG" in child_page


def test_only_the_actions_allowed_in_the_current_state_are_offered(client, login, case, clerk):
    login(clerk)

    page = client.get(f"/cases/{case.id}").get_data(as_text=True)

    assert listed_steps(page) == ["confirm_receipt_complete", "confirm_receipt_incomplete", "withdraw"]
    assert "grant_full_equivalence" not in page
    # The one that cannot be done yet says why, naming the documents, and offers nothing to send: it could only
    # be refused.
    blocked = action_form(page, "confirm_receipt_complete")
    assert "Noch nicht möglich: Es fehlen noch Pflichtunterlagen: Identitätsnachweis" in blocked
    assert "<form" not in blocked and "<button" not in blocked
    assert offered_actions(page) == ["confirm_receipt_incomplete", "withdraw"]
    # Each form asks for what the definition requires: documents for "incomplete"; every step the date of its fact
    # (a withdrawal takes effect on receipt).
    assert 'name="effective_on"' in action_form(page, "withdraw")
    assert 'type="checkbox" name="documents" value="passport"' in action_form(page, "confirm_receipt_incomplete")


def test_a_pre_approval_no_purpose_could_pass_yet_gets_no_form(client, login, make, office):
    """While the recognition runs, every purpose of the pre-approval would be refused: it is listed with why."""
    parent, immigration_clerk = recognition_started(make, office)
    step(parent, "record_ba_approval_not_required", immigration_clerk, reason="§ 39(1) AufenthG")
    login(immigration_clerk)

    blocked = action_form(client.get(f"/cases/{parent.id}").get_data(as_text=True), "issue_pre_approval")

    assert "Noch nicht möglich: Eine Vorabzustimmung setzt die festgestellte Gleichwertigkeit voraus" in blocked
    assert "<form" not in blocked and "<button" not in blocked


def test_the_actions_change_with_the_state(client, login, case, clerk):
    step(case, "confirm_receipt_incomplete", clerk, documents="passport, diploma")
    login(clerk)

    actions = offered_actions(client.get(f"/cases/{case.id}").get_data(as_text=True))

    assert "request_missing_documents" in actions and "refuse" in actions
    assert "confirm_receipt_incomplete" not in actions


def test_a_closed_case_offers_no_actions(client, login, case, clerk):
    step(case, "withdraw", clerk, effective_on="2026-03-02")
    login(clerk)

    page = client.get(f"/cases/{case.id}").get_data(as_text=True)

    assert offered_actions(page) == []
    assert "Antrag zurückgenommen" in page


def test_a_refused_action_says_why_and_keeps_what_was_typed(client, login, case, clerk):
    login(clerk)
    version = case.version

    response = client.post(f"/cases/{case.id}/transitions/withdraw", data={"effective_on": "2026-03-10", "version": version})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Das Datum des Ereignisses darf nicht in der Zukunft liegen." in page
    assert 'value="2026-03-10"' in action_form(page, "withdraw")
    assert fresh(case).state == "received"


def test_a_guard_refusal_on_submit_names_the_missing_documents(client, login, case, clerk):
    login(clerk)

    response = client.post(f"/cases/{case.id}/transitions/confirm_receipt_complete", data={"version": case.version})

    assert response.status_code == 422
    assert "Es fehlen noch Pflichtunterlagen: Identitätsnachweis" in response.get_data(as_text=True)
    assert fresh(case).state == "received"


def test_a_missing_input_is_reported_at_the_field(client, login, case, clerk):
    login(clerk)

    response = client.post(f"/cases/{case.id}/transitions/confirm_receipt_incomplete", data={"version": case.version})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Bitte prüfen Sie Ihre Eingaben." in page
    assert 'id="tr-confirm_receipt_incomplete-documents-error"' in action_form(page, "confirm_receipt_incomplete")


def test_an_action_from_another_state_is_refused_with_the_reason(client, login, case, clerk):
    login(clerk)

    response = client.post(f"/cases/{case.id}/transitions/grant_full_equivalence",
                           data={"date": "2026-03-02", "version": case.version})

    assert response.status_code == 422
    assert "ist im Status „Antrag eingegangen“ nicht möglich" in response.get_data(as_text=True)
    assert fresh(case).state == "received"


def test_a_colleague_s_change_is_reported_and_nothing_is_overwritten(client, login, make, office, case, clerk):
    colleague = make.user(office=office, name="Max Kollege")
    login(clerk)
    loaded = client.get(f"/cases/{case.id}").get_data(as_text=True)
    version_seen = version_in(action_form(loaded, "withdraw"))
    service.assign(fresh(case), colleague, colleague)  # meanwhile, at the next desk
    db.session.commit()

    response = client.post(f"/cases/{case.id}/transitions/withdraw",
                           data={"effective_on": "2026-03-01", "version": version_seen})

    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Der Fall wurde inzwischen von jemand anderem geändert" in page
    assert 'value="2026-03-01"' in action_form(page, "withdraw")
    assert "Max Kollege" in page  # the colleague's change is on screen
    current = fresh(case)
    assert (current.state, current.assignee_id) == ("received", colleague.id)
    assert "withdraw" not in [e.subject for e in case_events(case.id)]

    # Having seen the new state, the clerk sends the kept form again, and now it goes through.
    again = client.post(f"/cases/{case.id}/transitions/withdraw",
                        data={"effective_on": "2026-03-01", "version": version_in(action_form(page, "withdraw"))})
    assert again.status_code == 302
    assert fresh(case).state == "withdrawn"


def test_a_stale_document_change_is_a_conflict_too(client, login, make, office, case, clerk):
    login(clerk)
    stale = case.version
    service.set_document_status(case, "passport", "received", make.user(office=office))
    db.session.commit()

    response = client.post(f"/cases/{case.id}/documents/diploma", data={"status": "accepted", "version": stale})

    assert response.status_code == 409
    assert next(d for d in fresh(case).documents if d.document_id == "diploma").status == "missing"


def test_timeline_is_newest_first_and_marks_what_the_system_did(client, login, make, office, clerk):
    late = make.case(office=office, actor=clerk, received_on=date(2026, 1, 15))
    sweep()  # § 6(2) BQFG receipt confirmation was due 16.02.: the system records the breach
    step(fresh(late), "confirm_receipt_incomplete", clerk, documents="passport")
    login(clerk)

    page = client.get(f"/cases/{late.id}").get_data(as_text=True)
    timeline = page[page.index('id="timeline"'):]
    events = re.findall(r'<li class="event( event-system)?">(.*?)</li>', timeline, re.S)

    descriptions = [re.sub(r"\s+", " ", body) for _, body in events]
    confirmed = next(i for i, text in enumerate(descriptions)
                     if "Eingang bestätigen – Unterlagen fehlen → Eingang bestätigt – Unterlagen unvollständig" in text)
    breach = next(i for i, text in enumerate(descriptions) if "Frist „Eingangsbestätigung“ überschritten" in text)
    assert confirmed < breach < len(descriptions) - 1  # newest first
    assert "Fall angelegt" in descriptions[-1]
    assert events[breach][0] == " event-system"
    assert "System (automatisch)" in descriptions[breach]
    assert all(not marker for marker, body in events if "Clara Clerk" in body)


def test_timeline_says_who_when_what_and_why(client, login, case, clerk):
    step(case, "confirm_receipt_incomplete", clerk, documents="passport")
    login(clerk)
    client.post(f"/cases/{case.id}/transitions/refuse", data={
        "date": "2026-03-02", "ground": "not_eligible", "reason": "Kein ausländischer Abschluss vorgelegt",
        "version": fresh(case).version})

    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    letter, newest = re.findall(r'<li class="event">(.*?)</li>', page[page.index('id="timeline"'):], re.S)[:2]

    assert "Schreiben erstellt: Bescheid vom 02.03.2026" in letter  # the decision's letter, after its step
    assert "Clara Clerk" in newest
    assert "02.03.2026" in newest
    assert "Antrag ablehnen → Abgelehnt" in newest
    assert "Begründung: Kein ausländischer Abschluss vorgelegt" in newest
    assert "§ 7(2), § 15(3) BQFG" in newest


def test_staff_write_and_read_internal_notes(client, login, case, clerk):
    login(clerk)

    response = client.post(f"/cases/{case.id}/notes", data={"body": "Arbeitgeber ruft Freitag zurück."})

    assert response.status_code == 302
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    notes = page[page.index('id="notes"'):]
    assert "Arbeitgeber ruft Freitag zurück." in notes and "Clara Clerk" in notes
    assert "Interne Notiz hinzugefügt" in page


def test_a_note_keeps_its_line_breaks_as_messages_do(client, login, case, clerk):
    login(clerk)
    client.post(f"/cases/{case.id}/notes", data={"body": "Zeile 1\nZeile 2\n\nZeile 4"})
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    notes = page[page.index('id="notes"'):]
    # The line breaks reach the page, in the paragraph style that shows them (white-space: pre-wrap).
    assert '<p class="message-body">Zeile 1\nZeile 2\n\nZeile 4</p>' in notes.replace("\r\n", "\n")


def test_an_empty_note_is_refused(client, login, case, clerk):
    login(clerk)

    response = client.post(f"/cases/{case.id}/notes", data={"body": "  "})

    assert response.status_code == 422
    assert db.session.query(Note).count() == 0


def test_an_employer_sees_its_case_but_not_the_internal_notes_and_cannot_write_one(
        client, login, make, case, clerk):
    service.add_note(case, clerk, "Vertraulich: Zweifel an der Echtheit des Diploms")
    db.session.commit()
    employer_user = make.user(role="employer", employer=case.employer)
    login(employer_user)

    response = client.get(f"/cases/{case.id}", follow_redirects=True)
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert response.request.path == f"/portal/cases/{case.id}"  # employers read the case in the portal
    assert case.reference in page
    assert "Zweifel an der Echtheit" not in page
    assert "Interne Notiz" not in page  # neither the note nor that one was written
    assert clerk.name not in page
    assert client.post(f"/cases/{case.id}/notes", data={"body": "Hallo"}).status_code == 403
    assert db.session.query(Note).count() == 1


def test_an_employer_cannot_change_the_documents_checklist(client, login, make, case):
    login(make.user(role="employer", employer=case.employer))

    page = client.get(f"/cases/{case.id}", follow_redirects=True).get_data(as_text=True)
    response = client.post(f"/cases/{case.id}/documents/diploma", data={"status": "accepted",
                                                                         "version": case.version})

    # No form that sets a checklist item's status (the employer's door is the portal's upload, which only marks
    # an item received through the verb).
    assert f'action="/cases/{case.id}/documents/' not in page
    assert offered_actions(page) == []  # no recognition step is the employer's
    assert response.status_code == 403
    assert next(d for d in fresh(case).documents if d.document_id == "diploma").status == "missing"


def test_a_blocked_step_sent_anyway_keeps_what_was_typed_without_a_button(client, login, case, clerk):
    # E.g. from a page loaded before a colleague marked a document missing again: refused, the date kept to copy.
    login(clerk)

    response = client.post(f"/cases/{case.id}/transitions/confirm_receipt_complete",
                           data={"effective_on": "2026-03-02", "version": case.version})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    shown = action_form(page, "confirm_receipt_complete")
    assert "Es fehlen noch Pflichtunterlagen: Identitätsnachweis" in shown
    assert 'value="2026-03-02"' in shown
    assert "<button" not in shown
