"""Letters are kept as sent: each step that owes one stores it with its date and text, the case file lists every
one, the print view and the PDF render the stored text; the letters say what the law says (issue 8, rule 14)."""
from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tests.addressed import applicant, case, office  # noqa: F401  (fixtures)
from tracker import clock
from tracker.audit.models import EventKind
from tracker.audit.service import case_events
from tracker.cases import service
from tracker.cases.models import Case
from tracker.extensions import db
from tracker.letters.models import LetterRecord
from tracker.procedures.vocabulary import DocumentStatus, LetterKind


def step(case, transition_id, actor, **inputs):
    service.apply_transition(case, transition_id, actor, inputs)
    db.session.commit()


def fresh(case) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case.id)


def letters(case, kind=None) -> list[LetterRecord]:
    query = select(LetterRecord).where(LetterRecord.case_id == case.id).order_by(LetterRecord.id)
    return list(db.session.scalars(query.where(LetterRecord.kind == kind) if kind else query))


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    body = response.get_data(as_text=True).split('<main class="letter">')[1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def pdf_text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages).split())


def decided_equivalent(case, actor) -> None:
    """Every document in, receipt confirmed complete, full equivalence decided on 2 Mar 2026."""
    mark_all_received(case, actor)
    step(fresh(case), "confirm_receipt_complete", actor)
    step(fresh(case), "grant_full_equivalence", actor, date="2026-03-02")


def mark_all_received(case, actor):
    for document in fresh(case).documents:
        service.set_document_status(case, document.document_id, DocumentStatus.RECEIVED, actor)
    db.session.commit()


def test_two_requests_are_two_letters_each_kept_with_its_own_deadline(client, login, case, clerk):
    step(case, "confirm_receipt_incomplete", clerk, documents="diploma, transcript")
    step(fresh(case), "request_missing_documents", clerk, due_date="2026-03-31", documents="diploma, transcript")
    step(fresh(case), "record_documents_received", clerk)
    clock.travel_to(date(2026, 4, 7))
    step(fresh(case), "request_missing_documents", clerk, due_date="2026-04-30", documents="transcript")

    first, second = letters(case, LetterKind.DOCUMENTS_REQUEST)
    assert (first.number, first.dated, second.number, second.dated) == (1, date(2026, 3, 2), 2, date(2026, 4, 7))
    login(clerk)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    listed = page[page.index('id="letters"'):page.index('id="letters"') + 3000]
    for record in (first, second):  # every request stays available, not only the latest
        assert f'href="/cases/{case.id}/letters/{record.id}"' in listed
        assert f'href="/cases/{case.id}/letters/{record.id}.pdf"' in listed
    assert "Anforderung fehlender Unterlagen\n      vom 02.03.2026" in listed
    assert "Anforderung fehlender Unterlagen (2)\n      vom 07.04.2026" in listed
    assert "bis zum 31.03.2026" in text_of(client.get(f"/cases/{case.id}/letters/{first.id}"))
    assert "bis zum 30.04.2026" in text_of(client.get(f"/cases/{case.id}/letters/{second.id}"))
    assert "Ausbildungsnachweis" in text_of(client.get(f"/cases/{case.id}/letters/{first.id}"))
    assert "Ausbildungsnachweis" not in text_of(client.get(f"/cases/{case.id}/letters/{second.id}"))
    assert "bis zum 31.03.2026" in pdf_text(client.get(f"/cases/{case.id}/letters/{first.id}.pdf"))


def test_a_letter_stays_as_sent_when_the_case_changes_afterwards(client, login, case, clerk, applicant):
    step(case, "confirm_receipt_incomplete", clerk, documents="diploma")
    applicant.street = "99 Phố Mới"
    db.session.commit()
    mark_all_received(case, clerk)
    step(fresh(case), "confirm_documents_complete", clerk)

    first, second = letters(case, LetterKind.RECEIPT)
    login(clerk)
    kept = text_of(client.get(f"/cases/{case.id}/letters/{first.id}"))
    assert "15 Phố Huế" in kept and "99 Phố Mới" not in kept
    assert "Ausbildungsnachweis" in kept  # still lists what was missing then
    assert "beginnt erst mit dem Eingang der vollständigen Unterlagen" in kept
    assert "99 Phố Mới" in text_of(client.get(f"/cases/{case.id}/letters/{second.id}"))


