"""A deadline the authority sets for documents ends, by § 31(3) s. 1 VwVfG, on the next working day when the day entered
is a Saturday, Sunday or Thuringian holiday, unless the letter names that day with reference to s. 2. The letter,
the checklist and the timer say the same day: the one the period really ends on (LAW.md § 7)."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from tests.addressed import applicant, case, office  # noqa: F401  (fixtures)
from tests.letters.test_letters_kept import fresh, letters, pdf_text, step, text_of
from tracker import clock
from tracker.cases import service
from tracker.extensions import db
from tracker.procedures.vocabulary import LetterKind
from tracker.timers.models import Timer

# A Thuringian authority applies the VwVfG through § 1(1) ThürVwVfG (LAW.md § 7): the letter cites both.
NOTE_DE = "unter Hinweis auf § 31 Abs. 3 Satz 2 VwVfG i. V. m. § 1 Abs. 1 ThürVwVfG als Ende der Frist mit"
NOTE_EN = ("With reference to section 31(3) sentence 2 of the Administrative Procedure Act (VwVfG), applicable under "
           "section 1(1) of the Thuringian Administrative Procedure Act (ThürVwVfG), we name")


def timer_due(case, timer_id: str) -> date:
    return db.session.scalar(select(Timer.due_on).where(Timer.case_id == case.id, Timer.timer_id == timer_id)
                             .order_by(Timer.id.desc()).limit(1))


def requested_until(case, document_id: str) -> date:
    return next(d.requested_until for d in fresh(case).documents if d.document_id == document_id)


@pytest.mark.parametrize("today, entered, ends, in_german, in_english", [
    # Sat 14 Mar 2026: the period ends on Mon 16 Mar.
    pytest.param(date(2026, 3, 2), "2026-03-14", date(2026, 3, 16), "16.03.2026", "16 March 2026", id="saturday"),
    # Reformationstag, Tue 31 Oct 2028, a holiday in Thuringia: Wed 1 Nov (All Saints is none there).
    pytest.param(date(2028, 10, 16), "2028-10-31", date(2028, 11, 1), "01.11.2028", "1 November 2028",
                 id="reformationstag"),
    # Weltkindertag, Mon 20 Sep 2027, a holiday in Thuringia only: Tue 21 Sep.
    pytest.param(date(2027, 9, 6), "2027-09-20", date(2027, 9, 21), "21.09.2027", "21 September 2027",
                 id="weltkindertag"),
])
def test_the_request_letter_states_the_working_day_the_deadline_really_ends(
        client, login, make, office, clerk, applicant, today, entered, ends, in_german, in_english):
    clock.travel_to(today)
    case = make.case(office=office, actor=clerk, received_on=today, applicant=applicant)
    step(case, "confirm_receipt_incomplete", clerk, documents="diploma")
    step(fresh(case), "request_missing_documents", clerk, due_date=entered, documents="diploma")
    login(clerk)

    (request,) = letters(case, LetterKind.DOCUMENTS_REQUEST)
    german = text_of(client.get(f"/cases/{case.id}/letters/{request.id}"))
    english = text_of(client.get(f"/cases/{case.id}/letters/{request.id}?lang=en"))
    entered_de = date.fromisoformat(entered).strftime("%d.%m.%Y")
    assert f"Bitte reichen Sie die Unterlagen bis zum {in_german} ein" in german and entered_de not in german
    assert f"Please send these documents by {in_english} (" in english
    assert f"bis zum {in_german}" in pdf_text(client.get(f"/cases/{case.id}/letters/{request.id}.pdf"))
    assert NOTE_DE not in german and NOTE_EN not in english  # not named: the next working day counts
    # The checklist and the timer count to the same day as the letter.
    assert requested_until(case, "diploma") == ends == timer_due(case, "documents_deadline")
    # The case file's history keeps the day as entered, with the day it ends beside it.
    timeline = client.get(f"/cases/{case.id}").get_data(as_text=True).split('id="timeline"', 1)[1]
    assert f"{entered_de} (endet am {in_german}, § 31 Abs. 3 VwVfG)" in timeline
    english_timeline = client.get(f"/cases/{case.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert re.search(r"\(ends on \d+ \w{3} \d{4}, section 31\(3\) VwVfG\)", english_timeline.split('id="timeline"')[1])


def test_a_day_named_with_reference_to_s_2_stands_and_the_letter_names_it_so(client, login, case, clerk):
    step(case, "confirm_receipt_incomplete", clerk, documents="diploma")
    step(fresh(case), "request_missing_documents", clerk, due_date="2026-03-14", end_day_named="yes",
         documents="diploma")
    login(clerk)

    german = text_of(client.get(f"/cases/{case.id}/letters/documents_request"))
    english = text_of(client.get(f"/cases/{case.id}/letters/documents_request?lang=en"))
    assert "bis zum 14.03.2026 ein" in german and "16.03.2026" not in german
    assert f"Wir teilen Ihnen den 14.03.2026 {NOTE_DE}" in german
    assert "auch dann, wenn er ein Sonnabend, Sonntag oder gesetzlicher Feiertag ist" in german
    assert "by 14 March 2026 (" in english and f"{NOTE_EN} 14 March 2026 as the end of the deadline" in english
    assert requested_until(case, "diploma") == date(2026, 3, 14) == timer_due(case, "documents_deadline")
    timeline = client.get(f"/cases/{case.id}").get_data(as_text=True).split('id="timeline"', 1)[1]
    assert "14.03.2026" in timeline and "endet am" not in timeline  # named: it ends that day


def test_a_working_day_entered_is_printed_as_entered_without_a_note(client, login, case, clerk):
    step(case, "confirm_receipt_incomplete", clerk, documents="diploma")
    step(fresh(case), "request_missing_documents", clerk, due_date="2026-03-13", documents="diploma")  # a Friday
    login(clerk)

    german = text_of(client.get(f"/cases/{case.id}/letters/documents_request"))
    assert "bis zum 13.03.2026 ein" in german and NOTE_DE not in german
    english = client.get(f"/cases/{case.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "13 Mar 2026" in english.split('id="timeline"', 1)[1] and "ends on" not in english.split('id="timeline"')[1]
    assert requested_until(case, "diploma") == date(2026, 3, 13) == timer_due(case, "documents_deadline")


def test_a_request_during_review_states_the_day_its_suspension_lasts_to(client, login, case, clerk):
    for document in fresh(case).documents:
        service.set_document_status(case, document.document_id, "received", clerk)
    db.session.commit()
    step(fresh(case), "confirm_receipt_complete", clerk)
    step(fresh(case), "request_documents", clerk, due_date="2026-04-03", documents="experience")  # Good Friday
    login(clerk)

    german = text_of(client.get(f"/cases/{case.id}/letters/documents_request"))
    # Good Friday, Easter Saturday, Sunday and Monday: the deadline, and the suspension with it, end Tue 7 Apr.
    assert "bis zum 07.04.2026 ein" in german and "Bis zum Ablauf dieser Frist ist die Frist" in german
    assert requested_until(case, "experience") == date(2026, 4, 7) == timer_due(case, "documents_deadline")
    pause = next(timer for timer in fresh(case).timers if timer.timer_id.startswith("decision")).pauses[-1]
    assert pause.until_on == date(2026, 4, 7)


def test_the_warning_of_refusal_states_the_working_day_its_deadline_ends(client, login, case, clerk):
    step(case, "confirm_receipt_incomplete", clerk, documents="diploma")
    step(fresh(case), "warn_of_refusal", clerk, due_date="2026-03-28",  # a Saturday
         letter="Bitte reichen Sie das Abschlusszeugnis ein.")
    login(clerk)

    german = text_of(client.get(f"/cases/{case.id}/letters/refusal_warning"))
    english = text_of(client.get(f"/cases/{case.id}/letters/refusal_warning?lang=en"))
    assert "eine letzte Frist bis zum 30.03.2026" in german and "28.03.2026" not in german
    assert "a final deadline of 30 March 2026" in english
    assert NOTE_DE not in german and NOTE_EN not in english
    assert timer_due(case, "cooperation_deadline") == date(2026, 3, 30)


def test_the_warning_of_refusal_may_name_its_end_day_which_then_stands(client, login, case, clerk):
    """The last deadline is set by the authority too (§ 31(3) s. 2 VwVfG): named in the warning with reference to that
    rule, Sat 28 Mar 2026 ends it on that day, and the warning says so. A refusal for lack of cooperation dated Mon
    30 Mar then comes after the deadline ran out; unnamed, the deadline would end that Monday (test above)."""
    step(case, "confirm_receipt_incomplete", clerk, documents="diploma")
    step(fresh(case), "warn_of_refusal", clerk, due_date="2026-03-28", end_day_named="yes",
         letter="Bitte reichen Sie das Abschlusszeugnis ein.")
    login(clerk)

    german = text_of(client.get(f"/cases/{case.id}/letters/refusal_warning"))
    english = text_of(client.get(f"/cases/{case.id}/letters/refusal_warning?lang=en"))
    assert "eine letzte Frist bis zum 28.03.2026" in german and "30.03.2026" not in german
    assert f"Wir teilen Ihnen den 28.03.2026 {NOTE_DE}" in german
    assert f"{NOTE_EN} 28 March 2026 as the end of the deadline" in english
    assert timer_due(case, "cooperation_deadline") == date(2026, 3, 28)
    clock.travel_to(date(2026, 3, 30))
    step(fresh(case), "refuse", clerk, date="2026-03-30", ground="non_cooperation", reason="Keine Mitwirkung")
    assert fresh(case).state == "refused"


def test_an_extended_deadline_moves_the_day_the_requested_items_are_due(client, login, case, clerk):
    """Browser review: after an extension the checklist, the portal and the status page still said the old day."""
    step(case, "confirm_receipt_incomplete", clerk, documents="passport")
    step(fresh(case), "request_missing_documents", clerk, due_date="2026-03-13", documents="diploma")
    timer_pk = db.session.scalar(select(Timer.id).where(Timer.case_id == case.id,
                                                        Timer.timer_id == "documents_deadline"))
    service.extend_timer(fresh(case), timer_pk, clerk, "", "Antragsteller bat um Aufschub",
                         until=date(2026, 3, 27))
    db.session.commit()

    assert requested_until(case, "diploma") == date(2026, 3, 27) == timer_due(case, "documents_deadline")
    assert requested_until(case, "passport") is None  # asked for with the receipt, not by this deadline
    login(clerk)
    assert "27.03.2026" in client.get(f"/cases/{case.id}").get_data(as_text=True)
