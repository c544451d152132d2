"""The work queue, assignment and the team view, as a clerk and a team lead use them in the browser."""
from __future__ import annotations

import html
import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest

from tracker import clock
from tracker.audit.service import case_events
from tracker.cases import service
from tracker.cases.models import Case
from tracker.cases.sweep import sweep
from tracker.extensions import db

REFERENCE = re.compile(r'<a href="/cases/\d+">([A-Z]+-[A-Z]+-\d{4}-\d{6})</a>')
NEXT_PAGE = re.compile(r'<a href="([^"]+)" rel="next">')


def references(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return REFERENCE.findall(response.get_data(as_text=True))


def count_line(response) -> str:
    return re.search(r'<p class="count" role="status">([^<]*)</p>', response.get_data(as_text=True)).group(1)


def row_of(response, reference: str) -> str:
    """The queue row (<tr>…</tr>) that shows ``reference``."""
    page = response.get_data(as_text=True)
    return next(row for row in re.findall(r"<tr>.*?</tr>", page, re.S) if f">{reference}</a>" in row)


def step(case, transition_id, actor, **inputs):
    service.apply_transition(case, transition_id, actor, inputs)
    db.session.commit()


def test_breached_cases_come_first_then_nearest_deadline_and_cases_without_deadline_last(
        client, login, make, office, clerk):
    later = make.case(office=office, actor=clerk, received_on=date(2026, 2, 25))  # due 25.03.
    sooner = make.case(office=office, actor=clerk, received_on=date(2026, 2, 20))  # due 20.03.
    waiting = make.case(office=office, actor=clerk, received_on=date(2026, 2, 2))
    step(waiting, "confirm_receipt_incomplete", clerk, documents="passport")  # no open deadline any more
    late = make.case(office=office, actor=clerk, received_on=date(2026, 1, 15))  # was due 16.02.
    sweep()
    assert db.session.get(Case, late.id).breached

    login(clerk)
    response = client.get("/cases")

    assert references(response) == [late.reference, sooner.reference, later.reference, waiting.reference]
    assert "keine laufende Frist" in row_of(response, waiting.reference)


def test_days_left_are_written_out_not_only_coloured(client, login, make, office, clerk):
    fresh = make.case(office=office, actor=clerk, received_on=date(2026, 3, 2))  # due Thu 02.04.2026
    soon = make.case(office=office, actor=clerk, received_on=date(2026, 2, 6))  # due Fri 06.03.2026
    late = make.case(office=office, actor=clerk, received_on=date(2026, 1, 15))
    sweep()
    login(clerk)

    response = client.get("/cases")

    assert "02.04.2026" in row_of(response, fresh.reference)
    assert "noch 31 Tage" in row_of(response, fresh.reference)
    assert "noch 4 Tage" in row_of(response, soon.reference)
    assert "überschritten seit 14 Tagen" in row_of(response, late.reference)


def test_queue_shows_reference_applicant_procedure_state_and_assignee(client, login, make, office, clerk):
    employer = make.employer(name="Klinikum Weimar gGmbH")
    case = make.case(office=office, actor=clerk, employer=employer,
                     applicant=make.person(given="Thi Anh", family="Tran"))
    service.assign(case, clerk, clerk)
    db.session.commit()
    login(clerk)

    row = row_of(client.get("/cases"), case.reference)

    assert "Thi Anh Tran" in row
    assert "Klinikum Weimar gGmbH" in row
    assert "nicht reglementierter Beruf" in row  # procedure title
    assert "Antrag eingegangen" in row  # state in words
    assert "Clara Clerk" in row


def test_clerk_sees_only_the_cases_of_their_own_office(client, login, make, office, clerk):
    own = make.case(office=office, actor=clerk)
    other = make.case()  # another recognition body
    login(clerk)

    response = client.get("/cases")

    assert references(response) == [own.reference]
    assert count_line(response) == "1 Fall"
    assert references(client.get("/cases", query_string={"q": other.reference})) == []


def test_admin_can_filter_by_office(client, login, make):
    erfurt, jena = make.office(name="Erfurt"), make.office(name="Jena")
    in_erfurt, in_jena = make.case(office=erfurt), make.case(office=jena)
    login(make.user(role="admin"))

    assert set(references(client.get("/cases"))) == {in_erfurt.reference, in_jena.reference}
    assert references(client.get("/cases", query_string={"office": jena.id})) == [in_jena.reference]


def test_filter_by_procedure_and_state(client, login, make, office, clerk):
    federal = make.case("recognition-bqfg", office=office, actor=clerk)
    regulated = make.case("recognition-thuerbqfg", office=office, actor=clerk)
    incomplete = make.case("recognition-bqfg", office=office, actor=clerk)
    step(incomplete, "confirm_receipt_incomplete", clerk, documents="diploma")
    login(clerk)

    assert set(references(client.get("/cases", query_string={"procedure": "recognition-bqfg"}))) == {
        federal.reference, incomplete.reference}
    assert references(client.get("/cases", query_string={"procedure": "recognition-thuerbqfg"})) == [
        regulated.reference]
    assert references(client.get("/cases", query_string={"state": "incomplete"})) == [incomplete.reference]


def test_the_filters_offer_the_procedures_of_the_office_s_kind(client, login, make, clerk):
    """Browser review: a recognition body's state list named every § 81a state, which none of its cases can have."""
    login(clerk)
    page = client.get("/cases").get_data(as_text=True)
    procedures = re.search(r'<select id="procedure".*?</select>', page, re.S).group(0)
    assert 'value="recognition-bqfg"' in procedures and 'value="skilled-worker-81a"' not in procedures
    assert "Vorabzustimmung" not in re.search(r'<select id="state".*?</select>', page, re.S).group(0)
    client.post("/logout")
    login(make.user(role="admin"))  # every office: every procedure
    assert 'value="skilled-worker-81a"' in client.get("/cases").get_data(as_text=True)


def test_mine_unassigned_and_a_named_colleague(client, login, make, office, clerk):
    colleague = make.user(office=office, name="Max Kollege")
    mine = make.case(office=office, actor=clerk)
    theirs = make.case(office=office, actor=clerk)
    nobody = make.case(office=office, actor=clerk)
    service.assign(mine, clerk, clerk)
    service.assign(theirs, colleague, clerk)
    db.session.commit()
    login(clerk)

    assert references(client.get("/cases", query_string={"assignee": "mine"})) == [mine.reference]
    assert references(client.get("/cases", query_string={"assignee": "unassigned"})) == [nobody.reference]
    assert references(client.get("/cases", query_string={"assignee": colleague.id})) == [theirs.reference]


def test_overdue_and_due_this_week_follow_the_clock(client, login, make, office, clerk):
    this_week = make.case(office=office, actor=clerk, received_on=date(2026, 2, 6))  # due Fri 06.03.
    next_month = make.case(office=office, actor=clerk, received_on=date(2026, 3, 2))  # due Thu 02.04.
    login(clerk)

    assert references(client.get("/cases", query_string={"week": "1"})) == [this_week.reference]
    assert references(client.get("/cases", query_string={"overdue": "1"})) == []

    clock.travel_to(date(2026, 3, 9))  # Monday after: 06.03. has passed, the sweep has not run yet
    assert references(client.get("/cases", query_string={"overdue": "1"})) == [this_week.reference]
    assert references(client.get("/cases", query_string={"week": "1"})) == []  # overdue, not due this week

    clock.travel_to(date(2026, 3, 30))  # the Monday of the week 02.04. falls in
    assert next_month.reference in references(client.get("/cases", query_string={"week": "1"}))


def test_waiting_for_the_applicant(client, login, make, office, clerk):
    ours = make.case(office=office, actor=clerk)
    theirs = make.case(office=office, actor=clerk)
    step(theirs, "confirm_receipt_incomplete", clerk, documents="passport")
    login(clerk)

    assert references(client.get("/cases", query_string={"waiting": "applicant"})) == [theirs.reference]
    assert ours.reference not in references(client.get("/cases", query_string={"waiting": "applicant"}))


def test_waiting_for_the_employer(client, login, make):
    immigration = make.office(kind="immigration_office")
    body = make.office()
    clerk = make.user(role="immigration_clerk", office=immigration)
    employer = make.employer()
    idle = make.case("skilled-worker-81a", office=immigration, actor=clerk, employer=employer)
    asked = make.case("skilled-worker-81a", office=immigration, actor=clerk, employer=employer)
    step(asked, "conclude_agreement", clerk, date="2026-03-02", fee_paid_on="2026-03-02")
    step(asked, "start_recognition", clerk, procedure="recognition-bqfg", recognition_office=str(body.id))
    step(asked, "request_ba_approval", clerk)
    step(asked, "record_ba_information_missing", clerk, missing="Arbeitszeit")
    login(clerk)

    waiting = references(client.get("/cases", query_string={"waiting": "employer"}))

    assert waiting == [asked.reference]
    assert idle.reference not in waiting


@pytest.mark.parametrize("query", ["ANR-BQ-2026-00000", "anr-bq-2026-00000"])
def test_search_by_reference_prefix(client, login, make, office, clerk, query):
    case = make.case(office=office, actor=clerk)
    login(clerk)

    assert case.reference in references(client.get("/cases", query_string={"q": query}))
    assert references(client.get("/cases", query_string={"q": "ABH-"})) == []


@pytest.mark.parametrize("query", ["000123", "2026-000123", "BQ-2026-000123", "bq-2026-000123", "-000123",
                                   "ANR-BQ-2026-000123"])
def test_search_finds_a_case_by_any_part_of_its_reference(client, login, make, office, clerk, query):
    wanted, neighbour, last_year = (make.case(office=office, actor=clerk) for _ in range(3))
    for case, reference in ((wanted, "ANR-BQ-2026-000123"), (neighbour, "ANR-BQ-2026-001230"),
                            (last_year, "ANR-BQ-2025-000123")):
        case.reference = reference
    db.session.commit()
    login(clerk)

    found = references(client.get("/cases", query_string={"q": query}))

    assert wanted.reference in found
    assert neighbour.reference not in found
    assert (last_year.reference in found) == ("2026" not in query)


def test_search_by_the_middle_of_a_reference_finds_every_case_that_contains_it(client, login, make, office, clerk):
    cases = [make.case(office=office, actor=clerk) for _ in range(2)]
    login(clerk)

    assert sorted(references(client.get("/cases", query_string={"q": "BQ-2026"}))) == \
        sorted(case.reference for case in cases)
    assert references(client.get("/cases", query_string={"q": "BQ-2025"})) == []


def test_search_by_applicant_name_and_by_employer(client, login, make, office, clerk):
    employer = make.employer(name="Pflegedienst Sonnenschein GmbH")
    by_name = make.case(office=office, actor=clerk, applicant=make.person(given="Priya", family="Raman"))
    by_employer = make.case(office=office, actor=clerk, employer=employer)
    login(clerk)

    assert references(client.get("/cases", query_string={"q": "raman"})) == [by_name.reference]
    assert references(client.get("/cases", query_string={"q": "Priya Raman"})) == [by_name.reference]
    assert references(client.get("/cases", query_string={"q": "sonnenschein"})) == [by_employer.reference]


def test_a_name_is_found_typed_with_or_without_its_diacritics(client, login, make, office, clerk):
    # Clerks type on a German keyboard; the name is written as the passport writes it.
    nguyen = make.case(office=office, actor=clerk, applicant=make.person(given="Thị Lan", family="Nguyễn"))
    lukasz = make.case(office=office, actor=clerk, applicant=make.person(given="Łukasz", family="Wójcik"))
    weiss = make.case(office=office, actor=clerk, employer=make.employer(name="Pflegeheim Weiß GmbH"),
                      applicant=make.person(given="Ana", family="Silva"))
    plain = make.case(office=office, actor=clerk, applicant=make.person(given="Anh", family="Tran"))
    login(clerk)

    def found(text):
        return references(client.get("/cases", query_string={"q": text}))

    assert found("nguyen") == found("NGUYỄN") == found("thi lan nguyen") == [nguyen.reference]
    assert found("lukasz wojcik") == found("Łukasz") == [lukasz.reference]
    assert found("weiss") == found("Weiß") == [weiss.reference]
    assert found("trần") == [plain.reference]  # diacritics typed, none in the name
    assert found("ngu_en") == []  # typed _ and % stay literal


def test_counts_follow_the_filters(client, login, make, office, clerk):
    for _ in range(3):
        make.case(office=office, actor=clerk)
    step(make.case(office=office, actor=clerk), "confirm_receipt_incomplete", clerk, documents="passport")
    login(clerk)

    assert count_line(client.get("/cases")) == "4 Fälle"
    assert count_line(client.get("/cases", query_string={"state": "incomplete"})) == "1 Fall"
    assert count_line(client.get("/cases", query_string={"q": "nobody-by-this-name"})) == "0 Fälle"


def test_closed_cases_are_hidden_unless_asked_for(client, login, make, office, clerk):
    open_case = make.case(office=office, actor=clerk)
    closed = make.case(office=office, actor=clerk)
    step(closed, "withdraw", clerk, date="2026-03-02")
    login(clerk)

    assert references(client.get("/cases")) == [open_case.reference]
    assert references(client.get("/cases", query_string={"closed": "1"})) == [closed.reference]


def _all_pages(client, first_url, between_pages=None) -> list[list[str]]:
    pages, url = [], first_url
    while url:
        response = client.get(url)
        pages.append(references(response))
        found = NEXT_PAGE.search(response.get_data(as_text=True))
        url = html.unescape(found.group(1)) if found else None
        if between_pages and url:
            between_pages(len(pages))
    return pages


def test_keyset_pages_have_the_requested_size_and_cover_every_case_once(client, login, make, office, clerk):
    cases = [make.case(office=office, actor=clerk, received_on=date(2026, 2, day)) for day in range(2, 9)]
    login(clerk)

    pages = _all_pages(client, "/cases?size=3")

    assert [len(page) for page in pages] == [3, 3, 1]
    assert [ref for page in pages for ref in page] == [case.reference for case in cases]  # nearest due first


def test_paging_is_stable_when_a_case_is_opened_between_page_loads(client, login, make, office, clerk):
    old = [make.case(office=office, actor=clerk, received_on=date(2026, 2, day)) for day in range(2, 12)]
    sweep()  # a few of them are breached: the cursor must cross the breached/not breached border too
    login(clerk)
    inserted = []

    def colleague_opens_a_case(page_number):
        # A new case whose deadline sorts in the middle of what is still to come, and one before the cursor.
        inserted.append(make.case(office=office, actor=clerk, received_on=date(2026, 2, 9)).reference)
        inserted.append(make.case(office=office, actor=clerk, received_on=date(2026, 1, 5)).reference)

    pages = _all_pages(client, "/cases?size=4", between_pages=colleague_opens_a_case)
    seen = [ref for page in pages for ref in page]

    assert len(seen) == len(set(seen)), "a case was shown twice"
    assert {case.reference for case in old} <= set(seen), "an old case was skipped"
    assert set(seen) - {case.reference for case in old} <= set(inserted)


def test_filters_stay_on_while_paging(client, login, make, office, clerk):
    for day in range(2, 7):
        make.case(office=office, actor=clerk, received_on=date(2026, 2, day))
    for day in range(2, 7):
        step(make.case(office=office, actor=clerk, received_on=date(2026, 2, day)), "confirm_receipt_incomplete",
             clerk, documents="passport")
    login(clerk)

    pages = _all_pages(client, "/cases?size=2&state=incomplete")

    assert sum(len(page) for page in pages) == 5
    assert count_line(client.get("/cases?size=2&state=incomplete")) == "5 Fälle"


@pytest.mark.parametrize("size", ["0", "-3", "abc", "100000"])
def test_a_silly_page_size_still_shows_a_page(client, login, make, office, clerk, size):
    case = make.case(office=office, actor=clerk)
    login(clerk)

    assert references(client.get("/cases", query_string={"size": size})) == [case.reference]


def test_a_mangled_cursor_starts_from_the_top(client, login, make, office, clerk):
    case = make.case(office=office, actor=clerk)
    login(clerk)

    assert references(client.get("/cases", query_string={"after": "not-a-cursor"})) == [case.reference]


# --- assignment -------------------------------------------------------------------------------------------

def test_bulk_assign_assigns_every_selected_case_and_records_it(client, login, make, office, clerk):
    colleague = make.user(office=office, name="Max Kollege")
    first, second, untouched = (make.case(office=office, actor=clerk) for _ in range(3))
    login(clerk)

    response = client.post("/cases/assign", data={"case_ids": [first.id, second.id], "assignee": colleague.id})

    assert response.status_code == 302
    db.session.expire_all()
    assert first.assignee_id == second.assignee_id == colleague.id
    assert untouched.assignee_id is None
    assigned = [e for e in case_events(first.id) if e.kind == "assigned"]
    assert [(e.actor_id, e.data["assignee"]) for e in assigned] == [(clerk.id, "Max Kollege")]
    assert "2 Fälle Max Kollege zugewiesen." in client.get("/cases").get_data(as_text=True)
    # "– niemand –" takes the cases back into the office's pool, and says so (it said "1 Fall zugewiesen.").
    client.post("/cases/assign", data={"case_ids": [first.id], "assignee": 0})
    db.session.expire_all()
    assert first.assignee_id is None
    assert "Zuständigkeit für 1 Fall aufgehoben." in client.get("/cases").get_data(as_text=True)


def test_bulk_assign_to_staff_of_another_office_is_refused(client, login, make, office, clerk):
    stranger = make.user(office=make.office(), name="Fremde Kollegin")
    case = make.case(office=office, actor=clerk)
    login(clerk)

    response = client.post("/cases/assign", data={"case_ids": [case.id], "assignee": stranger.id},
                           follow_redirects=True)

    db.session.expire_all()
    assert case.assignee_id is None
    assert "nur Beschäftigten der zuständigen Behörde" in response.get_data(as_text=True)
    assert [e for e in case_events(case.id) if e.kind == "assigned"] == []


def test_bulk_assign_with_another_office_s_case_changes_nothing(client, login, make, office, clerk):
    own = make.case(office=office, actor=clerk)
    foreign = make.case()
    login(clerk)

    response = client.post("/cases/assign", data={"case_ids": [own.id, foreign.id], "assignee": clerk.id},
                           headers={"Referer": "https://evil.example/"}, follow_redirects=True)
    missing = client.post("/cases/assign", data={"case_ids": [own.id, 99999999], "assignee": clerk.id},
                          follow_redirects=True)

    # A foreign case and one that does not exist are refused alike: nothing tells them apart.
    assert response.request.path == missing.request.path == "/cases"  # never where the Referer points
    assert "Mindestens einen der gewählten Fälle dürfen Sie nicht zuweisen." in response.get_data(as_text=True)
    assert "Mindestens einen der gewählten Fälle dürfen Sie nicht zuweisen." in missing.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(Case, own.id).assignee_id is None  # all or nothing
    assert db.session.get(Case, foreign.id).assignee_id is None


def test_reassign_a_single_case(client, login, make, office, clerk):
    colleague = make.user(office=office, name="Max Kollege")
    case = make.case(office=office, actor=clerk)
    service.assign(case, clerk, clerk)
    db.session.commit()
    login(clerk)

    response = client.post(f"/cases/{case.id}/assign", data={"assignee": colleague.id, "version": case.version})

    assert response.status_code == 302
    db.session.expire_all()
    assert case.assignee_id == colleague.id
    assert [e.data["assignee"] for e in case_events(case.id) if e.kind == "assigned"] == [
        "Clara Clerk", "Max Kollege"]
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Zuständigkeit geändert: Max Kollege" in page


def test_reassign_to_staff_of_another_office_is_refused(client, login, make, office, clerk):
    stranger = make.user(office=make.office())
    case = make.case(office=office, actor=clerk)
    login(clerk)

    response = client.post(f"/cases/{case.id}/assign", data={"assignee": stranger.id, "version": case.version})

    assert response.status_code == 422
    db.session.expire_all()
    assert case.assignee_id is None


# --- team view --------------------------------------------------------------------------------------------

def test_team_lead_sees_workload_per_clerk_and_every_breach_and_warning(client, login, make, office, clerk):
    lead = make.user(role="team_lead", office=office, name="Tina Teamleitung")
    idle = make.user(office=office, name="Ida Idle")
    breached = make.case(office=office, actor=clerk, received_on=date(2026, 1, 15))
    this_week = make.case(office=office, actor=clerk, received_on=date(2026, 2, 6))  # due Fri 06.03.
    relaxed = make.case(office=office, actor=clerk, received_on=date(2026, 3, 2))
    # In review, the decision period (§ 6(3) BQFG, warn 14 days ahead) is 10 days from its end.
    warned = make.case(office=office, actor=clerk, received_on=date(2025, 12, 1))
    clock.travel_to(date(2025, 12, 12))
    for document in warned.documents:
        service.set_document_status(warned, document.document_id, "received", clerk)
    step(warned, "confirm_receipt_complete", clerk)  # decision due Thu 12.03.2026, warned from 26.02.
    clock.travel_to(date(2026, 3, 2))
    for case in (breached, this_week, warned):
        service.assign(case, clerk, clerk)
    db.session.commit()
    sweep()
    other_office = make.case(received_on=date(2026, 1, 15))
    sweep()
    login(lead)

    response = client.get("/team")
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    rows = {name: re.search(rf">{name}</a></th>\s*<td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>", page).groups()
            for name in ("Clara Clerk", "Ida Idle", "nicht zugewiesen")}
    assert rows["Clara Clerk"] == ("3", "1", "1")  # open, breached, due this week (not the breached one again)
    assert rows["Ida Idle"] == ("0", "0", "0")
    assert rows["nicht zugewiesen"] == ("1", "0", "0")
    attention = page.split('id="attention-heading"')[1]
    assert breached.reference in attention and "überschritten" in attention
    assert this_week.reference in attention
    assert warned.reference in attention
    assert relaxed.reference not in attention
    assert other_office.reference not in attention
    assert idle.name in page


def test_clerk_may_not_open_the_team_view(client, login, clerk):
    login(clerk)

    assert client.get("/team").status_code == 403


def test_an_assignment_in_the_case_file_is_confirmed(client, login, make, office, clerk):
    """Browser review: "Zuweisen" led back to the top of the case file without a word."""
    colleague = make.user(office=office, name="Max Kollege")
    case = make.case(office=office, actor=clerk)
    login(clerk)

    response = client.post(f"/cases/{case.id}/assign", data={"assignee": colleague.id, "version": case.version},
                           follow_redirects=True)
    assert 'role="status">Zugewiesen: Max Kollege</p>' in response.get_data(as_text=True)
    db.session.refresh(case)
    response = client.post(f"/cases/{case.id}/assign", data={"assignee": 0, "version": case.version},
                           follow_redirects=True)
    assert 'role="status">Niemandem zugewiesen.</p>' in response.get_data(as_text=True)


def test_bulk_assign_leads_back_to_the_queue_as_it_was_filtered(client, login, make, office, clerk):
    """Browser review: after assigning the ticked cases of a filtered queue the clerk stood in the whole queue."""
    colleague = make.user(office=office, name="Max Kollege")
    case = make.case(office=office, actor=clerk)
    login(clerk)
    page = client.get("/cases?assignee=unassigned&q=zz&overdue=1").get_data(as_text=True)
    kept = re.search(r'<input type="hidden" name="filters" value="([^"]*)"', page)
    assert kept, "the bulk form carries the queue's filters"

    response = client.post("/cases/assign", data={"case_ids": [case.id], "assignee": colleague.id,
                                                  "filters": html.unescape(kept.group(1))})
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert target.path == "/cases"
    assert parse_qs(target.query) == {"assignee": ["unassigned"], "q": ["zz"], "overdue": ["1"]}
    refused = client.post("/cases/assign", data={"assignee": colleague.id, "filters": "q=zz&next=//evil.example"})
    assert refused.headers["Location"].endswith("/cases?q=zz")  # only the queue's own filters come back