def test_each_letter_is_an_event_of_the_audit_trail(case, clerk):
    step(case, "confirm_receipt_incomplete", clerk, documents="diploma")

    events = case_events(case.id)
    transition = next(event for event in events if event.kind == EventKind.TRANSITION)
    letter = events[-1]  # after the step and the timers it met or started
    assert transition.subject == "confirm_receipt_incomplete"
    assert letter.kind == EventKind.LETTER and letter.subject == LetterKind.RECEIPT
    assert letter.data == {"letter": LetterKind.RECEIPT, "number": 1, "dated": "2026-03-02"}
    assert letters(case)[0].event_seq == transition.seq


def test_a_letter_has_sender_recipient_reference_and_date(client, login, case, clerk):
    step(case, "confirm_receipt_incomplete", clerk, documents="diploma")
    login(clerk)

    page = client.get(f"/cases/{case.id}/letters/receipt").get_data(as_text=True)
    sender = re.search(r'<address class="sender">(.*?)</address>', page, re.S).group(1)
    recipient = re.search(r'<address class="recipient">(.*?)</address>', page, re.S).group(1)
    assert [line.strip() for line in sender.split("<br>")] == [
        "Handwerkskammer Erfurt, Anerkennungsstelle", "Fischmarkt 13", "99084 Erfurt", "Telefon: 0361 000-6000",
        "E-Mail: anerkennung@hwk-erfurt.demo"]
    assert [line.strip() for line in recipient.split("<br>") if line.strip()] == [
        "Thị Ánh Nguyễn", "15 Phố Huế", "100000 Hà Nội", "VIETNAM"]
    assert f"Aktenzeichen: {case.reference}" in text_of(client.get(f"/cases/{case.id}/letters/receipt"))
    assert "Datum: 02.03.2026" in text_of(client.get(f"/cases/{case.id}/letters/receipt"))
    english = text_of(client.get(f"/cases/{case.id}/letters/receipt?lang=en"))
    assert "Phone: 0361 000-6000" in english and "Date: 2 March 2026" in english
    case_file = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "<dt>Anschrift</dt><dd>15 Phố Huế, 100000 Hà Nội, Vietnam</dd>" in case_file
    pdf = pdf_text(client.get(f"/cases/{case.id}/letters/receipt.pdf"))
    assert "Fischmarkt 13" in pdf and "15 Phố Huế" in pdf and "100000 Hà Nội" in pdf


def test_in_the_print_view_the_missing_documents_follow_their_lead_in(client, login, case, clerk):
    step(case, "confirm_receipt_incomplete", clerk, documents="diploma")
    login(clerk)

    page = client.get(f"/cases/{case.id}/letters/receipt").get_data(as_text=True)

    lead_in = page.index("Für die Prüfung fehlen noch folgende Unterlagen:")
    assert lead_in < page.index("<ul>") < page.index("Ausbildungsnachweis")
    pdf = pdf_text(client.get(f"/cases/{case.id}/letters/receipt.pdf"))
    assert pdf.index("fehlen noch folgende Unterlagen") < pdf.index("– Ausbildungsnachweis")


def test_the_receipt_asks_for_what_the_clerk_named_as_the_timeline_and_the_mail_do(client, login, case, clerk):
    # The checklist still shows other items as missing (not yet marked received); the clerk named the diploma only.
    step(case, "confirm_receipt_incomplete", clerk, documents="diploma")
    login(clerk)
    listed = text_of(client.get(f"/cases/{case.id}/letters/receipt")).split("folgende Unterlagen:", 1)[1]
    listed = listed.split("Die Frist", 1)[0]
    assert "Ausbildungsnachweis" in listed and "Identitätsnachweis" not in listed


