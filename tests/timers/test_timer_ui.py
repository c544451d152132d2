"""The deadlines section of the case page: every timer with its dates, kind and basis, and the clerk's forms to
pause, resume and extend, which keep what was typed when they refuse."""
from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest

from tests.timers import act, complete_documents, timer_of
from tracker import clock
from tracker.cases.sweep import sweep
from tracker.extensions import db


@pytest.fixture
def logged_in(clerk, login):
    return login(clerk)


@pytest.fixture
def in_review(make, body, clerk):
    """Receipt confirmed complete on Mon 2 Mar 2026: decision due Tue 2 Jun 2026."""
    case = make.case("recognition-bqfg", office=body, actor=clerk)
    complete_documents(case, clerk)
    return act(case, "confirm_receipt_complete", clerk)


def deadlines_section(html: str) -> str:
    return html.split('<section id="deadlines"', 1)[1].split("</section>", 1)[0]


def timers_on_page(html: str) -> dict[str, str]:
    """Timer name -> the text a reader sees in its entry, in page order."""
    entries = {}
    for item in deadlines_section(html).split('<li class="timer ')[1:]:
        name = unescape(re.search(r"<h3>\s*(.*?)\s*<span", item, re.S).group(1))
        entries[name] = " ".join(unescape(re.sub(r"<[^>]+>", " ", item)).split())
    return entries


