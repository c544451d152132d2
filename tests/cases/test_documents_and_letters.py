"""The documents checklist, requesting missing documents, and the letters (print view and PDF)."""
from __future__ import annotations

import re
from datetime import date

import pytest

from tracker import clock
from tracker.cases import service
from tracker.cases.models import Case
from tracker.extensions import db
from tracker.timers.models import Timer


def step(case, transition_id, actor, **inputs):
    service.apply_transition(case, transition_id, actor, inputs)
    db.session.commit()


def fresh(case) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case.id)


def document(case, document_id):
    return next(d for d in fresh(case).documents if d.document_id == document_id)


def checklist_row(page: str, document_id: str) -> str:
    return next(row for row in re.findall(r"<tr>.*?</tr>", page, re.S) if f"/documents/{document_id}\"" in row)


def letter_text(response) -> str:
    """The letter's body as one line of text (tags dropped), for asserting on sentences."""
    assert response.status_code == 200, response.status_code
    body = response.get_data(as_text=True).split('<main class="letter">')[1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def letter_link(page: str, title: str) -> str:
    """The print view's address of the newest letter with this title in the case file's list of letters."""
    links = re.findall(r'<li>' + re.escape(title) + r'[^<]*?vom [^<]*?:\s*<a href="([^"]+)"', page)
    assert links, title
    return links[-1]


def assert_pdf(response):
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")


@pytest.fixture
def case(make, office, clerk):
    return make.case(office=office, actor=clerk, received_on=date(2026, 2, 27),
                     applicant=make.person(given="Thi Anh", family="Tran"))


@pytest.fixture
def as_clerk(login, clerk):
    return login(clerk)


def mark(client, case, document_id, status, reason=""):
    return client.post(f"/cases/{case.id}/documents/{document_id}",
                       data={"status": status, "reason": reason, "version": fresh(case).version})


# --- checklist --------------------------------------------------------------------------------------------

def test_mark_a_document_received_then_accepted(client, as_clerk, case):
    assert mark(client, case, "passport", "received").status_code == 302
    assert document(case, "passport").status == "received"

    assert mark(client, case, "passport", "accepted").status_code == 302
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert document(case, "passport").status == "accepted"
    assert "<td>anerkannt</td>" in checklist_row(page, "passport")
    assert "Unterlage „Identitätsnachweis (Pass oder Personalausweis)“: anerkannt" in page  # timeline


def test_rejecting_a_document_needs_a_reason(client, as_clerk, case):
    response = mark(client, case, "diploma", "rejected", reason="   ")

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Bitte geben Sie an, warum das Dokument abgelehnt wird." in page
    row = checklist_row(page, "diploma")
    assert '<option selected value="rejected">' in row  # the choice is kept
    # The reason field is marked invalid and points at the message beside it; the message above takes the focus.
    reason = re.search(r'<input[^>]*id="doc-diploma-reason"[^>]*>', row).group(0)
    assert 'aria-invalid="true"' in reason and 'aria-describedby="doc-diploma-error"' in reason
    assert 'id="doc-diploma-error">Bitte geben Sie an, warum das Dokument abgelehnt wird.' in row
    assert re.search(r'id="error-summary" tabindex="-1" autofocus', page)
    assert document(case, "diploma").status == "missing"

    assert mark(client, case, "diploma", "rejected", reason="Kopie unleserlich").status_code == 302
    assert (document(case, "diploma").status, document(case, "diploma").reason) == ("rejected", "Kopie unleserlich")
    assert "abgelehnt: Kopie unleserlich" in client.get(f"/cases/{case.id}").get_data(as_text=True)


def test_a_received_document_is_rejected_as_its_row_shows_it_with_the_day_it_came(client, as_clerk, case):
    """Browser review: the row shows the day a received document came; choosing "abgelehnt" and a reason was
    refused until the clerk found and emptied that date field. The day shown goes with the status; one typed
    stays refused (the e2e test of the review of the web journeys)."""
    assert mark(client, case, "passport", "received").status_code == 302
    shown = document(case, "passport").received_on
    assert f'value="{shown.isoformat()}"' in checklist_row(client.get(f"/cases/{case.id}").get_data(as_text=True),
                                                            "passport")

    response = client.post(f"/cases/{case.id}/documents/passport", data={
        "status": "rejected", "reason": "Kopie unleserlich", "received_on": shown.isoformat(),
        "version": fresh(case).version})

    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    passport = document(case, "passport")
    assert (passport.status, passport.reason, passport.received_on) == ("rejected", "Kopie unleserlich", None)
    typed = client.post(f"/cases/{case.id}/documents/diploma", data={
        "status": "rejected", "reason": "Kopie unleserlich", "received_on": shown.isoformat(),
        "version": fresh(case).version})
    assert typed.status_code == 422  # a day typed for a document never received is still refused


def test_an_unknown_document_is_refused(client, as_clerk, case):
    response = mark(client, case, "horoscope", "received")

    assert response.status_code == 422
    assert "Unbekanntes Dokument." in response.get_data(as_text=True)


def test_a_closed_case_s_checklist_no_longer_changes(client, as_clerk, case, clerk):
    service.apply_transition(fresh(case), "withdraw", clerk, {})
    db.session.commit()
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"/cases/{case.id}/documents/passport" not in page  # no form offered …

    response = mark(client, case, "passport", "received")  # … and none taken
    assert response.status_code == 422 and "Der Fall ist abgeschlossen" in response.get_data(as_text=True)
    assert document(case, "passport").status == "missing"


# --- requesting missing documents and the letters ---------------------------------------------------------

def test_letters_exist_only_once_their_event_happened(client, as_clerk, case, clerk):
    for kind in ("receipt", "documents_request", "decision", "pre_approval", "no-such-letter", "999999"):
        assert client.get(f"/cases/{case.id}/letters/{kind}").status_code == 404, kind
        assert client.get(f"/cases/{case.id}/letters/{kind}.pdf").status_code == 404, kind
    assert "Im jetzigen Stand gibt es kein Schreiben." in client.get(f"/cases/{case.id}").get_data(as_text=True)

    step(case, "confirm_receipt_incomplete", clerk, documents="diploma")

    assert client.get(f"/cases/{case.id}/letters/receipt").status_code == 200
    assert client.get(f"/cases/{case.id}/letters/documents_request").status_code == 404


def test_receipt_confirmation_names_the_receipt_date_and_the_missing_documents(client, as_clerk, case):
    for document_id in ("passport", "cv_german", "no_earlier_application"):
        mark(client, case, document_id, "received")

    response = client.post(f"/cases/{case.id}/transitions/confirm_receipt_incomplete",
                           data={"documents": ["diploma", "transcript"], "version": fresh(case).version})

    assert response.status_code == 302
    assert response.location.endswith("#letters")
    assert fresh(case).state == "incomplete"
    assert document(case, "diploma").status == document(case, "transcript").status == "requested"
    assert document(case, "passport").status == "received"
    text = letter_text(client.get(f"/cases/{case.id}/letters/receipt"))
    assert "Eingangsbestätigung" in text
    assert "am 27.02.2026 bei uns eingegangen" in text
    assert "Ausbildungsnachweis (Abschlusszeugnis, Diplom)" in text
    assert "Fächer- und Notenübersicht" in text
    assert "Identitätsnachweis" not in text
    assert "beginnt erst mit dem Eingang der vollständigen Unterlagen" in text
    assert "gehemmt" not in text  # § 6(2) s. 4 BQFG: the period has not started, nothing is suspended
    assert "§ 6(3) BQFG" in text
    assert_pdf(client.get(f"/cases/{case.id}/letters/receipt.pdf"))


def test_request_missing_documents_sets_the_deadline_and_offers_the_letter(client, as_clerk, case, clerk):
    step(case, "confirm_receipt_incomplete", clerk, documents="diploma, transcript")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "request_missing_documents" in page

    response = client.post(f"/cases/{case.id}/transitions/request_missing_documents", data={
        "due_date": "2026-03-31", "documents": ["diploma", "transcript"], "version": fresh(case).version})

    assert response.status_code == 302
    assert response.location.endswith("#letters")
    assert fresh(case).state == "awaiting_documents"
    for document_id in ("diploma", "transcript"):
        assert (document(case, document_id).status, document(case, document_id).requested_until) == (
            "requested", date(2026, 3, 31))
    assert document(case, "passport").requested_until is None
    deadline = db.session.query(Timer).filter_by(case_id=case.id, timer_id="documents_deadline").one()
    assert deadline.due_on == date(2026, 3, 31)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "<td>31.03.2026</td>" in checklist_row(page, "diploma")
    letter = letter_link(page, "Anforderung fehlender Unterlagen")
    assert client.get(letter).status_code == 200
    assert client.get(f"{letter}.pdf").status_code == 200


def test_request_missing_documents_needs_a_deadline_and_keeps_the_picked_items(client, as_clerk, case, clerk):
    step(case, "confirm_receipt_incomplete", clerk, documents="diploma, transcript")

    response = client.post(f"/cases/{case.id}/transitions/request_missing_documents", data={
        "documents": ["transcript"], "version": fresh(case).version})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    form = re.search(r'id="action-request_missing_documents">.*?</details>', page, re.S).group(0)
    assert 'value="transcript" id="tr-request_missing_documents-documents-3" checked' in form
    assert 'value="diploma" id="tr-request_missing_documents-documents-2" >' in form
    assert fresh(case).state == "incomplete"


def test_documents_request_letter_lists_the_items_the_deadline_and_the_suspension(client, as_clerk, case, clerk):
    step(case, "confirm_receipt_incomplete", clerk, documents="diploma, transcript")
    step(fresh(case), "request_missing_documents", clerk, due_date="2026-03-31", documents="transcript")

    text = letter_text(client.get(f"/cases/{case.id}/letters/documents_request"))

    assert "Anforderung fehlender Unterlagen" in text
    assert "Fächer- und Notenübersicht" in text
    assert "Ausbildungsnachweis" not in text  # only what was picked
    assert "bis zum 31.03.2026" in text
    # Before completeness the decision period has not started (§ 6(2) s. 4 BQFG): nothing to suspend.
    assert "gehemmt" not in text and "beginnt erst mit dem Eingang der vollständigen Unterlagen" in text
    english = letter_text(client.get(f"/cases/{case.id}/letters/documents_request", query_string={"lang": "en"}))
    assert "by 31 March 2026" in english and "suspended" not in english
    assert_pdf(client.get(f"/cases/{case.id}/letters/documents_request.pdf"))


def test_receipt_confirmation_gives_the_decision_deadline_once_documents_are_complete(
        client, as_clerk, case, clerk):
    step(case, "confirm_receipt_incomplete", clerk, documents="diploma")
    for d in fresh(case).documents:
        mark(client, case, d.document_id, "received")

    response = client.post(f"/cases/{case.id}/transitions/confirm_documents_complete",
                           data={"version": fresh(case).version})

    assert response.status_code == 302
    text = letter_text(client.get(f"/cases/{case.id}/letters/receipt"))
    assert "Ihre Unterlagen sind vollständig" in text
    assert "bis zum 02.06.2026" in text  # 3 months from 02.03.2026 (§ 6(3) BQFG)
    assert "§ 6(3)" in text
    assert_pdf(client.get(f"/cases/{case.id}/letters/receipt.pdf"))


def test_a_deadline_for_documents_during_review_suspends_the_decision_period(client, as_clerk, case, clerk):
    for d in fresh(case).documents:
        mark(client, case, d.document_id, "received")
    step(fresh(case), "confirm_receipt_complete", clerk)  # decision due 02.06.2026

    response = client.post(f"/cases/{case.id}/transitions/request_documents", data={
        "due_date": "2026-03-16", "documents": ["experience"], "version": fresh(case).version})

    assert response.status_code == 302
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "gehemmt bis 16.03.2026" in page
    assert "16.06.2026" in page  # § 6(4) BQFG: 14 days of suspension added to the decision period
    assert document(case, "experience").requested_until == date(2026, 3, 16)


def test_an_item_asked_for_again_by_hand_keeps_the_letters_day_only_while_it_is_to_come(client, as_clerk, case,
                                                                                         clerk):
    for d in fresh(case).documents:
        mark(client, case, d.document_id, "received")
    step(fresh(case), "confirm_receipt_complete", clerk)
    step(fresh(case), "request_documents", clerk, due_date=date(2026, 3, 16), documents="experience")
    mark(client, case, "experience", "received")
    mark(client, case, "experience", "rejected", reason="unleserlich")

    assert mark(client, case, "experience", "requested").status_code == 302
    assert document(case, "experience").requested_until == date(2026, 3, 16)  # the letter's day still stands
    assert "16.03.2026" in checklist_row(client.get(f"/cases/{case.id}").get_data(as_text=True), "experience")

    mark(client, case, "experience", "received")
    # Received, the item owes nothing: the checklist no longer shows the deadline it was requested under.
    assert "16.03.2026" not in checklist_row(client.get(f"/cases/{case.id}").get_data(as_text=True), "experience")
    clock.travel_to(date(2026, 3, 20))
    assert mark(client, case, "experience", "requested").status_code == 302
    assert (document(case, "experience").status, document(case, "experience").requested_until) == ("requested", None)


def test_a_deadline_on_the_day_it_is_set_is_refused_at_its_field(client, as_clerk, case, clerk):
    for d in fresh(case).documents:
        mark(client, case, d.document_id, "received")
    step(fresh(case), "confirm_receipt_complete", clerk)

    response = client.post(f"/cases/{case.id}/transitions/request_documents", data={
        "due_date": "2026-03-02", "documents": ["experience"], "version": fresh(case).version})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    field = re.search(r'<input[^>]*id="tr-request_documents-due_date"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in field and "tr-request_documents-due_date-error" in field
    message = re.search(r'id="tr-request_documents-due_date-error">([^<]*)<', page).group(1)
    assert "Die Frist muss nach dem Tag liegen, an dem sie gesetzt wird (02.03.2026)" in message
    assert "Frist bis" not in message  # under its label the message does not repeat it
    assert "Frist bis: Die Frist muss nach dem Tag liegen" in page  # the summary names the field once
    # The form's summary links to the field and takes the focus; the reason stays above the page as well.
    assert re.search(r'id="tr-request_documents-error-summary" autofocus>', page)
    assert 'href="#tr-request_documents-due_date"' in page
    assert 'id="error-summary" tabindex="-1">' in page  # no second autofocus
    assert document(case, "experience").requested_until is None


def test_every_problem_of_a_step_form_is_named_in_one_round(client, as_clerk, case, clerk):
    """Browser review: with the differences left empty and a date in the future, only the empty text was named;
    the date was refused only once the text was filled in and the form sent again."""
    for d in fresh(case).documents:
        mark(client, case, d.document_id, "received")
    step(fresh(case), "confirm_receipt_complete", clerk)

    response = client.post(f"/cases/{case.id}/transitions/issue_deficit_notice", data={
        "date": "2026-03-09", "differences": "", "version": fresh(case).version})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    date_error = re.search(r'id="tr-issue_deficit_notice-date-error">([^<]*)<', page).group(1)
    assert "Das Datum darf nicht in der Zukunft liegen." in date_error
    assert re.search(r'id="tr-issue_deficit_notice-differences-error">[^<]*\S', page)  # the empty text too
    assert fresh(case).state == "in_review"


def test_the_confirm_complete_button_is_refused_while_documents_are_missing(client, as_clerk, case, clerk):
    step(case, "confirm_receipt_incomplete", clerk, documents="diploma")
    mark(client, case, "passport", "received")

    response = client.post(f"/cases/{case.id}/transitions/confirm_documents_complete",
                           data={"version": fresh(case).version})

    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Es fehlen noch Pflichtunterlagen: Ausbildungsnachweis" in text
    assert "Identitätsnachweis (Pass" not in text.split("Es fehlen noch Pflichtunterlagen:")[1].split(".")[0]


def test_pdf_letters_survive_names_outside_latin_1(client, as_clerk, make, office, clerk):
    case = make.case(office=office, actor=clerk, applicant=make.person(given="Thị Ánh", family="Nguyễn"))
    step(case, "confirm_receipt_incomplete", clerk, documents="diploma")

    assert_pdf(client.get(f"/cases/{case.id}/letters/receipt.pdf"))
    assert "Thị Ánh Nguyễn" in letter_text(client.get(f"/cases/{case.id}/letters/receipt"))


# --- § 81a pre-approval -----------------------------------------------------------------------------------

@pytest.fixture
def skilled_worker_case(make, office, clerk):
    """A § 81a case at the immigration office, its accelerated recognition opened at ``office``, BA cleared."""
    immigration = make.office(kind="immigration_office", name="Ausländerbehörde Erfurt")
    immigration_clerk = make.user(role="immigration_clerk", office=immigration, name="Ines Immigration")
    parent = make.case("skilled-worker-81a", office=immigration, actor=immigration_clerk,
                       employer=make.employer(name="Klinikum Weimar gGmbH"))
    step(parent, "conclude_agreement", immigration_clerk, date="2026-03-02", fee_paid_on="2026-03-02")
    step(parent, "start_recognition", immigration_clerk, procedure="recognition-bqfg",
         recognition_office=str(office.id))
    step(parent, "record_ba_approval_not_required", immigration_clerk, reason="§ 39(1) AufenthG")
    return parent, immigration_clerk


def test_pre_approval_needs_a_positive_recognition_then_gives_its_letter(client, login, skilled_worker_case, clerk):
    parent, immigration_clerk = skilled_worker_case
    recognition = parent.children[0]
    login(immigration_clerk)
    assert client.get(f"/cases/{parent.id}/letters/pre_approval").status_code == 404

    refused = client.post(f"/cases/{parent.id}/transitions/issue_pre_approval",
                          data={"date": "2026-03-02", "version": fresh(parent).version})
    assert refused.status_code == 422
    assert "Eine Vorabzustimmung setzt die festgestellte Gleichwertigkeit voraus" in refused.get_data(as_text=True)
    assert 'value="2026-03-02"' in refused.get_data(as_text=True)

    for d in recognition.documents:
        service.set_document_status(recognition, d.document_id, "received", clerk)
    step(recognition, "confirm_receipt_complete", clerk)
    step(fresh(recognition), "grant_full_equivalence", clerk, date="2026-03-02")

    issued = client.post(f"/cases/{parent.id}/transitions/issue_pre_approval",
                         data={"date": "2026-03-02", "version": fresh(parent).version})
    assert issued.status_code == 302
    assert fresh(parent).state == "pre_approval_issued"
    page = client.get(f"/cases/{parent.id}").get_data(as_text=True)
    assert client.get(letter_link(page, "Vorabzustimmung")).status_code == 200
    text = letter_text(client.get(f"/cases/{parent.id}/letters/pre_approval"))
    assert "Vorabzustimmung" in text
    assert "am 02.03.2026 die Vorabzustimmung" in text
    assert "§ 81a Abs. 3 Nr. 6 AufenthG" in text
    assert recognition.reference in text
    assert "Klinikum Weimar gGmbH" in text
    assert_pdf(client.get(f"/cases/{parent.id}/letters/pre_approval.pdf"))
    # The recognition body's own letters are not the immigration office's to print for the § 81a case.
    assert client.get(f"/cases/{parent.id}/letters/receipt").status_code == 404