def test_the_receipt_confirmation_never_calls_a_period_suspended_that_has_not_started(client, login, case, clerk):
    step(case, "confirm_receipt_incomplete", clerk, documents="diploma")
    login(clerk)

    for lang, receipt, not_started, suspended in (
            ("de", "am 27.02.2026 bei uns eingegangen", "beginnt erst mit dem Eingang der vollständigen", "gehemmt"),
            ("en", "on 27 February 2026", "only begins once we have received the complete", "suspend")):
        text = text_of(client.get(f"/cases/{case.id}/letters/receipt?lang={lang}"))
        assert receipt in text and not_started in text
        assert suspended not in text


def test_once_complete_the_confirmation_counts_the_decision_deadline_from_complete_documents(
        client, login, case, clerk):
    step(case, "confirm_receipt_incomplete", clerk, documents="diploma")
    clock.travel_to(date(2026, 3, 10))
    for document in fresh(case).documents:
        service.set_document_status(case, document.document_id, DocumentStatus.RECEIVED, clerk,
                                    received_on=date(2026, 3, 5))
    db.session.commit()
    step(fresh(case), "confirm_documents_complete", clerk)
    login(clerk)

    text = text_of(client.get(f"/cases/{case.id}/letters/receipt"))  # the newest: the second confirmation
    assert "die letzte Unterlage ist am 05.03.2026 eingegangen" in text
    assert "bis zum 05.06.2026" in text  # 3 months from the arrival of the last document (§ 6(3) s. 2 BQFG)
    assert "§ 6(3) BQFG" in text
    english = text_of(client.get(f"/cases/{case.id}/letters/receipt?lang=en"))
    assert "arrived on 5 March 2026" in english and "by 5 June 2026" in english


def test_a_request_during_review_says_the_decision_period_is_suspended(client, login, case, clerk):
    mark_all_received(case, clerk)
    step(fresh(case), "confirm_receipt_complete", clerk)
    step(fresh(case), "request_documents", clerk, due_date="2026-03-16", documents="experience")
    step(fresh(case), "record_requested_documents_received", clerk)
    step(fresh(case), "request_documents", clerk, due_date="2026-03-20", documents="experience",
         kind="certified_copies")
    login(clerk)

    first, second = letters(case, LetterKind.DOCUMENTS_REQUEST)
    assert "gehemmt (§ 6(4) BQFG)" in text_of(client.get(f"/cases/{case.id}/letters/{first.id}"))
    assert "suspended (§ 6(4) BQFG)" in text_of(client.get(f"/cases/{case.id}/letters/{first.id}?lang=en"))
    # A non-regulated profession: certified copies are asked for under § 5(5) BQFG and suspend (§ 6(4)); the
    # exception of § 12(3) s. 3 is the regulated chapter's (story 14 and 48).
    assert "gehemmt (§ 6(4) BQFG)" in text_of(client.get(f"/cases/{case.id}/letters/{second.id}"))


def test_a_thuerbqfg_case_cites_the_thuerbqfg(client, login, make, office, clerk):
    case = make.case("recognition-thuerbqfg", office=office, actor=clerk, received_on=date(2026, 2, 27))
    mark_all_received(case, clerk)
    step(fresh(case), "confirm_receipt_complete", clerk)
    login(clerk)

    for lang in ("de", "en"):
        text = text_of(client.get(f"/cases/{case.id}/letters/receipt?lang={lang}"))
        assert "§ 13(2), § 13(3) ThürBQFG" in text and "§ 13(3) ThürBQFG" in text
        assert " BQFG)" not in text.replace("ThürBQFG", "") and "mirrors" not in text