def case_page(client, case) -> str:
    response = client.get(f"/cases/{case.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def post_timer(client, case, timer, action, **data):
    return client.post(f"/cases/{case.id}/timers/{timer.id}/{action}", data={"version": case.version, **data})


def test_case_page_lists_every_timer_open_and_finished_with_dates_kind_and_basis(client, in_review, clerk, logged_in):
    clock.travel_to(date(2026, 3, 16))
    act(in_review, "request_documents", clerk, due_date=date(2026, 3, 30), documents="diploma")
    clock.travel_to(date(2026, 3, 20))
    act(in_review, "record_requested_documents_received", clerk)

    timers = timers_on_page(case_page(client, in_review))
    assert list(timers) == ["Entscheidung über die Gleichwertigkeit",  # open first, then finished by due date
                            "Von der Behörde gesetzte Frist für nachgeforderte Unterlagen", "Eingangsbestätigung"]
    decision = timers["Entscheidung über die Gleichwertigkeit"]
    assert "gesetzliche Frist" in decision
    assert "fällig am 16.06.2026 noch 88 Tage" in decision  # 2 Jun + 14 days suspension
    assert "Rechtsgrundlage: § 6(3) BQFG" in decision
    assert "+ 14 Tage Hemmung (§ 6(4) BQFG) = Di 16.06.2026" in decision
    receipt = timers["Eingangsbestätigung"]
    assert "fällig am 02.04.2026 · eingehalten am 02.03.2026" in receipt
    assert "Rechtsgrundlage: § 6(2) BQFG" in receipt
    documents = timers["Von der Behörde gesetzte Frist für nachgeforderte Unterlagen"]
    assert "fällig am 30.03.2026 · eingehalten am 20.03.2026" in documents
    assert "noch" not in receipt + documents  # days left only for what is still open


def test_days_left_are_counted_from_today_when_the_page_is_shown(client, in_review, logged_in):
    assert "noch 92 Tage" in timers_on_page(case_page(client, in_review))["Entscheidung über die Gleichwertigkeit"]
    clock.travel_to(date(2026, 5, 27))  # nothing changed in the database, only the day
    assert "noch 6 Tage" in timers_on_page(case_page(client, in_review))["Entscheidung über die Gleichwertigkeit"]
    clock.travel_to(date(2026, 6, 2))
    assert "heute fällig" in timers_on_page(case_page(client, in_review))["Entscheidung über die Gleichwertigkeit"]


def test_accelerated_decision_is_shown_as_a_target_not_a_hard_deadline(client, make, body, clerk, logged_in):
    abh = make.office(kind="immigration_office")
    immigration_clerk = make.user(role="immigration_clerk", office=abh)
    parent = make.case("skilled-worker-81a", office=abh, actor=immigration_clerk, employer=make.employer())
    act(parent, "conclude_agreement", immigration_clerk, date=date(2026, 3, 2), fee_paid_on=date(2026, 3, 2))
    act(parent, "start_recognition", immigration_clerk, procedure="recognition-bqfg", recognition_office=body.id)
    [child] = parent.children
    complete_documents(child, clerk)
    act(child, "confirm_receipt_complete", clerk)

    timers = timers_on_page(case_page(client, child))
    assert "Sollfrist (Ziel)" in timers["Entscheidung über die Gleichwertigkeit (beschleunigt)"]
    assert "fällig am 04.05.2026 noch 63 Tage" in timers["Entscheidung über die Gleichwertigkeit (beschleunigt)"]
    assert "gesetzliche Frist" in timers["Eingangsbestätigung (beschleunigt)"]


def test_clerk_extends_the_decision_period_with_a_reason(client, in_review, logged_in):
    decision = timer_of(in_review, "decision")
    response = post_timer(client, in_review, decision, "extend", period="P2W", reason="Gutachten der ZAB steht aus")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cases/{in_review.id}#deadlines")

    db.session.expire_all()
    assert (timer_of(in_review, "decision").due_on, timer_of(in_review, "decision").extension) == (
        date(2026, 6, 16), "P2W")
    entry = timers_on_page(case_page(client, in_review))["Entscheidung über die Gleichwertigkeit"]
    assert "fällig am 16.06.2026" in entry and "verlängert" in entry
    assert "Verlängerung begründet mit: Gutachten der ZAB steht aus" in entry
    assert "Frist verlängern" not in entry  # only one extension


def test_extension_without_reason_is_refused_and_keeps_the_chosen_length(client, in_review, logged_in):
    decision = timer_of(in_review, "decision")
    response = post_timer(client, in_review, decision, "extend", period="P1M", reason="")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Bitte geben Sie einen Grund an." in html
    section = deadlines_section(html)
    assert re.search(r'<option selected value="P1M">', section)
    assert '<details class="timer-action" open>' in section
    db.session.expire_all()
    assert (timer_of(in_review, "decision").due_on, timer_of(in_review, "decision").extension) == (
        date(2026, 6, 2), None)


def test_extension_to_a_far_date_says_what_is_wrong_and_not_that_the_reason_is_missing(client, in_review, logged_in):
    decision = timer_of(in_review, "decision")
    response = post_timer(client, in_review, decision, "extend", reason="Gutachten der ZAB steht aus",
                          until="3000-01-01")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Das Datum liegt zu weit in der Zukunft." in html
    assert "Bitte geben Sie einen Grund an." not in html
    assert "Gutachten der ZAB steht aus" in deadlines_section(html)  # the reason as typed, ready to send again


def test_a_reason_is_at_most_2000_characters(client, in_review, logged_in):
    decision = timer_of(in_review, "decision")
    response = post_timer(client, in_review, decision, "pause", reason="x" * 2001)
    assert response.status_code == 422
    assert 'maxlength="2000"' in deadlines_section(response.get_data(as_text=True))
    db.session.expire_all()
    assert timer_of(in_review, "decision").status == "running"


def test_extension_of_a_timer_without_extension_rule_is_refused_with_the_reason(client, make, body, clerk, logged_in):
    case = make.case("recognition-bqfg", office=body, actor=clerk)
    receipt = timer_of(case, "receipt_confirmation")
    assert "Frist verlängern" not in timers_on_page(case_page(client, case))["Eingangsbestätigung"]

    response = post_timer(client, case, receipt, "extend", period="P1W", reason="viel zu tun")
    assert response.status_code == 422
    assert "Diese Frist kann nicht verlängert werden." in response.get_data(as_text=True)
    db.session.expire_all()
    assert timer_of(case, "receipt_confirmation").due_on == date(2026, 4, 2)


def test_clerk_pauses_and_resumes_the_decision_period_by_hand(client, in_review, logged_in):
    decision = timer_of(in_review, "decision")
    clock.travel_to(date(2026, 3, 10))
    assert post_timer(client, in_review, decision, "pause", reason="Originale angefordert").status_code == 302
    entry = timers_on_page(case_page(client, in_review))["Entscheidung über die Gleichwertigkeit"]
    assert "angehalten seit 10.03.2026" in entry and "Frist fortsetzen" in entry

    clock.travel_to(date(2026, 3, 20))
    db.session.refresh(in_review)
    assert post_timer(client, in_review, decision, "resume", reason="Originale liegen vor").status_code == 302
    entry = timers_on_page(case_page(client, in_review))["Entscheidung über die Gleichwertigkeit"]
    assert "fällig am 12.06.2026" in entry
    assert "Hemmung ab 10.03.2026 bis 20.03.2026: Originale angefordert" in entry


def test_a_suspended_period_shows_the_date_it_would_have_if_the_suspension_ended_today(client, in_review, logged_in):
    # Decision due Tue 2 Jun 2026; suspended from Tue 10 Mar without an end: on Tue 17 Mar, 7 days suspended so far.
    decision = timer_of(in_review, "decision")
    clock.travel_to(date(2026, 3, 10))
    assert post_timer(client, in_review, decision, "pause", reason="Originale angefordert").status_code == 302
    clock.travel_to(date(2026, 3, 17))
    entry = timers_on_page(case_page(client, in_review))["Entscheidung über die Gleichwertigkeit"]
    assert "angehalten seit 10.03.2026" in entry
    assert "Endet die Hemmung heute, ist die Frist am 09.06.2026 fällig" in entry
    assert "Stand heute, als endete die Hemmung heute:" in entry and "+ 7 Tage Hemmung (§ 6(4) BQFG) = Di 09.06.2026" in entry

    # On Fri 20 Mar the page says what resuming that day then gives: Fri 12 Jun.
    clock.travel_to(date(2026, 3, 20))
    entry = timers_on_page(case_page(client, in_review))["Entscheidung über die Gleichwertigkeit"]
    assert "am 12.06.2026 fällig" in entry
    db.session.refresh(in_review)
    assert post_timer(client, in_review, decision, "resume", reason="Originale liegen vor").status_code == 302
    entry = timers_on_page(case_page(client, in_review))["Entscheidung über die Gleichwertigkeit"]
    assert "fällig am 12.06.2026" in entry and "Endet die Hemmung heute" not in entry


def test_a_pause_by_hand_counts_from_the_date_of_the_fact_entered(client, in_review, logged_in):
    # The letter went out on Tue 10 Mar, recorded on Fri 13 Mar; the originals came on Fri 20 Mar, recorded Tue 24 Mar:
    # 10 days suspended, as if both had been recorded on their day (due Fri 12 Jun, not Mon 15 Jun).
    decision = timer_of(in_review, "decision")
    clock.travel_to(date(2026, 3, 13))
    assert post_timer(client, in_review, decision, "pause", reason="Originale angefordert",
                      effective_on="2026-03-10").status_code == 302
    clock.travel_to(date(2026, 3, 24))
    db.session.refresh(in_review)
    assert post_timer(client, in_review, decision, "resume", reason="Originale liegen vor",
                      effective_on="2026-03-20").status_code == 302
    entry = timers_on_page(case_page(client, in_review))["Entscheidung über die Gleichwertigkeit"]
    assert "fällig am 12.06.2026" in entry
    assert "Hemmung ab 10.03.2026 bis 20.03.2026: Originale angefordert" in entry


@pytest.mark.parametrize("effective_on, message", [
    ("2026-03-14", "Das Datum des Ereignisses darf nicht in der Zukunft liegen."),
    ("2026-03-01", "Das Datum des Ereignisses darf nicht vor dem Beginn der Frist (02.03.2026) liegen."),
    ("1026-03-10", None),  # not a plausible date: refused by the form, like every date field
])
def test_a_pause_dated_in_the_future_or_before_the_period_is_refused_and_the_typed_date_kept(
        client, in_review, logged_in, effective_on, message):
    decision = timer_of(in_review, "decision")
    clock.travel_to(date(2026, 3, 13))
    response = post_timer(client, in_review, decision, "pause", reason="Originale angefordert",
                          effective_on=effective_on)
    assert response.status_code == 422
    section = deadlines_section(response.get_data(as_text=True))
    assert f'value="{effective_on}"' in section
    assert '<details class="timer-action" open>' in section
    if message:
        assert message in unescape(section)
    db.session.expire_all()
    assert timer_of(in_review, "decision").status == "running"


def test_pause_without_reason_is_refused_and_the_form_stays_open(client, in_review, logged_in):
    decision = timer_of(in_review, "decision")
    response = post_timer(client, in_review, decision, "pause", reason="   ")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Bitte geben Sie einen Grund an." in html
    assert '<details class="timer-action" open>' in deadlines_section(html)
    db.session.expire_all()
    assert timer_of(in_review, "decision").status == "running"


def test_clerk_of_another_office_cannot_touch_the_timers(client, make, in_review, login):
    login(make.user(role="recognition_clerk", office=make.office(kind="recognition_body")))
    response = post_timer(client, in_review, timer_of(in_review, "decision"), "extend", period="P1M", reason="x")
    assert response.status_code == 404
    db.session.expire_all()
    assert timer_of(in_review, "decision").extension is None


def test_two_document_requests_are_told_apart_and_labelled_as_set_by_the_authority(client, in_review, clerk,
                                                                                  logged_in):
    act(in_review, "request_documents", clerk, due_date=date(2026, 3, 16), documents="diploma")
    act(in_review, "record_requested_documents_received", clerk)
    clock.travel_to(date(2026, 3, 20))
    act(in_review, "request_documents", clerk, due_date=date(2026, 4, 3), documents="transcript")

    html = case_page(client, in_review)
    titles = [unescape(re.search(r"<h3>\s*(.*?)\s*<span", item, re.S).group(1))
              for item in deadlines_section(html).split('<li class="timer ')[1:]]
    assert "Von der Behörde gesetzte Frist für nachgeforderte Unterlagen (Nr. 1 vom 02.03.2026)" in titles
    assert "Von der Behörde gesetzte Frist für nachgeforderte Unterlagen (Nr. 2 vom 20.03.2026)" in titles
    entries = timers_on_page(html)
    assert "von der Behörde gesetzte Frist" in entries["Von der Behörde gesetzte Frist für nachgeforderte Unterlagen (Nr. 2 vom 20.03.2026)"]
    assert "gesetzliche Frist" in entries["Entscheidung über die Gleichwertigkeit"]


def test_a_suspended_timer_offers_no_pause_and_a_finished_one_shows_no_suspension(client, in_review, clerk,
                                                                                  logged_in):
    act(in_review, "request_documents", clerk, due_date=date(2026, 3, 16), documents="diploma")
    html = case_page(client, in_review)
    decision = deadlines_section(html).split("Entscheidung über die Gleichwertigkeit", 1)[1].split("</li>", 1)[0]
    assert "gehemmt bis 16.03.2026" in decision
    assert "/pause" not in decision  # already suspended: "Frist anhalten" is not offered

    act(in_review, "record_requested_documents_received", clerk)
    act(in_review, "grant_full_equivalence", clerk, date=date(2026, 3, 2))
    html = case_page(client, in_review)
    decision = deadlines_section(html).split("Entscheidung über die Gleichwertigkeit", 1)[1].split("</li>", 1)[0]
    assert "eingehalten am 02.03.2026" in decision
    assert "gehemmt bis" not in decision


def test_documents_marked_received_on_their_arrival_day_start_the_decision_period_then(client, make, body, clerk,
                                                                                       logged_in):
    case = make.case("recognition-bqfg", office=body, actor=clerk, received_on=date(2026, 2, 20))
    required = [document for document in case.documents if document.required]
    for number, document in enumerate(required):
        arrived = "2026-02-25" if number == len(required) - 1 else "2026-02-20"
        response = client.post(f"/cases/{case.id}/documents/{document.document_id}",
                               data={"version": case.version, "status": "received", "received_on": arrived})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        db.session.refresh(case)
    act(case, "confirm_receipt_complete", clerk)

    assert timer_of(case, "decision").started_on == date(2026, 2, 25)  # the last document's day, not today
    html = case_page(client, case)
    assert "<td>25.02.2026</td>" in html  # the checklist's arrival column
    assert "Eingang der vollständigen Unterlagen Mi 25.02.2026" in html


def test_a_document_dated_before_the_application_is_refused_and_the_form_kept(client, make, body, clerk, logged_in):
    case = make.case("recognition-bqfg", office=body, actor=clerk, received_on=date(2026, 2, 20))
    response = client.post(f"/cases/{case.id}/documents/passport",
                           data={"version": case.version, "status": "received", "received_on": "2026-02-01"})

    assert response.status_code == 422
    assert "Das Eingangsdatum muss zwischen Antragseingang und heute liegen." in response.get_data(as_text=True)
    assert 'value="2026-02-01"' in response.get_data(as_text=True)


def test_a_lapsed_deadline_set_by_the_authority_is_extended_afterwards_to_the_date_communicated(
        client, in_review, clerk, logged_in):
    act(in_review, "request_documents", clerk, due_date=date(2026, 3, 16), documents="diploma")
    clock.travel_to(date(2026, 3, 20))
    sweep()
    timer = timer_of(in_review, "documents_deadline")
    assert timer.status == "breached"
    html = case_page(client, in_review)
    assert f"/timers/{timer.id}/extend" in html  # § 31(7) s. 2 VwVfG: offered also after the deadline ran out
    assert "nur einmal, auch nach Fristablauf (§ 31(7) VwVfG)." in html

    # Browser review: the length list chose "1 Woche" in advance, so a typed end date came with a length besides
    # and one of the two was dropped without a word. Now the list starts empty, and both at once are refused.
    choices = re.search(rf'<select[^>]*id="timer-{timer.id}-extend-period"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert choices.startswith('<option value="">') and "selected" not in choices  # no length chosen in advance
    both = client.post(f"/cases/{in_review.id}/timers/{timer.id}/extend",
                       data={"version": in_review.version, "period": "P1W", "until": "2026-04-10",
                             "reason": "Antragstellerin bat telefonisch um Aufschub"})
    assert both.status_code == 422
    assert re.search(rf'id="timer-{timer.id}-extend-until-error">[^<]*nicht beides', both.get_data(as_text=True))
    neither = client.post(f"/cases/{in_review.id}/timers/{timer.id}/extend",
                          data={"version": in_review.version, "period": "", "until": "", "reason": "Aufschub"})
    assert re.search(rf'id="timer-{timer.id}-extend-period-error">[^<]*Dauer', neither.get_data(as_text=True))

    response = client.post(f"/cases/{in_review.id}/timers/{timer.id}/extend",
                           data={"version": in_review.version, "period": "", "until": "2026-04-10",
                                 "reason": "Antragstellerin bat telefonisch um Aufschub"})

    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    db.session.expire_all()
    timer = timer_of(in_review, "documents_deadline")
    assert (timer.status, timer.due_on) == ("running", date(2026, 4, 10))  # the date communicated governs


def test_a_pause_by_hand_dated_before_a_flagged_breach_undoes_it_and_one_dated_after_is_refused(
        client, in_review, logged_in):
    # Due Tue 2 Jun 2026, flagged on 3 Jun; the letter that suspends went out on Mon 1 Jun, recorded on Thu 4 Jun.
    clock.travel_to(date(2026, 6, 3))
    sweep()
    db.session.expire_all()
    decision = timer_of(in_review, "decision")
    assert decision.status == "breached"
    clock.travel_to(date(2026, 6, 4))
    db.session.refresh(in_review)
    late = post_timer(client, in_review, decision, "pause", reason="Frist nach Berufsrecht", effective_on="2026-06-03")
    assert late.status_code == 422
    assert "Die Frist war am 03.06.2026 schon abgelaufen (Fristende 02.06.2026)" in late.get_data(as_text=True)
    db.session.refresh(in_review)
    assert post_timer(client, in_review, decision, "pause", reason="Frist nach Berufsrecht",
                      effective_on="2026-06-01").status_code == 302
    db.session.expire_all()
    decision = timer_of(in_review, "decision")
    assert decision.status == "paused" and decision.pauses[-1].started_on == date(2026, 6, 1)
    assert not db.session.get(type(in_review), in_review.id).breached


def test_a_deadline_changed_by_hand_is_confirmed_above_the_page(client, in_review, logged_in):
    """Browser review: pausing, resuming or extending came back without a word (transitions say "Erledigt")."""
    decision = timer_of(in_review, "decision")
    response = post_timer(client, in_review, decision, "extend", period="P2W", reason="Gutachten der ZAB steht aus")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="flash flash-success" role="status">Erledigt: Frist verlängern</p>' in page