def test_the_decision_has_its_letter(client, login, case, clerk):
    mark_all_received(case, clerk)
    step(fresh(case), "confirm_receipt_complete", clerk)
    step(fresh(case), "grant_full_equivalence", clerk, date="2026-03-02")
    login(clerk)

    (decision,) = letters(case, LetterKind.DECISION)
    assert decision.dated == date(2026, 3, 2)
    text = text_of(client.get(f"/cases/{case.id}/letters/{decision.id}"))
    assert "Bescheid" in text and "Entscheidung: Volle Gleichwertigkeit festgestellt." in text
    assert "§ 4(1), § 7 BQFG" in text
    pdf = pdf_text(client.get(f"/cases/{case.id}/letters/{decision.id}.pdf?lang=en"))
    assert "Decision: Full equivalence established." in pdf


def test_a_notice_requiring_a_compensation_measure_rules_in_its_own_words_and_offers_the_choice(
        client, login, make, office, clerk):
    """Browser review: the notice read "Entscheidung: Ausgleichsmaßnahme erforderlich – Wahl offen." (the clerk's
    label of the state) and never named the measures the applicant may choose between."""
    case = make.case("recognition-thuerbqfg", office=office, actor=clerk, received_on=date(2026, 2, 27))
    mark_all_received(case, clerk)
    step(fresh(case), "confirm_receipt_complete", clerk)
    step(fresh(case), "require_compensation", clerk, date="2026-03-02",
         differences="Praxisanteil Pflege von Kindern unter 3 Jahren fehlt")
    login(clerk)

    text = text_of(client.get(f"/cases/{case.id}/letters/decision"))
    assert "Wahl offen" not in text
    assert "durch eine Ausgleichsmaßnahme ausgeglichen werden können: einen Anpassungslehrgang oder eine " \
           "Eignungsprüfung. Sie haben die Wahl zwischen beiden" in text
    assert "Vorhandene Qualifikationen und wesentliche Unterschiede: Praxisanteil Pflege" in text
    english = text_of(client.get(f"/cases/{case.id}/letters/decision?lang=en"))
    assert "an adaptation period or an aptitude test. You may choose between them" in english


def test_the_warning_of_refusal_has_its_letter(client, login, case, clerk):
    step(case, "confirm_receipt_incomplete", clerk, documents="diploma")
    step(fresh(case), "warn_of_refusal", clerk, due_date="2026-03-30",
         letter="Bitte reichen Sie das Abschlusszeugnis ein.")
    login(clerk)

    text = text_of(client.get(f"/cases/{case.id}/letters/refusal_warning"))
    assert "bis zum 30.03.2026" in text and "§ 15(3) BQFG" in text
    assert "Bitte reichen Sie das Abschlusszeugnis ein." in text


@pytest.fixture
def skilled_worker_case(make, office, clerk, applicant):
    """A § 81a case for an employer, its accelerated recognition decided positively, the BA cleared."""
    immigration = make.office(kind="immigration_office", name="Ausländerbehörde Erfurt")
    immigration_clerk = make.user(role="immigration_clerk", office=immigration, name="Ines Immigration")
    employer = make.employer(name="Klinikum Weimar gGmbH")
    employer.street, employer.postcode, employer.city = "Henry-van-de-Velde-Straße 2", "99425", "Weimar"
    db.session.commit()
    parent = make.case("skilled-worker-81a", office=immigration, actor=immigration_clerk, employer=employer,
                       applicant=applicant, received_on=date(2026, 2, 27))  # the agreement follows the request
    step(parent, "conclude_agreement", immigration_clerk, date="2026-03-01", fee_paid_on="2026-02-28")
    return parent, immigration_clerk


def test_concluding_the_agreement_marks_agreement_and_fee_received_with_their_days(skilled_worker_case):
    parent, _clerk = skilled_worker_case

    documents = {d.document_id: d for d in fresh(parent).documents}
    received = DocumentStatus.RECEIVED
    assert (documents["agreement"].status, documents["agreement"].received_on) == (received, date(2026, 3, 1))
    assert (documents["fee_receipt"].status, documents["fee_receipt"].received_on) == (received, date(2026, 2, 28))
    assert documents["passport"].status == DocumentStatus.MISSING


def test_the_pre_approval_letter_goes_to_the_employer_and_says_what_the_mission_owes(
        client, login, skilled_worker_case, office, clerk):
    parent, immigration_clerk = skilled_worker_case
    step(parent, "start_recognition", immigration_clerk, procedure="recognition-bqfg", recognition_office=str(office.id))
    recognition = fresh(parent).children[0]
    step(fresh(parent), "record_ba_approval_not_required", immigration_clerk, reason="§ 39(1) AufenthG")
    mark_all_received(recognition, clerk)
    step(fresh(recognition), "confirm_receipt_complete", clerk)
    step(fresh(recognition), "grant_full_equivalence", clerk, date="2026-03-02")
    step(fresh(parent), "issue_pre_approval", immigration_clerk, date="2026-03-02")
    login(immigration_clerk)

    page = client.get(f"/cases/{parent.id}/letters/pre_approval").get_data(as_text=True)
    recipient = re.search(r'<address class="recipient">(.*?)</address>', page, re.S).group(1)
    assert [line.strip() for line in recipient.split("<br>") if line.strip()] == [
        "Klinikum Weimar gGmbH", "als Bevollmächtigte für Thị Ánh Nguyễn", "Henry-van-de-Velde-Straße 2",
        "99425 Weimar"]
    text = text_of(client.get(f"/cases/{parent.id}/letters/pre_approval"))
    assert "Sehr geehrte Damen und Herren," in text  # to the employer, not "Guten Tag" to the worker
    assert "bietet Ihnen einen Termin an, der innerhalb der nächsten drei Wochen liegt (§ 31a Abs. 1 AufenthV)" in text
    assert "§ 31 Abs. 3 AufenthV" in text
    english = text_of(client.get(f"/cases/{parent.id}/letters/pre_approval?lang=en"))
    assert "offers you an appointment that lies within the next three weeks (section 31a(1)" in english
    assert "section 31(3) Residence Ordinance" in english
    # The accelerated recognition's letters go to the employer too (§ 81a AufenthG: the employer's procedure).
    assert "Klinikum Weimar gGmbH" in text_of(client.get(f"/cases/{recognition.id}/letters/receipt"))


def test_letters_to_the_employer_speak_of_the_workers_qualification_and_the_notice_names_its_remedy(
        client, login, skilled_worker_case, office, clerk):
    parent, immigration_clerk = skilled_worker_case
    step(parent, "start_recognition", immigration_clerk, procedure="recognition-bqfg", recognition_office=str(office.id))
    recognition = fresh(parent).children[0]
    decided_equivalent(recognition, clerk)
    login(clerk)

    receipt = text_of(client.get(f"/cases/{recognition.id}/letters/receipt"))
    assert "Der Antrag auf Anerkennung der Berufsqualifikation von Thị Ánh Nguyễn" in receipt
    assert "Ihrer Berufsqualifikation" not in receipt and "Ihr Antrag" not in receipt
    decision = text_of(client.get(f"/cases/{recognition.id}/letters/decision"))
    assert "über den Antrag vom 02.03.2026 auf Feststellung der Gleichwertigkeit der Berufsqualifikation von " \
           "Thị Ánh Nguyễn" in decision
    assert ("Rechtsbehelfsbelehrung: Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe Widerspruch "
            "erhoben werden.") in decision
    assert ("zur Niederschrift bei der Behörde einzulegen, die den Bescheid erlassen hat: Handwerkskammer Erfurt, "
            "Anerkennungsstelle, Fischmarkt 13, 99084 Erfurt") in decision
    english = text_of(client.get(f"/cases/{recognition.id}/letters/decision?lang=en"))
    assert "on the application of 2 March 2026 for a finding of equivalence of the qualification of " \
           "Thị Ánh Nguyễn" in english
    assert "an objection (Widerspruch) may be lodged against this decision within one month" in english
    assert "within one month" in pdf_text(client.get(f"/cases/{recognition.id}/letters/decision.pdf?lang=en"))


def test_a_notice_to_the_applicant_speaks_to_them_and_names_its_remedy(client, login, case, clerk):
    decided_equivalent(case, clerk)
    login(clerk)

    decision = text_of(client.get(f"/cases/{case.id}/letters/decision"))
    assert "über Ihren Antrag vom 27.02.2026 auf Feststellung der Gleichwertigkeit Ihrer Berufsqualifikation" in decision
    assert "Rechtsbehelfsbelehrung" in decision
    # A Thuringian authority applies the VwVfG through § 1(1) ThürVwVfG: the electronic form is cited with both.
    assert "in elektronischer Form nach § 3a Abs. 2 VwVfG i. V. m. § 1 Abs. 1 ThürVwVfG" in decision


def test_a_letter_is_reached_only_through_its_own_case(client, login, make, office, case, clerk):
    other = make.case(office=office, actor=clerk, received_on=date(2026, 2, 27))
    step(case, "confirm_receipt_incomplete", clerk, documents="diploma")
    (letter,) = letters(case)
    login(clerk)

    assert client.get(f"/cases/{case.id}/letters/{letter.id}").status_code == 200
    assert client.get(f"/cases/{other.id}/letters/{letter.id}").status_code == 404
    assert client.get(f"/cases/{other.id}/letters/{letter.id}.pdf").status_code == 404
    assert client.get(f"/cases/{other.id}/letters/receipt").status_code == 404


def test_a_request_naming_no_items_asks_for_what_the_checklist_lacks_or_for_information(client, login, case, clerk):
    step(case, "confirm_receipt_incomplete", clerk, documents="diploma")
    step(fresh(case), "request_missing_documents", clerk, due_date="2026-03-31")  # no items ticked
    login(clerk)
    [request] = letters(case, LetterKind.DOCUMENTS_REQUEST)
    text = text_of(client.get(f"/cases/{case.id}/letters/{request.id}"))
    assert "benötigen wir noch folgende Unterlagen: " in text and "Ausbildungsnachweis" in text  # not an empty list

    mark_all_received(case, clerk)
    step(fresh(case), "confirm_documents_complete", clerk)
    step(fresh(case), "request_documents", clerk, due_date="2026-04-15", kind="information")
    second = letters(case, LetterKind.DOCUMENTS_REQUEST)[-1]
    text = text_of(client.get(f"/cases/{case.id}/letters/{second.id}"))
    assert "benötigen wir noch Auskünfte oder Unterlagen von Ihnen." in text and "folgende Unterlagen" not in text
    english = text_of(client.get(f"/cases/{case.id}/letters/{second.id}?lang=en"))
    assert "we need further information or documents from you." in english


def test_parties_open_no_kept_letter_even_on_a_case_they_see(client, login, make, office, case, clerk):
    # The letters are the authority's copies of its post (address, birth date, reasons); the portal shows none.
    # Employer users and advisors who see the case read them all (and unlogged: the read log records staff).
    employer = make.employer()
    case.employer = employer
    db.session.commit()
    make.authorisation(case, employer=employer, actor=clerk)
    step(case, "confirm_receipt_incomplete", clerk, documents="diploma")
    (letter,) = letters(case)
    advisor = make.user("advisor")
    make.grant(employer, advisor=advisor)
    for party in (make.user("employer", employer=employer), advisor):
        login(party)
        assert client.get(f"/portal/cases/{case.id}").status_code == 200  # the case itself is theirs to see
        for url in (f"/cases/{case.id}/letters/{letter.id}", f"/cases/{case.id}/letters/{letter.id}.pdf",
                    f"/cases/{case.id}/letters/receipt", f"/cases/{case.id}/letters/receipt.pdf"):
            assert client.get(url).status_code == 404, (party.role, url)
        client.post("/logout")
    login(clerk)
    assert client.get(f"/cases/{case.id}/letters/{letter.id}").status_code == 200
